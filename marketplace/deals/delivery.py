"""Delivery: milestones accepted or disputed by the buyer, disputes resolved by an operator,
cancellation (freely before funding; after funding by an operator's arbitration, refunding
the escrow balance, or by a proposal the other party accepts: cancellation.py). A release,
an acceptance or a dispute clears an open cancellation proposal.

Every function locks the deal (deals.lock_deal) before it reads milestone states, so two
simultaneous requests on one milestone have exactly one effect. Money moves through
deal_money.release / deal_money.refund, in the same database transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import payments
from marketplace.core import audit, signals
from marketplace.core.errors import Forbidden, Invalid, NotFound
from marketplace.core.messages import N_, Message
from marketplace.core.money import Amount
from marketplace.core.uow import unit_of_work
from marketplace.deals import cancellation
from marketplace.deals import machine as deals
from marketplace.deals.escrow import contract, refund, release
from marketplace.deals.machine import MILESTONE, SYSTEM
from marketplace.models import Deal, DealAttachment, Milestone, User
from marketplace.models.deals import RESOLUTIONS
from marketplace.models.types import utcnow


def _milestone(session: Session, deal: Deal, milestone_id: int) -> Milestone:
    for m in deals.fresh_milestones(session, deal):
        if m.id == milestone_id:
            return m
    raise NotFound(
        N_("No milestone %(milestone)s on deal %(deal)s."), milestone=milestone_id, deal=deal.id
    )


def _complete_if_settled(session: Session, deal: Deal, actor: User | None, ip: str | None) -> None:
    if all(m.settled for m in deals.fresh_milestones(session, deal)):
        deals.apply(session, deal, "complete", SYSTEM, actor, ip=ip)


@unit_of_work
def deliver_milestone(
    session: Session,
    actor: User | None,
    deal_id: int,
    milestone_id: int,
    note: str,
    attachment_ids: list[int] | tuple[int, ...] = (),
    *,
    ip: str | None = None,
) -> Deal:
    """The supplier delivers a pending milestone, with a note and files already uploaded
    to the deal (files.add_attachment, with its checks). The buyer then accepts or rejects
    it within the terms' acceptance period, or it is accepted automatically."""
    deal = deals.lock_deal(session, actor, deal_id)
    milestone = _milestone(session, deal, milestone_id)
    role = deals.check(deal, "deliver_milestone", actor)
    MILESTONE.check(milestone, "deliver", [role])
    note = (note or "").strip()
    if not note:
        raise Invalid({"note": N_("Say what you deliver; the buyer reads it before accepting.")})
    files = []
    for attachment_id in dict.fromkeys(attachment_ids):
        attachment = session.get(DealAttachment, attachment_id)
        if attachment is None or attachment.deal_id != deal.id:
            raise Invalid(
                {
                    "attachment_ids": Message(
                        N_("No file %(file)s in this deal."), file=attachment_id
                    )
                }
            )
        files.append({"id": attachment.id, "filename": attachment.filename})
    now = utcnow()
    terms = contract(deal)
    MILESTONE.apply(milestone, "deliver", role)
    milestone.delivered_at = now
    milestone.delivery_note = note
    milestone.delivery_files = files
    milestone.rejection_reason = ""
    milestone.acceptance_due_at = now + timedelta(days=terms.acceptance_days)
    milestone.acceptance_notice_at = None
    detail = {
        "milestone_id": milestone.id,
        "position": milestone.position,
        "note": note,
        "files": [f["filename"] for f in files],
        "acceptance_due_at": milestone.acceptance_due_at.isoformat(),
    }
    return deals.apply(session, deal, "deliver_milestone", role, actor, ip=ip, detail=detail)


