"""Milestones are delivered before they are accepted (issue 14 point 2): the supplier
delivers with a note and files, the buyer accepts or rejects with a reason, and a delivery
left unanswered for the terms' acceptance period is accepted by the sweep, after a
reminder three days before."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from marketplace.core import ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid
from marketplace.deals import acceptance as deal_acceptance
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import files as deal_files
from marketplace.deals import terms as deal_terms
from marketplace.models import Deal, DealEvent, Milestone
from marketplace.models.types import utcnow
from tests.deals.fixtures import balances, deliver, parties, terms_data, user, walk


def test_deliver_reject_redeliver_accept(app, ctx, make, tmp_path):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    first = ctx.get(Deal, deal_id).milestones[0]
    with pytest.raises(Conflict, match="accepted once delivered"):
        deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, first.id)
    ctx.rollback()
    with pytest.raises(Forbidden):
        deal_delivery.deliver_milestone(ctx, user(p.buyer), deal_id, first.id, "x")
    ctx.rollback()
    with pytest.raises(Invalid) as info:
        deal_delivery.deliver_milestone(ctx, user(p.supplier), deal_id, first.id, "  ")
    assert "note" in info.value.fields
    ctx.rollback()
    report = deal_files.add_attachment(
        ctx,
        user(p.supplier),
        deal_id,
        io.BytesIO(b"%PDF-1.4\n%report\n"),
        "测试报告.pdf",
        storage_dir=str(tmp_path),
    )
    deal_delivery.deliver_milestone(
        ctx, user(p.supplier), deal_id, first.id, "样机及测试报告", [report.id]
    )
    ctx.commit()
    m = ctx.get(Milestone, first.id)
    assert (m.state, m.delivery_note, m.delivery_files) == (
        "delivered",
        "样机及测试报告",
        [{"id": report.id, "filename": "测试报告.pdf"}],
    )
    assert m.acceptance_due_at - m.delivered_at == timedelta(days=14)
    assert ctx.get(Deal, deal_id).state == "in_progress"
    with pytest.raises(Invalid):
        deal_delivery.reject_milestone(ctx, user(p.buyer), deal_id, first.id, "")
    ctx.rollback()
    deal_delivery.reject_milestone(ctx, user(p.buyer), deal_id, first.id, "缺少循环数据")
    ctx.commit()
    m = ctx.get(Milestone, first.id)
    assert (m.state, m.rejection_reason, m.acceptance_due_at) == ("pending", "缺少循环数据", None)
    deliver(ctx, p, deal_id, first.id, "补充循环数据")
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, first.id)
    ctx.commit()
    assert ctx.get(Milestone, first.id).state == "accepted"
    assert balances(ctx, deal_id)[f"deal:{deal_id}:escrow"] == 400_000
    actions = [e.action for e in ctx.get(Deal, deal_id).events]
    assert actions[-4:] == [
        "deliver_milestone",
        "reject_milestone",
        "deliver_milestone",
        "accept_milestone",
    ]


def test_a_file_of_another_deal_is_refused(ctx, make, tmp_path):
    p = parties(make)
    deal_id, other = walk(ctx, p, "funded"), walk(ctx, p, "funded")
    theirs = deal_files.add_attachment(
        ctx, user(p.supplier), other, io.BytesIO(b"hello"), "a.txt", storage_dir=str(tmp_path)
    )
    first = ctx.get(Deal, deal_id).milestones[0]
    with pytest.raises(Invalid) as info:
        deal_delivery.deliver_milestone(
            ctx, user(p.supplier), deal_id, first.id, "交付", [theirs.id]
        )
    assert "attachment_ids" in info.value.fields


def test_the_terms_state_the_acceptance_period(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "inquiry")
    terms = deal_terms.propose_terms(
        ctx, user(p.supplier), deal_id, terms_data() | {"acceptance_days": 21}
    )
    default = deal_terms.propose_terms(ctx, user(p.supplier), deal_id, terms_data())
    assert (terms.acceptance_days, default.acceptance_days) == (21, 14)
    assert deal_terms.canonical_terms(terms)["acceptance_days"] == 21
    assert "acceptance_days" not in deal_terms.canonical_terms(default)  # hashes as before


def test_the_sweep_reminds_then_accepts(app, ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    first, second = ctx.get(Deal, deal_id).milestones
    deliver(ctx, p, deal_id, first.id)
    deliver(ctx, p, deal_id, second.id)
    ctx.commit()
    now = utcnow()
    assert deal_acceptance.sweep(ctx, now=now).reminded == 0  # 14 days left
    # Eleven days later: three days left, the buyer is reminded once.
    later = now + timedelta(days=11, minutes=1)
    assert deal_acceptance.sweep(ctx, now=later).reminded == 2
    assert deal_acceptance.sweep(ctx, now=later).reminded == 0
    reminders = [e for e in ctx.get(Deal, deal_id).events if e.action == "acceptance_reminder"]
    assert len(reminders) == 2 and reminders[0].role == "system"
    # The buyer answers one in time; the other is accepted when the period ends.
    deal_delivery.reject_milestone(ctx, user(p.buyer), deal_id, first.id, "缺数据")
    ctx.commit()
    result = deal_acceptance.sweep(ctx, now=now + timedelta(days=14, minutes=1))
    assert (result.accepted, result.skipped) == (1, 0)
    assert [m.state for m in ctx.get(Deal, deal_id).milestones] == ["pending", "accepted"]
    event = ctx.query(DealEvent).filter_by(deal_id=deal_id, action="accept_milestone").one()
    assert (event.role, event.actor_id, event.detail["automatic"]) == ("system", None, True)
    assert balances(ctx, deal_id)[f"deal:{deal_id}:escrow"] == 600_000
    assert ledger.check(ctx) == []


def test_the_sweep_waits_for_a_dispute(app, ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    first, second = ctx.get(Deal, deal_id).milestones
    deliver(ctx, p, deal_id, first.id)
    ctx.commit()
    deal_delivery.dispute_milestone(ctx, user(p.buyer), deal_id, second.id, "未交付")
    ctx.commit()
    late = utcnow() + timedelta(days=15)
    assert deal_acceptance.sweep(ctx, now=late).skipped == 1
    assert ctx.get(Milestone, first.id).state == "delivered"
    deal_delivery.resolve_dispute(ctx, user(p.operator), deal_id, second.id, "refund")
    ctx.commit()
    assert deal_acceptance.sweep(ctx, now=late).accepted == 1
    assert ctx.get(Deal, deal_id).state == "completed"


def test_the_sweep_command(app, ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    first = ctx.get(Deal, deal_id).milestones[0]
    deliver(ctx, p, deal_id, first.id)
    ctx.get(Milestone, first.id).acceptance_due_at = utcnow() - timedelta(minutes=1)
    ctx.commit()
    result = app.test_cli_runner().invoke(args=["deals", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 milestone(s) accepted automatically" in result.output
