"""Which deal events are announced, to whom: the deal's side of notifications/events.py.

``machine.record`` hands every timeline event here. They are announced just before the
unit of work commits (``UnitOfWork.before_commit``), all of one unit together, so that a
step made of two events tells each reader once (the second confirmation of the terms is
announced as the agreement, not also as a confirmation). The key of each notification is
the event's id: one event, one notification per reader, whoever retries.

Audiences are the deal's sides (every active member of the buying or supplying
organization), its active broker, the operators, or a named user; the actor is never told.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from marketplace.core.uow import current as current_unit
from marketplace.models import Deal, DealEvent, DealMessage, PayoutInstruction, User
from marketplace.notifications import events

BUYER, SUPPLIER, BROKER, OPERATORS = "buyer", "supplier", "broker", "operators"
PARTIES = (BUYER, SUPPLIER, BROKER)

# Timeline action → (notification kind, who is told). Actions not here (a file added, a
# funding requested, a broker's consent) are on the timeline only.
ANNOUNCED: dict[str, tuple[str, tuple[str, ...]]] = {
    "propose_terms": ("terms_proposed", PARTIES),
    "confirm_terms": ("terms_confirmed", PARTIES),
    "agree": ("terms_agreed", PARTIES),
    "confirm_funding": ("deal_funded", PARTIES),
    "deliver_milestone": ("milestone_delivered", PARTIES),
    "reject_milestone": ("milestone_rejected", PARTIES),
    "accept_milestone": ("milestone_accepted", PARTIES),
    "acceptance_reminder": ("acceptance_due", (BUYER, SUPPLIER)),
    "dispute_milestone": ("dispute_opened", (*PARTIES, OPERATORS)),
    "resolve_dispute": ("dispute_resolved", PARTIES),
    "propose_cancellation": ("cancel_proposed", PARTIES),
    "accept_cancellation": ("cancel_accepted", PARTIES),
    "decline_cancellation": ("cancel_declined", PARTIES),
    "cancel": ("deal_cancelled", PARTIES),
    "complete": ("deal_completed", PARTIES),
    "broker_assigned": ("broker_joined", (BUYER, SUPPLIER)),
}
_PENDING = "deal_events_to_announce"


def announce(session: Session, deal: Deal, event: DealEvent) -> None:
    """Queue a timeline event for announcement when its unit of work commits (at once,
    outside one)."""
    unit = current_unit(session)
    if unit is None:
        session.flush()
        _announce(session, [(deal, event)])
        return
    pending = unit.__dict__.setdefault(_PENDING, [])
    if not pending:
        unit.before_commit(lambda: _announce(session, pending))
    pending.append((deal, event))


def message_posted(session: Session, deal: Deal, message: DealMessage) -> None:
    """A message in the deal's thread: the other participants are told."""
    _tell(
        session,
        deal,
        "deal_message",
        _audience(session, deal, PARTIES),
        key=f"deal_message:{message.id}",
        actor_id=message.author_id,
        text=_short(message.body),
    )


def _announce(session: Session, queued: list[tuple[Deal, DealEvent]]) -> None:
    session.flush()
    agreed = {deal.id for deal, e in queued if e.action == "agree"}
    for deal, event in queued:
        if event.action == "confirm_terms" and deal.id in agreed:
            continue  # the agreement says it all
        if event.action == "open":
            _opened(session, deal, event)
        elif event.action == "broker_invited":
            _tell(
                session,
                deal,
                "broker_invited",
                {event.detail.get("broker_id")},
                key=_key(event),
                actor_id=event.actor_id,
                text="",
            )
        elif event.action == "payout_executed":
            _paid(session, deal, event)
        elif event.action in ANNOUNCED:
            kind, audience = ANNOUNCED[event.action]
            _tell(
                session,
                deal,
                kind,
                _audience(session, deal, audience),
                key=_key(event),
                actor_id=event.actor_id,
                text=_short(event.detail.get("reason") or event.detail.get("note") or ""),
                position=event.detail.get("position"),
                terms_version=event.detail.get("terms_version"),
            )
    queued.clear()


def _opened(session: Session, deal: Deal, event: DealEvent) -> None:
    """A new inquiry: the side that did not open it, and the broker the item brought."""
    other = SUPPLIER if event.role == BUYER else BUYER
    _tell(
        session,
        deal,
        "deal_opened",
        _audience(session, deal, (other, BROKER)),
        key=_key(event),
        actor_id=event.actor_id,
        text="",
    )


def _paid(session: Session, deal: Deal, event: DealEvent) -> None:
    """A payout was executed: its beneficiary organization is told."""
    payout = session.get(PayoutInstruction, event.detail.get("payout_id"))
    if payout is None:
        return
    _tell(
        session,
        deal,
        "payout_executed",
        events.members(session, [payout.beneficiary_org_id]),
        key=_key(event),
        actor_id=event.actor_id,
        text=payout.reference or "",
        amount=payout.amount,
        currency=payout.currency,
    )


def _audience(session: Session, deal: Deal, audience: tuple[str, ...]) -> set[int]:
    users: set[int] = set()
    orgs = []
    if BUYER in audience:
        orgs.append(deal.buyer_org_id)
    if SUPPLIER in audience:
        orgs.append(deal.supplier_org_id)
    users |= events.members(session, orgs)
    if BROKER in audience and deal.active_broker_id is not None:
        users.add(deal.active_broker_id)
    if OPERATORS in audience:
        users |= events.operators(session)
    return users


def _tell(
    session: Session,
    deal: Deal,
    kind: str,
    user_ids: set[Any],
    *,
    key: str,
    actor_id: int | None,
    text: str,
    **facts: Any,
) -> None:
    actor = session.get(User, actor_id) if actor_id is not None else None
    payload = {
        "deal": deal.title,
        "actor": actor.display_name if actor is not None else "",
        "text": text,
        **{name: value for name, value in facts.items() if value is not None},
    }
    events.notify(
        session,
        kind,
        {u for u in user_ids if u is not None},
        event_key=key,
        actor_id=actor_id,
        deal_id=deal.id,
        payload=payload,
    )


def _key(event: DealEvent) -> str:
    return f"deal_event:{event.id}"


def _short(text: str, limit: int = 280) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