@unit_of_work
def reject_milestone(
    session: Session,
    actor: User | None,
    deal_id: int,
    milestone_id: int,
    reason: str,
    *,
    ip: str | None = None,
) -> Deal:
    """The buyer rejects a delivery, saying why: the milestone is pending again and the
    supplier delivers anew (a new acceptance period starts then)."""
    deal = deals.lock_deal(session, actor, deal_id)
    milestone = _milestone(session, deal, milestone_id)
    role = deals.check(deal, "reject_milestone", actor)
    MILESTONE.check(milestone, "reject", [role])
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": N_("Say what is missing or wrong; the supplier reads it.")})
    MILESTONE.apply(milestone, "reject", role)
    milestone.rejection_reason = reason
    milestone.acceptance_due_at = None
    milestone.acceptance_notice_at = None
    detail = {"milestone_id": milestone.id, "position": milestone.position, "reason": reason}
    return deals.apply(session, deal, "reject_milestone", role, actor, ip=ip, detail=detail)


@unit_of_work
def accept_milestone(
    session: Session,
    actor: User | None,
    deal_id: int,
    milestone_id: int,
    *,
    gateway: payments.Gateway | None = None,
    ip: str | None = None,
) -> Deal:
    """The buyer accepts a delivered milestone: its amount is released from escrow."""
    gateway = gateway or payments.default_gateway()
    deal = deals.lock_deal(session, actor, deal_id)
    milestone = _milestone(session, deal, milestone_id)
    role = deals.check(deal, "accept_milestone", actor)
    return accept_locked(session, deal, milestone, role, actor, gateway, ip=ip)


def accept_locked(
    session: Session,
    deal: Deal,
    milestone: Milestone,
    role: str,
    actor: User | None,
    gateway: payments.Gateway,
    *,
    ip: str | None = None,
) -> Deal:
    """Accept a delivered milestone of a locked deal, as the buyer or (the acceptance
    period passed) the platform: release its amount, clear a cancellation proposal."""
    MILESTONE.check(milestone, "accept", [role])
    detail = {"milestone_id": milestone.id, "position": milestone.position}
    if role == SYSTEM:
        detail["automatic"] = True
    detail |= release(session, deal, milestone, milestone.amount, actor, gateway)
    MILESTONE.apply(milestone, "accept", role)
    milestone.acceptance_due_at = None
    cancellation.clear(session, deal, "release")
    deals.apply(session, deal, "accept_milestone", role, actor, ip=ip, detail=detail)
    _complete_if_settled(session, deal, actor, ip)
    return deal


@unit_of_work
def dispute_milestone(
    session: Session,
    actor: User | None,
    deal_id: int,
    milestone_id: int,
    reason: str,
    *,
    ip: str | None = None,
) -> Deal:
    """The buyer contests a milestone; an operator decides."""
    deal = deals.lock_deal(session, actor, deal_id)
    milestone = _milestone(session, deal, milestone_id)
    role = deals.check(deal, "dispute_milestone", actor)
    MILESTONE.check(milestone, "dispute", [role])
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": N_("Say what is wrong with the delivery; the operator reads it.")})
    MILESTONE.apply(milestone, "dispute", role)
    milestone.dispute_reason = reason
    milestone.acceptance_due_at = None
    cancellation.clear(session, deal, "dispute")
    detail = {"milestone_id": milestone.id, "position": milestone.position, "reason": reason}
    deals.apply(session, deal, "dispute_milestone", role, actor, ip=ip, detail=detail)
    return deal


