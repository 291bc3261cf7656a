"""Cancelling a funded deal: the exploits of issue 14, point 3.

A cancellation request must not outlive what happened after it: a request the supplier
made before work went on and a milestone was released cannot be combined weeks later with
the buyer's own request into a refund of everything not yet released. And during a dispute
the dispute's resolution decides: no party can cancel (and be refunded) around it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.core.errors import Conflict, Forbidden, Invalid
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import machine as deals
from marketplace.models import Deal, PayoutInstruction
from marketplace.models.types import utcnow
from tests.deals.fixtures import balances, deliver, parties, user, walk


def refunds(ctx, deal_id: int) -> list[PayoutInstruction]:
    return [
        p
        for p in ctx.query(PayoutInstruction).filter_by(deal_id=deal_id, kind="refund").all()
        if p.amount
    ]


def test_exploit_a_stale_cancellation_request_does_not_refund_after_a_release(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded", amounts=(300_000, 300_000, 400_000))
    # The supplier asks to cancel; the buyer does not answer and work goes on.
    deal_delivery.request_cancellation(ctx, user(p.supplier), deal_id, "人手不足")
    ctx.commit()
    first = ctx.get(Deal, deal_id).milestones[0]
    deliver(ctx, p, deal_id, first.id)
    ctx.commit()
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, first.id)
    ctx.commit()
    # Weeks later the buyer asks to cancel: this is a new proposal the supplier answers,
    # not the second half of an agreement the supplier gave up by working on.
    try:
        deal_delivery.request_cancellation(ctx, user(p.buyer), deal_id, "预算调整")
        ctx.commit()
    except Conflict:
        ctx.rollback()
    deal = ctx.get(Deal, deal_id)
    assert deal.state == "in_progress"
    assert [m.state for m in deal.milestones][1:] != ["cancelled", "cancelled"]
    assert balances(ctx, deal_id)[f"deal:{deal_id}:escrow"] == 700_000
    assert refunds(ctx, deal_id) == []


def test_exploit_no_cancellation_around_a_dispute(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    deal_delivery.request_cancellation(ctx, user(p.supplier), deal_id, "人手不足")
    ctx.commit()
    milestone = ctx.get(Deal, deal_id).milestones[0]
    deliver(ctx, p, deal_id, milestone.id)
    ctx.commit()
    deal_delivery.dispute_milestone(ctx, user(p.buyer), deal_id, milestone.id, "交付物不全")
    ctx.commit()
    # In the middle of the dispute the buyer asks to cancel: refused, the dispute decides.
    with pytest.raises(Conflict):
        deal_delivery.request_cancellation(ctx, user(p.buyer), deal_id, "全额退款")
    ctx.rollback()
    deal = ctx.get(Deal, deal_id)
    assert deal.state == "disputed"
    assert balances(ctx, deal_id)[f"deal:{deal_id}:escrow"] == 1_000_000
    assert refunds(ctx, deal_id) == []


# The proposal's lifecycle ---------------------------------------------------------------


def _proposals(ctx, deal_id: int) -> list[tuple[str, str, str]]:
    deal = ctx.get(Deal, deal_id)
    ctx.refresh(deal)
    return [(p.proposed_by_role, p.status, p.closing_note) for p in deal.cancellation_proposals]


def test_propose_decline_withdraw_and_accept(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    with pytest.raises(Invalid):
        deal_cancellation.propose_cancellation(ctx, user(p.buyer), deal_id, "  ")
    ctx.rollback()
    with pytest.raises(Forbidden):
        deal_cancellation.propose_cancellation(ctx, user(p.operator), deal_id, "运营")
    ctx.rollback()
    with pytest.raises(Conflict, match="no open cancellation proposal"):
        deal_cancellation.accept_cancellation(ctx, user(p.supplier), deal_id)
    ctx.rollback()
    deal_cancellation.propose_cancellation(ctx, user(p.buyer), deal_id, "预算调整")
    ctx.commit()
    # The proposer neither accepts nor declines their own proposal; the other party may
    # not propose over it.
    for answer in (deal_cancellation.accept_cancellation, deal_cancellation.decline_cancellation):
        with pytest.raises(Forbidden):
            answer(ctx, user(p.buyer), deal_id)
        ctx.rollback()
    with pytest.raises(Forbidden, match="Only the party that proposed"):
        deal_cancellation.withdraw_cancellation(ctx, user(p.supplier), deal_id)
    ctx.rollback()
    with pytest.raises(Conflict, match="buyer has proposed"):
        deal_cancellation.propose_cancellation(ctx, user(p.supplier), deal_id, "也想取消")
    ctx.rollback()
    assert deals.allowed_actions(ctx.get(Deal, deal_id), user(p.supplier)) == [
        "accept_cancellation",
        "decline_cancellation",
        "deliver_milestone",
        "start_work",
    ]
    deal_cancellation.decline_cancellation(ctx, user(p.supplier), deal_id, "继续履约")
    ctx.commit()
    deal_cancellation.propose_cancellation(ctx, user(p.buyer), deal_id, "再议")
    deal_cancellation.withdraw_cancellation(ctx, user(p.buyer), deal_id)
    ctx.commit()
    deal_cancellation.propose_cancellation(ctx, user(p.supplier), deal_id, "无法交付")
    deal_cancellation.accept_cancellation(ctx, user(p.buyer), deal_id)
    ctx.commit()
    assert _proposals(ctx, deal_id) == [
        ("buyer", "declined", "继续履约"),
        ("buyer", "withdrawn", ""),
        ("supplier", "accepted", ""),
    ]
    deal = ctx.get(Deal, deal_id)
    assert deal.state == "cancelled"
    assert balances(ctx, deal_id)[f"deal:{deal_id}:refunds"] == 1_000_000
    assert [e.action for e in deal.events][-2:] == ["accept_cancellation", "cancel_by_agreement"]


def test_a_dispute_clears_a_proposal_and_refuses_new_ones(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    deal_cancellation.propose_cancellation(ctx, user(p.supplier), deal_id, "人手不足")
    ctx.commit()
    first = ctx.get(Deal, deal_id).milestones[0]
    deliver(ctx, p, deal_id, first.id)
    ctx.commit()
    deal_delivery.dispute_milestone(ctx, user(p.buyer), deal_id, first.id, "不合格")
    ctx.commit()
    assert _proposals(ctx, deal_id) == [("supplier", "cleared", "dispute")]
    for who in (p.buyer, p.supplier):
        with pytest.raises(Conflict, match="disputed"):
            deal_cancellation.propose_cancellation(ctx, user(who), deal_id, "取消")
        ctx.rollback()
    # After the resolution the parties may propose again.
    deal_delivery.resolve_dispute(ctx, user(p.operator), deal_id, first.id, "refund")
    deal_cancellation.propose_cancellation(ctx, user(p.buyer), deal_id, "取消")
    ctx.commit()
    assert ctx.get(Deal, deal_id).state == "resolved"
    assert deals.open_cancellation(ctx.get(Deal, deal_id)).proposed_by_role == "buyer"


def test_an_unanswered_proposal_lapses(app, ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    deal_cancellation.propose_cancellation(ctx, user(p.buyer), deal_id, "预算", lapse_days=2)
    ctx.commit()
    proposal = ctx.get(Deal, deal_id).cancellation_proposals[0]
    assert (proposal.expires_at - proposal.created_at).days == 2
    proposal.expires_at = utcnow() - timedelta(minutes=1)  # two days later
    ctx.commit()
    assert deals.open_cancellation(ctx.get(Deal, deal_id)) is None
    with pytest.raises(Conflict, match="no open cancellation proposal"):
        deal_cancellation.accept_cancellation(ctx, user(p.supplier), deal_id)
    ctx.rollback()
    assert deal_cancellation.lapse_expired(ctx) == 1
    assert deal_cancellation.lapse_expired(ctx) == 0
    assert _proposals(ctx, deal_id) == [("buyer", "lapsed", "")]
    assert ctx.get(Deal, deal_id).events[-1].action == "cancellation_lapsed"
    # The buyer may propose again.
    deal_cancellation.propose_cancellation(ctx, user(p.buyer), deal_id, "预算")
    ctx.commit()


def test_the_sweep_command(app, ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    deal_cancellation.propose_cancellation(ctx, user(p.buyer), deal_id, "预算")
    ctx.get(Deal, deal_id).cancellation_proposals[0].expires_at = utcnow() - timedelta(hours=1)
    ctx.commit()
    result = app.test_cli_runner().invoke(args=["deals", "sweep"])
    assert result.exit_code == 0 and "1 cancellation proposal(s) lapsed" in result.output
