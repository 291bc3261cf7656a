"""Outgoing e-mail through Flask-Mail.

With ``MAIL_SERVER`` set, messages go to that SMTP server. Without it (development,
tests), each message is written as an RFC 822 ``.eml`` file under ``MAIL_FILE_DIR``
(``instance/mail/`` by default), so nothing leaves the machine and a developer can
open what would have been sent.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask_mail import Message

from marketplace.extensions import mail


def send_mail(
    to: str | Sequence[str],
    subject: str,
    body: str,
    html: str | None = None,
    *,
    message_id: str | None = None,
) -> Path | None:
    """Send one message; return the file it was written to when no SMTP server is set.

    ``message_id`` (the local part of a Message-ID) names a message that may be sent again
    (a retry after a crash): the copies carry one Message-ID, by which mail clients
    recognise them as one message."""
    recipients = [to] if isinstance(to, str) else list(to)
    message = Message(
        subject=subject,
        recipients=recipients,
        body=body,
        html=html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    if message_id:
        domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2].strip("<> ")
        message.msgId = f"<{message_id}@{domain or 'techmarket.local'}>"
    if current_app.config.get("MAIL_SERVER"):
        mail.send(message)
        return None
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(message.as_bytes())
    os.replace(tmp, path)  # readers never see half a message
    return path


def sent_files(folder: str | os.PathLike) -> list[Path]:
    """The messages written to ``folder``, oldest first (for tests and the dev CLI)."""
    return sorted(Path(folder).glob("*.eml"))


def link_for(endpoint: str, **values: Any) -> str:
    """An absolute link for a mail, built against PUBLIC_BASE_URL (production: a forged
    Host header plays no part). Without it, the request's own host, and outside a request
    (the outbox worker) the development server."""
    base = current_app.config.get("PUBLIC_BASE_URL") or (
        request.host_url if has_request_context() else "http://127.0.0.1:5000"
    )
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, url_scheme=parts.scheme or "http", script_name=parts.path or "/"
    )
    return adapter.build(endpoint, values, force_external=True)
