"""Attachments in a deal's thread: checked by content, stored outside the web root,
served only to the deal's parties, its broker and operators.

A file is accepted when its bytes are one of the allowed kinds (PDF, PNG, JPEG, Office
Open XML documents, plain UTF-8 text) — detected with the ``filetype`` library from the
content, not the name — and its extension agrees with what the bytes are. It is stored
under ``ATTACHMENTS_DIR/<deal id>/<random key>``, never under a name the user chose.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core import content_check
from marketplace.core.errors import Invalid, NotFound
from marketplace.core.messages import N_, Message
from marketplace.core.uow import unit_of_work
from marketplace.deals import machine as deals
from marketplace.models import DealAttachment, DealMessage, User

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


def store_upload(
    stream: BinaryIO, filename: str, folder: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[str, str, bytes, str]:
    """Check an upload (size, kind by content, extension) and store it in ``folder``
    under a random key: (clean name, MIME type, bytes, key). Invalid on a refused file."""
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
    if mime not in ALLOWED:
        raise Invalid(
            {"file": N_("Only PDF, PNG, JPEG, Word/Excel/PowerPoint (OOXML) and text files.")}
        )
    extension = os.path.splitext(name)[1].lower()
    if extension not in ALLOWED[mime]:
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


@unit_of_work
def add_attachment(
    session: Session,
    actor: User | None,
    deal_id: int,
    stream: BinaryIO,
    filename: str,
    *,
    storage_dir: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    message_id: int | None = None,
    ip: str | None = None,
) -> DealAttachment:
    deal = deals.get_deal(session, actor, deal_id)
    if message_id is not None:
        message = session.get(DealMessage, message_id)
        if message is None or message.deal_id != deal.id:
            raise Invalid({"message_id": N_("No such message in this deal.")})
    name, mime, data, key = store_upload(
        stream, filename, os.path.join(storage_dir, str(deal.id)), max_bytes=max_bytes
    )
    attachment = DealAttachment(
        deal_id=deal.id,
        message_id=message_id,
        uploaded_by_id=actor.id,
        filename=name,
        content_type=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
    )
    session.add(attachment)
    deals.record(
        session,
        deal,
        "attachment_added",
        deals.speaking_role(deal, actor),
        actor,
        ip=ip,
        detail={"filename": name, "size": len(data), "content_type": mime},
    )
    session.flush()
    return attachment


def list_attachments(session: Session, actor: User | None, deal_id: int) -> list[DealAttachment]:
    deal = deals.get_deal(session, actor, deal_id)
    return list(
        session.scalars(
            select(DealAttachment)
            .where(DealAttachment.deal_id == deal.id)
            .order_by(DealAttachment.id)
        )
    )


def open_attachment(
    session: Session, actor: User | None, deal_id: int, attachment_id: int, *, storage_dir: str
) -> tuple[DealAttachment, str]:
    """The attachment and the path of its bytes, for a party or an operator only."""
    deal = deals.get_deal(session, actor, deal_id)
    attachment = session.get(DealAttachment, attachment_id)
    if attachment is None or attachment.deal_id != deal.id:
        raise NotFound(
            N_("No attachment %(attachment)s in deal %(deal)s."),
            attachment=attachment_id,
            deal=deal_id,
        )
    path = os.path.join(storage_dir, str(deal.id), attachment.storage_key)
    if not os.path.exists(path):
        raise NotFound(N_("The file is missing from storage."))
    return attachment, path
