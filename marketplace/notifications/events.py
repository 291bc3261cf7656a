"""Who is told about an event, once: the deal, broker and review notifications.

A domain service calls ``notify`` inside its unit of work, with the event's kind, the
users concerned and a key naming the event (``deal_event:17``, ``deal_message:4``,
``offer:3:accepted``…). The rows are written in the same transaction as the event, so an
event that is rolled back tells nobody and one that commits is never lost; the unique
index (user, kind, subject, event_key) keeps one per reader even when two workers or two
retries announce the same event. Their e-mail copies go out after the commit
(inbox.create). The actor is never told about their own act, and each reader's
preferences (a switch per group, and mail on or off) are respected.

Reviews of listings and demands happen in ``catalog``, below this package: it sends the
``item_reviewed`` signal (core/signals.py), which ``on_item_reviewed`` receives.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core import signals
from marketplace.models import User, UserRole
from marketplace.models.notifications import (
    AUCTION_KINDS,
    BROKER_KINDS,
    CHALLENGE_KINDS,
    DEAL_KINDS,
    PUBLICATION_KINDS,
    VOUCHER_KINDS,
)
from marketplace.notifications import inbox

GROUP_OF: dict[str, str] = {
    **{kind: "deal_events" for kind in DEAL_KINDS},
    **{kind: "broker_events" for kind in BROKER_KINDS},
    **{kind: "publication_events" for kind in PUBLICATION_KINDS},
    **{kind: "auction_events" for kind in AUCTION_KINDS},
    **{kind: "challenge_events" for kind in CHALLENGE_KINDS},
    # 您可能能揭此榜 is a match alert (discovery/challenge_matching.py), not an event of
    # the reader's own challenge or proposal.
    "challenge_match": "match_alerts",
    # An operator's decision on what the reader submitted, like a review.
    **{kind: "publication_events" for kind in VOUCHER_KINDS},
}


def members(session: Session, organization_ids: Iterable[int | None]) -> set[int]:
    """The active users of these organizations."""
    ids = {i for i in organization_ids if i is not None}
    if not ids:
        return set()
    return set(
        session.scalars(select(User.id).where(User.organization_id.in_(ids), User.active.is_(True)))
    )


def operators(session: Session) -> set[int]:
    """The active platform operators."""
    return set(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "operator", User.active.is_(True))
        )
    )


def notify(
    session: Session,
    kind: str,
    user_ids: Iterable[int],
    *,
    event_key: str,
    actor_id: int | None = None,
    deal_id: int | None = None,
    listing_id: int | None = None,
    demand_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Notify these users of one event (not the actor; not those who turned the group
    off). Returns how many notifications are new."""
    recipients = sorted(set(user_ids) - {actor_id})
    if not recipients:
        return 0
    group = GROUP_OF[kind]
    prefs = inbox.preferences_of(session, recipients)
    created = 0
    # One order for every writer: two transactions inserting the same keys wait for each
    # other in the same order and never deadlock.
    for user_id in recipients:
        pref = prefs[user_id]
        if not getattr(pref, group):
            continue
        if inbox.create(
            session,
            user_id=user_id,
            kind=kind,
            deal_id=deal_id,
            listing_id=listing_id,
            demand_id=demand_id,
            event_key=event_key,
            payload=payload,
            email=pref.email,
        ):
            created += 1
    return created


def on_item_reviewed(
    session: Session, *, item: Any, action: str, actor_id: int | None, review_id: int
) -> None:
    """An operator published or rejected a listing or demand: tell its organization."""
    if action not in ("publish", "reject"):
        return
    is_listing = item.__tablename__ == "listing"
    notify(
        session,
        "item_approved" if action == "publish" else "item_rejected",
        members(session, [item.organization_id]),
        # One per review (its audit entry): an item fixed and rejected again is news again.
        event_key=f"review:{review_id}",
        actor_id=actor_id,
        listing_id=item.id if is_listing else None,
        demand_id=None if is_listing else item.id,
        payload={"item": item.title, "text": item.rejection_reason or ""},
    )


signals.item_reviewed.connect(on_item_reviewed)
