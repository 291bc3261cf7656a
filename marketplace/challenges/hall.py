"""What people read of challenges: the public 榜单 hall, one challenge with its details
behind the NDA click-through, the operators' queue, the poster's funding instructions.
The API and the pages both show these (never a query of their own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import payments
from marketplace.challenges import money
from marketplace.challenges.lifecycle import OPERATOR, POSTER, PUBLIC_STATES
from marketplace.challenges.workflow import not_found, proposal_count, roles
from marketplace.core.errors import Conflict, Forbidden, Unauthorized
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.deals import escrow as deal_money
from marketplace.models import Challenge, ChallengeNdaAcceptance, ChallengeProposal, User
from marketplace.models.types import utcnow

OPEN = ("open",)
CLOSED = ("evaluating", "awarded", "not_awarded")


def get_challenge(session: Session, actor: User | None, challenge_id: int) -> Challenge:
    """A challenge the actor may see: public once funded and open; before that (and when
    withdrawn) only its organization and operators."""
    challenge = session.get(Challenge, challenge_id)
    if challenge is None:
        raise not_found(challenge_id)
    if challenge.state not in PUBLIC_STATES and not roles(actor, challenge):
        raise not_found(challenge_id)
    return challenge


def nda_accepted(session: Session, actor: User | None, challenge: Challenge) -> bool:
    if actor is None:
        return False
    return (
        session.scalar(
            select(ChallengeNdaAcceptance.id).where(
                ChallengeNdaAcceptance.challenge_id == challenge.id,
                ChallengeNdaAcceptance.user_id == actor.id,
            )
        )
        is not None
    )


def may_read_details(session: Session, actor: User | None, challenge: Challenge) -> bool:
    """The statement, indicators and IP terms: public, or after the NDA click-through
    (the poster's organization and operators always)."""
    if challenge.visibility == "public" or roles(actor, challenge):
        return True
    return nda_accepted(session, actor, challenge)


@unit_of_work
def accept_nda(session: Session, actor: User | None, challenge_id: int) -> Challenge:
    """The actor accepts the challenge's confidentiality terms; recorded once per user."""
    if actor is None:
        raise Unauthorized(N_("Please sign in."))
    challenge = get_challenge(session, actor, challenge_id)
    if not nda_accepted(session, actor, challenge):
        session.add(ChallengeNdaAcceptance(challenge_id=challenge.id, user_id=actor.id))
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            pass  # accepted at the same moment in another request: the same fact
    return challenge


@dataclass
class Card:
    """One challenge as the hall shows it."""

    challenge: Challenge
    proposals: int
    funded: bool  # the ledger holds the bounty (资金已托管)
    winners: list[dict[str, Any]]  # awarded: the organizations that agreed to be named


def _winners(session: Session, challenge: Challenge) -> list[dict[str, Any]]:
    if challenge.state != "awarded":
        return []
    rows = session.scalars(
        select(ChallengeProposal)
        .where(ChallengeProposal.challenge_id == challenge.id, ChallengeProposal.state == "awarded")
        .order_by(ChallengeProposal.id)
    )
    return [
        {
            "organization": p.organization.name if p.disclose_win else None,
            "amount": p.awarded_amount,
        }
        for p in rows
    ]


def card(session: Session, challenge: Challenge) -> Card:
    return Card(
        challenge,
        proposal_count(session, challenge.id),
        money.held(session, challenge) > 0,
        _winners(session, challenge),
    )


def hall(
    session: Session,
    *,
    status: str = "open",
    domain: str | None = None,
    min_bounty: int | None = None,
    limit: int = 100,
) -> list[Card]:
    """Open challenges (the nearest deadline first) or closed ones (the latest decided
    first), by domain and bounty."""
    stmt = select(Challenge)
    if status == "open":
        stmt = stmt.where(Challenge.state.in_(OPEN)).order_by(
            Challenge.proposal_deadline, Challenge.id
        )
    else:
        stmt = stmt.where(Challenge.state.in_(CLOSED)).order_by(
            Challenge.decided_at.desc().nulls_last(), Challenge.id.desc()
        )
    if domain:
        stmt = stmt.where(Challenge.domain == domain)
    if min_bounty:
        stmt = stmt.where(Challenge.bounty >= min_bounty)
    return [card(session, c) for c in session.scalars(stmt.limit(limit))]


def mine(session: Session, actor: User | None) -> list[Challenge]:
    """The challenges of the actor's organization, in every state, and those it proposed to."""
    if actor is None:
        raise Unauthorized(N_("Please sign in."))
    if actor.organization_id is None:
        return []
    proposed = select(ChallengeProposal.challenge_id).where(
        ChallengeProposal.organization_id == actor.organization_id
    )
    return list(
        session.scalars(
            select(Challenge)
            .where(
                or_(Challenge.organization_id == actor.organization_id, Challenge.id.in_(proposed))
            )
            .order_by(Challenge.id.desc())
        )
    )


def review_queue(session: Session, actor: User | None) -> dict[str, list[Challenge]]:
    """Operators: challenges waiting for review, and approved ones waiting for the
    bounty's bank transfer to be confirmed."""
    if actor is None:
        raise Unauthorized(N_("Please sign in."))
    if not actor.is_operator:
        raise Forbidden(N_("Only operators review challenges."))
    by_state = {
        state: list(
            session.scalars(
                select(Challenge).where(Challenge.state == state).order_by(Challenge.id)
            )
        )
        for state in ("pending_review", "awaiting_funding")
    }
    return by_state


def pending_count(session: Session) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Challenge)
        .where(Challenge.state.in_(("pending_review", "awaiting_funding")))
    )


@dataclass(frozen=True)
class _Payee:
    id: int
    title: str


def funding_instructions(
    session: Session,
    actor: User | None,
    challenge_id: int,
    *,
    gateway: payments.Gateway | None = None,
) -> dict[str, Any]:
    """How the poster pays the bounty in: a bank transfer to the platform's escrow account
    with the challenge's reference, which an operator then confirms."""
    if actor is None:
        raise Unauthorized(N_("Please sign in."))
    challenge = get_challenge(session, actor, challenge_id)
    mine = roles(actor, challenge)
    if POSTER not in mine and OPERATOR not in mine:
        raise not_found(challenge_id)
    if challenge.state != "awaiting_funding":
        raise Conflict(
            N_("The bounty is paid in once the challenge is approved, and only once."),
            code="challenge_funding",
        )
    gateway = gateway or payments.default_gateway()
    provider = gateway.get("offline")
    if not getattr(provider, "configured", True):
        raise Conflict(deal_money.PAYMENT_NOT_CONFIGURED)
    instruction = provider.create_funding(
        _Payee(challenge.id, challenge.title),
        challenge.bounty,
        challenge.currency,
        f"challenge:{challenge.id}:fund",
    )
    reference = money.funding_reference(challenge)
    bank = dict(instruction.client_data or {})
    major = f"{challenge.bounty // 100}.{challenge.bounty % 100:02d}"
    return {
        "challenge_id": challenge.id,
        "amount": challenge.bounty,
        "currency": challenge.currency,
        "reference": reference,
        "instructions": (
            f"Transfer exactly {major} {challenge.currency} to {bank.get('holder', '')}, "
            f"{bank.get('bank', '')}, account {bank.get('account', '')}, with the reference "
            f"{reference} in the remark. 请在转账附言中注明参考号 {reference}。"
        ),
        "bank": bank,
        "at": utcnow(),
    }
