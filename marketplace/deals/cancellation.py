"""Cancelling a funded deal by agreement: a proposal one party makes and the other answers.

    open ─accept (the other party)──▶ accepted: the deal is cancelled, escrow refunded
    open ─decline (the other party)─▶ declined
    open ─withdraw (the proposer)───▶ withdrawn
    open ─lapse (the platform)──────▶ lapsed    unanswered after DEAL_CANCELLATION_LAPSE_DAYS
    open ─clear (the platform)──────▶ cleared   a release, an acceptance or a dispute
                                                happened since it was made

A refund therefore needs both parties' decisions about the same, still current proposal
(or an operator's arbitration, delivery.cancel / resolve_dispute): a request made before
work went on can no longer be combined with a later one, and nothing is cancelled in a
dispute (the deal's table has no cancellation actions in ``disputed``).

Every function locks the deal first (machine.lock_deal), then reads the proposals; the
partial unique index ``uq_cancellation_proposal_open`` backs up "one open proposal per deal".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import payments
from marketplace.core import ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid
from marketplace.core.lifecycle import Lifecycle
from marketplace.core.locking import lock_rows
from marketplace.core.messages import N_
from marketplace.core.money import Amount
from marketplace.core.uow import UnitOfWork, unit_of_work
from marketplace.deals import labels
from marketplace.deals import machine as deals
from marketplace.deals.escrow import contract, escrow_account, refund
from marketplace.deals.machine import MILESTONE, SYSTEM
from marketplace.models import CancellationProposal, Deal, User
from marketplace.models.types import utcnow

DEFAULT_LAPSE_DAYS = 7  # the app passes config DEAL_CANCELLATION_LAPSE_DAYS
PROPOSER = "proposer"  # the party that made the proposal
ANSWERER = "answerer"  # the other party

PROPOSAL_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("open", "accept", ANSWERER): "accepted",
    ("open", "decline", ANSWERER): "declined",
    ("open", "withdraw", PROPOSER): "withdrawn",
    ("open", "lapse", SYSTEM): "lapsed",
    ("open", "clear", SYSTEM): "cleared",
}


def _not_yours(proposal: CancellationProposal, action: str, allowed: frozenset[str]) -> Forbidden:
    if action == "withdraw":
        return Forbidden(N_("Only the party that proposed the cancellation may withdraw it."))
    return Forbidden(N_("The other party answers your cancellation proposal; you may withdraw it."))


PROPOSAL: Lifecycle[CancellationProposal] = Lifecycle(
    "cancellation proposal",
    "status",
    PROPOSAL_TRANSITIONS,
    initial=("open",),
    wrong_role=_not_yours,
)


def _open(session: Session, deal: Deal) -> CancellationProposal | None:
    """The deal's open proposal as committed now (read after lock_deal); one past its
    lapse time is marked lapsed on the way."""
    proposal = _open_any(session, deal)
    if proposal is not None and proposal.expires_at <= utcnow():
        _close(session, deal, proposal, "lapse", None, "")
        return None
    return proposal


def _close(
    session: Session,
    deal: Deal,
    proposal: CancellationProposal,
    action: str,
    actor: User | None,
    note: str,
    *,
    role: str = SYSTEM,
    ip: str | None = None,
) -> None:
    """Move the proposal along its table and write the deal's timeline event."""
    PROPOSAL.apply(proposal, action, SYSTEM if role == SYSTEM else _relation(proposal, role))
    proposal.closed_at = utcnow()
    proposal.closed_by_id = actor.id if actor is not None and role != SYSTEM else None
    proposal.closing_note = note
    detail: dict[str, Any] = {"proposal_id": proposal.id, "proposed_by": proposal.proposed_by_role}
    if note:
        detail["reason" if action == "decline" else "cause"] = note
    if role == SYSTEM:
        deals.record(session, deal, f"cancellation_{proposal.status}", SYSTEM, None, detail=detail)
    session.flush()


def _relation(proposal: CancellationProposal, role: str) -> str:
    return PROPOSER if role == proposal.proposed_by_role else ANSWERER


def clear(session: Session, deal: Deal, cause: str) -> None:
    """A release, an acceptance or a dispute happened on the (locked) deal: an open
    proposal made before it no longer stands."""
    proposal = _open(session, deal)
    if proposal is not None:
        _close(session, deal, proposal, "clear", None, cause)


@unit_of_work
def propose_cancellation(
    session: Session,
    actor: User | None,
    deal_id: int,
    reason: str = "",
    *,
    lapse_days: int = DEFAULT_LAPSE_DAYS,
    ip: str | None = None,
) -> Deal:
    """A party proposes to cancel a funded deal, saying why; the other party answers."""
    deal = deals.lock_deal(session, actor, deal_id)
    role = deals.check(deal, "propose_cancellation", actor)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": N_("Say why you propose to cancel; the other party reads it.")})
    proposal = _open(session, deal)
    if proposal is not None:
        if proposal.proposed_by_role == role:
            raise Conflict(N_("Your cancellation proposal is already waiting for an answer."))
        raise Conflict(
            N_("The %(role)s has proposed cancelling; accept or decline that proposal."),
            role=labels.term("role", proposal.proposed_by_role),
        )
    now = utcnow()
    proposal = CancellationProposal(
        deal_id=deal.id,
        status="open",
        proposed_by_role=role,
        proposed_by_id=actor.id,
        reason=reason,
        created_at=now,
        expires_at=now + timedelta(days=lapse_days),
        closing_note="",
    )
    session.add(proposal)
    session.flush()
    deals.apply(
        session,
        deal,
        "propose_cancellation",
        role,
        actor,
        ip=ip,
        detail={"proposal_id": proposal.id, "reason": reason, "expires_at": _iso(proposal)},
    )
    return deal


