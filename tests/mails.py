"""Reading the mail the app wrote as .eml files (MAIL_FILE_DIR, no mail server): who it
went to, its text, and the path of a link in it."""

from __future__ import annotations

import os
import re
from email import message_from_bytes

from marketplace.core.mailer import sent_files


def messages(folder: str | os.PathLike) -> list[tuple[str, str]]:
    """(recipient, plain text) of each message written to ``folder``, oldest first."""
    out = []
    for path in sent_files(folder):
        msg = message_from_bytes(path.read_bytes())
        part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), msg)
        body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        out.append((msg["To"], body))
    return out


def link_path(folder: str | os.PathLike, email: str, prefix: str) -> str:
    """The path (from ``prefix`` on) of the link in the last mail to ``email``."""
    pattern = re.compile(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)")
    for to, body in reversed(messages(folder)):
        found = pattern.search(body)
        if email.lower() in to.lower() and found:
            return found.group(1)
    raise AssertionError(f"no mail to {email} with a link under {prefix}")
