"""Attachments in a deal's thread: checked by content, stored outside the web root,
served only to the deal's parties, its broker and operators.

A file is accepted by core/uploads.py (its kind judged from its bytes, its extension
agreeing) and stored under ``ATTACHMENTS_DIR/<deal id>/<random key>``, never under a name
the user chose.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.errors import Invalid, NotFound
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work

# Re-exported: the attachment API documents ALLOWED, brokerage records store through here.
from marketplace.core.uploads import (
    ALLOWED,
    DEFAULT_MAX_BYTES,
    described,
    store_upload,
    stored_path,
)
from marketplace.deals import machine as deals
from marketplace.models import DealAttachment, DealMessage, User

__all__ = ["ALLOWED", "DEFAULT_MAX_BYTES", "add_attachment", "open_attachment", "store_upload"]


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
        **described(name, mime, data, key),
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
    return attachment, stored_path(os.path.join(storage_dir, str(deal.id)), attachment.storage_key)
