"""Uploaded files, checked and stored: deal attachments, brokerage records' files and
organizations' verification documents all pass through ``store_upload``.

A file is accepted when its bytes are one of the allowed kinds (PDF, PNG, JPEG, Office
Open XML documents, plain UTF-8 text) — detected with the ``filetype`` library from the
content, not the name (core/content_check.py) — and its extension agrees with what the
bytes are. It is stored in the caller's folder under a random key, never under a name the
user chose.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Mapping
from typing import BinaryIO

from marketplace.core import content_check
from marketplace.core.errors import Invalid, NotFound
from marketplace.core.messages import N_, Message

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Detected MIME type → extensions a file of that kind may carry.
ALLOWED = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "text/plain": (".txt", ".csv", ".md"),
}


def clean_filename(name: str) -> str:
    """The name shown to users: no path, no control characters, at most 200 characters."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if ch.isprintable())
    name = re.sub(r"\s+", " ", name).strip(" .")
    return name[-200:] or "file"


def detect(head: bytes, data_is_text: bool) -> str | None:
    """The MIME type by content; web pages are refused before this is asked."""
    kind = content_check.binary_kind(head)
    if kind is not None:
        return kind
    return "text/plain" if data_is_text else None  # else binary of no allowed kind


# Scans of a licence or certificate: PDF or a photo.
SCANS = {mime: ALLOWED[mime] for mime in ("application/pdf", "image/png", "image/jpeg")}
KIND_NAMES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
}


def store_upload(
    stream: BinaryIO,
    filename: str,
    folder: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowed: Mapping[str, tuple[str, ...]] = ALLOWED,
) -> tuple[str, str, bytes, str]:
    """Check an upload (size, kind by content, extension) and store it in ``folder``
    under a random key: (clean name, MIME type, bytes, key). Invalid on a refused file.
    ``allowed`` narrows the kinds (MIME type → extensions) for one use."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise Invalid({"file": N_("The file is empty.")})
    if len(data) > max_bytes:
        raise Invalid(
            {"file": Message(N_("Files up to %(size)s MiB."), size=max_bytes // (1024 * 1024))}
        )
    name = clean_filename(filename)
    is_text = content_check.is_utf8_text(data, complete=True)
    if is_text and content_check.looks_like_markup(data):
        raise Invalid({"file": N_("Web pages (HTML, SVG, XML) cannot be attached.")})
    mime = detect(data[:8192], is_text)
    if mime not in allowed:
        if allowed is ALLOWED:
            raise Invalid(
                {"file": N_("Only PDF, PNG, JPEG, Word/Excel/PowerPoint (OOXML) and text files.")}
            )
        raise Invalid({"file": N_("Only PDF, PNG and JPEG files.")})
    extension = os.path.splitext(name)[1].lower()
    if extension not in allowed[mime]:
        raise Invalid(
            {
                "file": Message(
                    N_(
                        "The file's content is %(type)s, which does not match its name"
                        " (%(extension)s)."
                    ),
                    type=mime,
                    extension=extension or Message(N_("no extension")),
                )
            }
        )
    key = secrets.token_hex(16)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    # Write to a temporary file and rename: a crash never leaves half a file under the key.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, os.path.join(folder, key))
    return name, mime, data, key


def described(name: str, mime: str, data: bytes, key: str) -> dict[str, object]:
    """The columns every stored-file row keeps (deal files, proposal files): the clean
    name, the checked type, the size, the SHA-256 of the bytes and the storage key."""
    return {
        "filename": name,
        "content_type": mime,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "storage_key": key,
    }


def stored_path(folder: str, key: str) -> str:
    """Where a stored file's bytes are; NotFound when storage lost them."""
    path = os.path.join(folder, key)
    if not os.path.exists(path):
        raise NotFound(N_("The file is missing from storage."))
    return path
