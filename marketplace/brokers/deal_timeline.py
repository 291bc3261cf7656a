"""A deal's timeline as the people on it see it: the deal's events and the broker's shared
brokerage entries, oldest first. One function for the API and the deal page, with the one
visibility rule that differs by viewer: the client address of an event is shown to
operators only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from marketplace.brokers import records as brokerage_records
from marketplace.core.localtime import aware
from marketplace.deals.machine import BROKER
from marketplace.models import Deal, User

RECORD_ACTION = "brokerage_record"


@dataclass(frozen=True)
class TimelineEntry:
    id: int | None  # None for a brokerage entry (it is not a deal event)
    actor_id: int | None
    role: str
    action: str
    from_state: str | None
    to_state: str | None  # None for a brokerage entry: it changes no state
    ip: str | None  # operators only
    detail: dict[str, Any]
    created_at: datetime
    # A brokerage entry's participants (shown on the page, not part of the API's detail).
    participants: tuple[str, ...] = field(default=())


def timeline(session: Session, deal: Deal, viewer: User | None) -> list[TimelineEntry]:
    is_operator = viewer is not None and viewer.is_operator
    entries = [
        TimelineEntry(
            id=e.id,
            actor_id=e.actor_id,
            role=e.role,
            action=e.action,
            from_state=e.from_state,
            to_state=e.to_state,
            ip=e.ip if is_operator else None,
            detail=e.detail or {},
            created_at=e.created_at,
        )
        for e in deal.events
    ]
    entries += [
        TimelineEntry(
            id=None,
            actor_id=r.broker_id,
            role=BROKER,
            action=RECORD_ACTION,
            from_state=None,
            to_state=None,
            ip=None,
            detail={"record_id": r.id, "kind": r.kind, "notes": r.notes},
            created_at=aware(r.occurred_at),
            participants=tuple(r.participants),
        )
        for r in brokerage_records.shared_records(session, deal)
    ]
    entries.sort(key=lambda e: aware(e.created_at))
    return entries
