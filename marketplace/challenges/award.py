"""The decision on a challenge: the poster awards one proposal (or several, when the
challenge allows splitting the bounty) and every other proposal gets its outcome with a
written reason.

For each winner a deal opens between the posting organization (buyer) and the winner's
organization (supplier), the terms pre-filled by the poster (the price is the awarded
amount, the indicators are the milestones) and the awarded amount moved from the
challenge's escrow into the deal's escrow, as an auction's deposit is applied to its deal
(auctions/deposits.apply_to_deal): the winner confirms the terms and the deal is funded
with nothing left to pay. Whatever of the bounty is not awarded is refunded to the poster.
One unit of work under the challenge's row lock: a second award finds the challenge
decided and is refused, and the ledger's idempotency keys back this up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.challenges import money, notices
from marketplace.challenges.lifecycle import CHALLENGE, POSTER, PROPOSAL
from marketplace.challenges.workflow import _act, _proposal_for_poster
from marketplace.core import audit, ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid
from marketplace.core.messages import N_, Message
from marketplace.core.money import Amount
from marketplace.core.uow import unit_of_work
from marketplace.deals import escrow as deal_money
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.models import Challenge, ChallengeProposal, Deal, User
from marketplace.models.types import utcnow

UNDECIDED = ("submitted", "shortlisted")
# Written into the deal and the proposal as data, in the marketplace's language.
AWARD_REASON = "获选揭榜"
ON_AWARD_MILESTONE = "达到全部技术指标"


def _undecided(session: Session, challenge: Challenge) -> list[ChallengeProposal]:
    return list(
        session.scalars(
            select(ChallengeProposal)
            .where(
                ChallengeProposal.challenge_id == challenge.id,
                ChallengeProposal.state.in_(UNDECIDED),
            )
            .order_by(ChallengeProposal.id)
        )
    )


@unit_of_work
def reject(
    session: Session, actor: User | None, proposal_id: int, reason: str
) -> ChallengeProposal:
    """The poster turns one proposal down, with the reason the team will read."""
    proposal = _proposal_for_poster(session, actor, proposal_id)
    if not (reason or "").strip():
        raise Invalid({"reason": N_("Say why the proposal is not chosen.")})
    PROPOSAL.apply(proposal, "not_award", PROPOSAL.check(proposal, "not_award", [POSTER]))
    proposal.outcome_reason = reason.strip()
    proposal.decided_at = utcnow()
    notices.outcomes(session, [proposal], actor)
    return proposal


def _check_winners(
    challenge: Challenge, by_id: dict[int, ChallengeProposal], winners: list[dict[str, Any]]
) -> list[tuple[ChallengeProposal, int, str]]:
    if not winners:
        raise Invalid({"winners": N_("Choose the proposal to award.")})
    if len(winners) > 1 and not challenge.allow_split:
        raise Invalid({"winners": N_("This challenge awards one proposal only.")})
    chosen: list[tuple[ChallengeProposal, int, str]] = []
    for item in winners:
        proposal = by_id.get(int(item.get("proposal_id") or 0))
        if proposal is None or any(p is proposal for p, _, _ in chosen):
            raise Invalid({"winners": N_("Award undecided proposals of this challenge, once.")})
        amount = item.get("amount")
        amount = proposal.price if amount is None else amount
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise Invalid({"winners": N_("An awarded amount must be positive.")})
        chosen.append((proposal, amount, str(item.get("reason") or "").strip()))
    total = sum(amount for _, amount, _ in chosen)
    if total > challenge.bounty:
        raise Invalid(
            {
                "winners": Message(
                    N_("The awarded amounts (%(total)s) exceed the bounty of %(bounty)s."),
                    total=Amount(total, challenge.currency),
                    bounty=Amount(challenge.bounty, challenge.currency),
                )
            }
        )
    return chosen


def _milestones(challenge: Challenge, amount: int) -> list[dict[str, Any]]:
    """The indicators as milestones (the bounty split evenly, the rest on the last), or
    one milestone for all of them when the bounty is paid on award."""
    indicators = list(challenge.indicators)
    if challenge.payment_mode != "milestones" or len(indicators) > amount:
        return [{"title": ON_AWARD_MILESTONE, "amount": amount, "due_date": None}]
    share = amount // len(indicators)
    rows = []
    for position, indicator in enumerate(indicators, start=1):
        rows.append(
            {
                "title": f"{indicator.name} {indicator.target}"[:200],
                "amount": share if position < len(indicators) else amount - share * (position - 1),
                "due_date": None,
            }
        )
    return rows


def _open_deal(
    session: Session, actor: User, challenge: Challenge, proposal: ChallengeProposal, amount: int
) -> Deal:
    deal = deal_workflow.open_awarded_deal(
        session,
        actor,
        challenge_id=challenge.id,
        title=challenge.title,
        buyer_org_id=challenge.organization_id,
        supplier_org_id=proposal.organization_id,
        message=(
            f"揭榜挂帅榜单 #{challenge.id}：揭榜申请 #{proposal.id} 获选，"
            f"授予金额 {amount // 100:,}.{amount % 100:02d} 元。"
        ),
    )
    indicators = "、".join(
        f"{i.name} {i.target}" + (f"（{i.test_method}）" if i.test_method else "")
        for i in challenge.indicators
    )
    deal_terms.propose_terms(
        session,
        actor,
        deal.id,
        {
            "price": amount,
            "currency": challenge.currency,
            "transfer_mode": "co_development",
            "milestones": _milestones(challenge, amount),
            "note": "；".join(
                part
                for part in (
                    f"揭榜挂帅榜单 #{challenge.id}",
                    f"技术指标：{indicators}",
                    f"知识产权：{challenge.ip_terms}" if challenge.ip_terms else "",
                    f"交付期：{challenge.delivery_days} 天",
                    "授予的悬赏金已转入本交易托管",
                )
                if part
            )[:4000],
        },
    )
    ledger.post(
        session,
        kind="challenge_award",
        idempotency_key=f"challenge:{challenge.id}:award:{proposal.id}",
        movements=[
            (money.escrow_account(session, challenge), -amount),
            (deal_money.escrow_account(session, deal, challenge.currency), amount),
        ],
        deal_id=deal.id,
        actor_id=actor.id,
        description=f"Challenge {challenge.id} bounty awarded to proposal {proposal.id}",
    )
    return deal


@unit_of_work
def award(
    session: Session,
    actor: User | None,
    challenge_id: int,
    winners: list[dict[str, Any]],
    reasons: dict[int, str] | None = None,
    *,
    ip: str | None = None,
) -> Challenge:
    """Award ``winners`` ([{"proposal_id", "amount" (default: its price), "reason"}]);
    every other undecided proposal needs its reason in ``reasons`` (proposal id → text).
    Only the posting organization awards: the deal's terms are its offer."""
    challenge, role = _act(session, actor, challenge_id, "award")
    if role != POSTER:
        raise Forbidden(N_("Only the posting organization awards proposals."))
    undecided = _undecided(session, challenge)
    by_id = {p.id: p for p in undecided}
    chosen = _check_winners(challenge, by_id, winners)
    reasons = {int(k): str(v or "").strip() for k, v in (reasons or {}).items()}
    won = {p.id for p, _, _ in chosen}
    missing = [p.id for p in undecided if p.id not in won and not reasons.get(p.id)]
    if missing:
        raise Invalid(
            {
                "reasons": Message(
                    N_("Give each proposal not chosen its reason (proposals %(ids)s)."),
                    ids=", ".join(str(i) for i in missing),
                )
            }
        )
    if money.held(session, challenge) < challenge.bounty:
        raise Conflict(N_("The bounty is not held in escrow."), code="challenge_funding")
    now = utcnow()
    for proposal, amount, reason in chosen:
        deal = _open_deal(session, actor, challenge, proposal, amount)
        PROPOSAL.apply(proposal, "award", POSTER)
        proposal.outcome_reason = reason or AWARD_REASON
        proposal.awarded_amount = amount
        proposal.deal_id = deal.id
        proposal.decided_at = now
    for proposal in undecided:
        if proposal.id not in won:
            PROPOSAL.apply(proposal, "not_award", POSTER)
            proposal.outcome_reason = reasons[proposal.id]
            proposal.decided_at = now
    notices.outcomes(
        session, [p for p, _, _ in chosen] + [p for p in undecided if p.id not in won], actor
    )
    refunded = money.refund(session, challenge, actor, "award_remainder")
    challenge.decided_at = now
    challenge.decision_reason = ""
    CHALLENGE.apply(challenge, "award", role)
    audit.record(
        session,
        actor,
        "challenge.awarded",
        "challenge",
        challenge.id,
        before={"state": "evaluating"},
        after={
            "state": challenge.state,
            "winners": {str(p.id): amount for p, amount, _ in chosen},
            "refunded": refunded,
        },
        ip=ip,
    )
    session.flush()
    return challenge