# The name of the first version (one request from each party); kept for callers.
request_cancellation = propose_cancellation


def _answerable(session: Session, deal: Deal, action: str, role: str) -> CancellationProposal:
    proposal = _open(session, deal)
    if proposal is None:
        raise Conflict(
            N_(
                "There is no open cancellation proposal: it was answered, withdrawn, has "
                "lapsed, or a release, an acceptance or a dispute since cleared it."
            )
        )
    PROPOSAL.check(proposal, action, [_relation(proposal, role)])
    return proposal


@unit_of_work
def accept_cancellation(
    session: Session,
    actor: User | None,
    deal_id: int,
    *,
    gateway: payments.Gateway | None = None,
    ip: str | None = None,
) -> Deal:
    """The other party accepts the open proposal: the deal is cancelled and what escrow
    still holds is refunded to the buyer."""
    gateway = gateway or payments.default_gateway()
    deal = deals.lock_deal(session, actor, deal_id)
    role = deals.check(deal, "accept_cancellation", actor)
    proposal = _answerable(session, deal, "accept", role)
    _close(session, deal, proposal, "accept", actor, "", role=role, ip=ip)
    detail = {"proposal_id": proposal.id, "proposed_by": proposal.proposed_by_role}
    deals.apply(session, deal, "accept_cancellation", role, actor, ip=ip, detail=detail)
    refunded = refund_escrow(session, deal, actor, gateway)
    deals.apply(session, deal, "cancel_by_agreement", SYSTEM, actor, ip=ip, detail=refunded)
    return deal


@unit_of_work
def decline_cancellation(
    session: Session, actor: User | None, deal_id: int, reason: str = "", *, ip: str | None = None
) -> Deal:
    """The other party declines the open proposal (a reason is optional); work goes on."""
    deal = deals.lock_deal(session, actor, deal_id)
    role = deals.check(deal, "decline_cancellation", actor)
    proposal = _answerable(session, deal, "decline", role)
    reason = (reason or "").strip()
    _close(session, deal, proposal, "decline", actor, reason, role=role, ip=ip)
    detail = {"proposal_id": proposal.id, "reason": reason}
    return deals.apply(session, deal, "decline_cancellation", role, actor, ip=ip, detail=detail)


@unit_of_work
def withdraw_cancellation(
    session: Session, actor: User | None, deal_id: int, *, ip: str | None = None
) -> Deal:
    """The proposer takes the open proposal back."""
    deal = deals.lock_deal(session, actor, deal_id)
    role = deals.check(deal, "withdraw_cancellation", actor)
    proposal = _answerable(session, deal, "withdraw", role)
    _close(session, deal, proposal, "withdraw", actor, "", role=role, ip=ip)
    detail = {"proposal_id": proposal.id}
    return deals.apply(session, deal, "withdraw_cancellation", role, actor, ip=ip, detail=detail)


def lapse_expired(session: Session) -> int:
    """The worker's sweep (``flask deals sweep``): mark every open proposal past its lapse
    time lapsed, each under its deal's lock, one commit per deal. Returns how many."""
    due = list(
        session.scalars(
            select(CancellationProposal.deal_id).where(
                CancellationProposal.status == "open", CancellationProposal.expires_at <= utcnow()
            )
        )
    )
    count = 0
    for deal_id in due:
        with UnitOfWork(session):  # one per deal: its lock is held until it commits
            lock_rows(session, Deal, [deal_id])
            deal = session.get(Deal, deal_id, populate_existing=True)
            proposal = _open_any(session, deal)
            if proposal is not None and proposal.expires_at <= utcnow():
                _close(session, deal, proposal, "lapse", None, "")
                count += 1
    return count


def _open_any(session: Session, deal: Deal) -> CancellationProposal | None:
    return session.scalar(
        select(CancellationProposal)
        .where(CancellationProposal.deal_id == deal.id, CancellationProposal.status == "open")
        .execution_options(populate_existing=True)
    )


def close_on_arbitration(session: Session, deal: Deal) -> None:
    """An operator cancels the (locked) deal: an open proposal is moot."""
    proposal = _open_any(session, deal)
    if proposal is not None:
        _close(session, deal, proposal, "clear", None, "arbitration")


def refund_escrow(
    session: Session, deal: Deal, actor: User | None, gateway: payments.Gateway
) -> dict[str, int]:
    """Refund what escrow holds (every unsettled milestone's amount) and cancel those
    milestones; the deal is locked."""
    currency = contract(deal).currency
    held = ledger.balance(session, escrow_account(session, deal, currency))
    unsettled = [m for m in deals.fresh_milestones(session, deal) if not m.settled]
    if held != sum(m.amount for m in unsettled):
        raise Conflict(
            N_("Escrow holds %(held)s, not what the unsettled milestones add up to."),
            held=Amount(held, currency),
        )
    for m in unsettled:
        m.refunded_amount = m.amount
        MILESTONE.apply(m, "cancel", SYSTEM)
    if not held:
        return {"refunded": 0}
    return refund(session, deal, None, held, f"deal:{deal.id}:cancel:refund", actor, gateway)


def _iso(proposal: CancellationProposal) -> str:
    return proposal.expires_at.isoformat()
