"""Brokerage records (经纪记录): the deal's broker logs calls, meetings, site visits,
technical evaluations, documents and negotiation notes.

* Written by the deal's active broker only.
* Visibility: ``shared`` entries are seen by the deal's parties, its broker and operators,
  and appear in the deal's timeline; ``private`` entries by their author and operators
  only — never by the parties.
* An entry can be edited (and given attachments) by its author for 24 hours after it was
  created; every edit first copies the previous content to a version row, so nothing
  written is lost. After 24 hours the entry is immutable.

The clock is a parameter (``now``) so the tests can move time forward.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.core.localtime import aware
from marketplace.core.locking import flush_or_conflict, lock_rows
from marketplace.core.messages import N_, Message
from marketplace.core.uow import unit_of_work
from marketplace.deals import files as deal_files
from marketplace.deals import machine as deals
from marketplace.deals.machine import BROKER, OPERATOR
from marketplace.models import (
    BrokerageAttachment,
    BrokerageRecord,
    BrokerageRecordVersion,
    Deal,
    User,
)
from marketplace.models.brokers import RECORD_KINDS, RECORD_VISIBILITIES
from marketplace.models.types import utcnow

EDIT_WINDOW = timedelta(hours=24)
Clock = Callable[[], datetime]


def editable_until(record: BrokerageRecord) -> datetime:
    return aware(record.created_at) + EDIT_WINDOW


def is_editable(record: BrokerageRecord, now: Clock = utcnow) -> bool:
    return now() < editable_until(record)


def can_see(deal: Deal, record: BrokerageRecord, actor: User | None) -> bool:
    roles = deals.actor_roles(deal, actor)
    if record.visibility == "shared":
        return bool(roles)
    return OPERATOR in roles or (actor is not None and actor.id == record.broker_id and roles)


def visible_versions(record: BrokerageRecord, actor: User | None) -> list:
    """The earlier versions this reader may see: a version written while the entry was
    private stays with the broker and operators, even after the entry became shared."""
    if actor is not None and (actor.is_operator or actor.id == record.broker_id):
        return list(record.versions)
    return [v for v in record.versions if v.visibility == "shared"]


def _validate(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in RECORD_KINDS:
        errors["kind"] = Message(N_("One of %(choices)s."), choices=", ".join(RECORD_KINDS))
    visibility = data.get("visibility", "shared")
    if visibility not in RECORD_VISIBILITIES:
        errors["visibility"] = N_("shared or private.")
    occurred_at = data.get("occurred_at")
    if not isinstance(occurred_at, datetime):
        errors["occurred_at"] = N_("When it happened (date and time).")
    elif aware(occurred_at) > now + timedelta(minutes=5):
        errors["occurred_at"] = N_("A record is about something that already happened.")
    notes = (data.get("notes") or "").strip()
    if not notes:
        errors["notes"] = N_("Write what happened.")
    participants = [p.strip() for p in data.get("participants") or [] if p and p.strip()]
    if len(participants) > 50:
        errors["participants"] = N_("At most 50 participants.")
    if errors:
        raise Invalid(errors)
    return {
        "kind": kind,
        "visibility": visibility,
        # Stored in UTC: SQLite keeps no zone, so another offset would be read back as UTC.
        "occurred_at": aware(occurred_at).astimezone(UTC),
        "notes": notes,
        "participants": participants,
    }


@unit_of_work
def add_record(
    session: Session,
    actor: User | None,
    deal_id: int,
    data: dict[str, Any],
    *,
    now: Clock = utcnow,
) -> BrokerageRecord:
    deal = deals.lock_deal(session, actor, deal_id)
    if BROKER not in deals.actor_roles(deal, actor):
        raise Forbidden(N_("Only the deal's broker keeps its brokerage record."))
    at = now()
    clean = _validate(data, at)
    record = BrokerageRecord(
        deal_id=deal.id, broker_id=actor.id, revision=1, created_at=at, updated_at=at, **clean
    )
    session.add(record)
    session.flush()
    return record


def _locked_own(
    session: Session, actor: User | None, record_id: int, now: Clock
) -> tuple[Deal, BrokerageRecord]:
    record = session.get(BrokerageRecord, record_id)
    if record is None:
        raise NotFound(N_("No brokerage record %(record)s."), record=record_id)
    deal = deals.get_deal(session, actor, record.deal_id)
    if not can_see(deal, record, actor):
        raise NotFound(N_("No brokerage record %(record)s."), record=record_id)
    if actor.id != record.broker_id or BROKER not in deals.actor_roles(deal, actor):
        raise Forbidden(N_("Only the broker who wrote an entry changes it."))
    lock_rows(session, BrokerageRecord, [record_id])
    session.refresh(record)
    if not is_editable(record, now):
        raise Conflict(N_("Brokerage entries become immutable 24 hours after they were written."))
    return deal, record


@unit_of_work
def edit_record(
    session: Session,
    actor: User | None,
    record_id: int,
    data: dict[str, Any],
    *,
    now: Clock = utcnow,
) -> BrokerageRecord:
    """Change an entry within its 24 hours; the previous content is kept as a version."""
    _, record = _locked_own(session, actor, record_id, now)
    at = now()
    clean = _validate(data, at)
    if (
        all(getattr(record, k) == v for k, v in clean.items() if k != "occurred_at")
        and aware(record.occurred_at) == clean["occurred_at"]
    ):
        return record  # nothing changed: no new version
    session.add(
        BrokerageRecordVersion(
            record_id=record.id,
            revision=record.revision,
            kind=record.kind,
            occurred_at=record.occurred_at,
            participants=list(record.participants),
            notes=record.notes,
            visibility=record.visibility,
            written_at=record.updated_at,
            replaced_at=at,
        )
    )
    for key, value in clean.items():
        setattr(record, key, value)
    record.revision += 1
    record.updated_at = at
    flush_or_conflict(session)
    session.expire(record, ["versions"])
    return record


@unit_of_work
def add_attachment(
    session: Session,
    actor: User | None,
    record_id: int,
    stream: BinaryIO,
    filename: str,
    *,
    storage_dir: str,
    max_bytes: int = deal_files.DEFAULT_MAX_BYTES,
    now: Clock = utcnow,
) -> BrokerageAttachment:
    """A file of an entry (same checks as the thread's attachments), within its 24 hours."""
    deal, record = _locked_own(session, actor, record_id, now)
    name, mime, data, key = deal_files.store_upload(
        stream, filename, _folder(storage_dir, deal.id), max_bytes=max_bytes
    )
    attachment = BrokerageAttachment(
        record_id=record.id,
        filename=name,
        content_type=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        created_at=now(),
    )
    session.add(attachment)
    session.flush()
    session.expire(record, ["attachments"])
    return attachment


def _folder(storage_dir: str, deal_id: int) -> str:
    return os.path.join(storage_dir, str(deal_id), "brokerage")


def get_record(session: Session, actor: User | None, record_id: int) -> BrokerageRecord:
    record = session.get(BrokerageRecord, record_id)
    if record is None:
        raise NotFound(N_("No brokerage record %(record)s."), record=record_id)
    deal = deals.get_deal(session, actor, record.deal_id)
    if not can_see(deal, record, actor):
        raise NotFound(N_("No brokerage record %(record)s."), record=record_id)
    return record


def list_records(session: Session, actor: User | None, deal_id: int) -> list[BrokerageRecord]:
    """The entries this user may see, in the order things happened."""
    deal = deals.get_deal(session, actor, deal_id)
    rows = session.scalars(
        select(BrokerageRecord)
        .where(BrokerageRecord.deal_id == deal.id)
        .order_by(BrokerageRecord.occurred_at, BrokerageRecord.id)
    )
    return [r for r in rows if can_see(deal, r, actor)]


def shared_records(session: Session, deal: Deal) -> list[BrokerageRecord]:
    """The entries the deal's timeline shows (to everyone who sees the deal)."""
    return list(
        session.scalars(
            select(BrokerageRecord)
            .where(BrokerageRecord.deal_id == deal.id, BrokerageRecord.visibility == "shared")
            .order_by(BrokerageRecord.occurred_at, BrokerageRecord.id)
        )
    )


def open_attachment(
    session: Session, actor: User | None, record_id: int, attachment_id: int, *, storage_dir: str
) -> tuple[BrokerageAttachment, str]:
    record = get_record(session, actor, record_id)
    attachment = session.get(BrokerageAttachment, attachment_id)
    if attachment is None or attachment.record_id != record.id:
        raise NotFound(
            N_("No attachment %(attachment)s on record %(record)s."),
            attachment=attachment_id,
            record=record_id,
        )
    path = os.path.join(_folder(storage_dir, record.deal_id), attachment.storage_key)
    if not os.path.exists(path):
        raise NotFound(N_("The file is missing from storage."))
    return attachment, path
