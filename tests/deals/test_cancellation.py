"""Cancelling a funded deal: the exploits of issue 14, point 3.

A cancellation request must not outlive what happened after it: a request the supplier
made before work went on and a milestone was released cannot be combined weeks later with
the buyer's own request into a refund of everything not yet released. And during a dispute
the dispute's resolution decides: no party can cancel (and be refunded) around it.
"""

from __future__ import annotations

import pytest

from marketplace.core.errors import Conflict
from marketplace.deals import delivery as deal_delivery
from marketplace.models import Deal, PayoutInstruction
from tests.deals.fixtures import balances, parties, user, walk


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
    _deliver_if_needed(ctx, p, deal_id, first.id)
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
    _deliver_if_needed(ctx, p, deal_id, milestone.id)
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


def _deliver_if_needed(ctx, p, deal_id: int, milestone_id: int) -> None:
    """Milestones have no delivery step yet (issue 14 point 2 adds it)."""
    deliver = getattr(deal_delivery, "deliver_milestone", None)
    if deliver is not None:
        deliver(ctx, user(p.supplier), deal_id, milestone_id, "交付说明")
        ctx.commit()