@unit_of_work
def resolve_dispute(
    session: Session,
    actor: User | None,
    deal_id: int,
    milestone_id: int,
    outcome: str,
    *,
    release_amount: int | None = None,
    note: str = "",
    gateway: payments.Gateway | None = None,
    ip: str | None = None,
) -> Deal:
    """An operator releases the disputed milestone, refunds it, or splits it (release
    ``release_amount``, refund the rest)."""
    gateway = gateway or payments.default_gateway()
    deal = deals.lock_deal(session, actor, deal_id)
    milestone = _milestone(session, deal, milestone_id)
    role = deals.check(deal, "resolve_dispute", actor)
    MILESTONE.check(milestone, "resolve", [role])
    if outcome not in RESOLUTIONS:
        raise Invalid(
            {"outcome": Message(N_("One of %(choices)s."), choices=", ".join(RESOLUTIONS))}
        )
    if outcome == "release":
        released = milestone.amount
    elif outcome == "refund":
        released = 0
    else:
        if release_amount is None or not 0 < release_amount < milestone.amount:
            raise Invalid(
                {
                    "release_amount": Message(
                        N_("A split releases more than 0 and less than %(amount)s."),
                        amount=Amount(milestone.amount, contract(deal).currency),
                    )
                }
            )
        released = release_amount
    detail: dict[str, Any] = {
        "milestone_id": milestone.id,
        "position": milestone.position,
        "outcome": outcome,
        "note": note,
    }
    if released:
        detail |= release(session, deal, milestone, released, actor, gateway)
        cancellation.clear(session, deal, "release")
    if milestone.amount - released:
        key = f"deal:{deal.id}:milestone:{milestone.id}:refund"
        detail |= refund(session, deal, milestone, milestone.amount - released, key, actor, gateway)
        milestone.refunded_amount += milestone.amount - released
    MILESTONE.apply(milestone, "resolve", role)
    milestone.resolution = outcome
    deals.apply(session, deal, "resolve_dispute", role, actor, ip=ip, detail=detail)
    _complete_if_settled(session, deal, actor, ip)
    audit.record(
        session,
        actor,
        "milestone.dispute_resolved",
        "milestone",
        milestone.id,
        before={"state": "disputed"},
        after={
            "state": "resolved",
            "outcome": outcome,
            "released": released,
            "amount": milestone.amount,
            "deal_id": deal.id,
            "note": note,
        },
        ip=ip,
    )
    return deal


# Cancellation -------------------------------------------------------------------------


@unit_of_work
def cancel(
    session: Session,
    actor: User | None,
    deal_id: int,
    reason: str = "",
    *,
    gateway: payments.Gateway | None = None,
    ip: str | None = None,
) -> Deal:
    """Before funding either party cancels; after funding only an operator (arbitration),
    and the whole escrow balance goes back to the buyer."""
    gateway = gateway or payments.default_gateway()
    deal = deals.lock_deal(session, actor, deal_id)
    role = deals.check(deal, "cancel", actor)
    detail: dict[str, Any] = {"reason": reason.strip()}
    if deal.state in deals.FUNDED_STATES:
        if not reason.strip():
            raise Invalid({"reason": N_("An arbitrated cancellation needs a reason.")})
        detail |= cancellation.refund_escrow(session, deal, actor, gateway)
        cancellation.close_on_arbitration(session, deal)
    funded = deal.state in deals.FUNDED_STATES
    deals.apply(session, deal, "cancel", role, actor, ip=ip, detail=detail)
    if not funded:
        signals.deal_cancelled_unfunded.send(session, deal=deal, role=role, gateway=gateway)
    return deal


def cancel_unfunded(session: Session, deal: Deal, detail: dict[str, Any]) -> Deal:
    """The platform cancels a deal its buyer did not fund in time (an auction's buyer past
    its deadline: auctions/settlement.py, which settles the deposit escrow holds). The
    caller holds the deal's lock."""
    return deals.apply(session, deal, "cancel", SYSTEM, None, detail=detail)


# Cancelling a funded deal by agreement is a proposal the other party answers
# (cancellation.py); this name of the first version stays for callers.
request_cancellation = cancellation.propose_cancellation


def open_disputes(session: Session, actor: User | None) -> list[Milestone]:
    """Disputed milestones, oldest first (operators)."""
    if actor is None or not actor.is_operator:
        raise Forbidden(N_("Only operators resolve disputes."))
    return list(
        session.scalars(
            select(Milestone).where(Milestone.state == "disputed").order_by(Milestone.id)
        )
    )
