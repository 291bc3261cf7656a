"""Notifications of deal, broker and review events: each event reaches the right people
once (never the actor), in-app and as a mail file, and each reader's preferences hold."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from marketplace.brokers import assignment as broker_assignment
from marketplace.brokers import offers as broker_offers
from marketplace.catalog import publication
from marketplace.core.errors import Invalid
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.deals import workflow as deal_workflow
from marketplace.extensions import db
from marketplace.models import Deal, Listing, Notification
from marketplace.notifications import inbox
from tests.brokers.fixtures import agree_with_commission, fund, verified_broker
from tests.deals.fixtures import deliver, parties, user, walk
from tests.notifications.conftest import mails

ALERTS = ("match_listing", "match_demand", "saved_search", "item_approved")


def got(session, *users) -> dict[str, Counter]:
    """Per user e-mail: how many notifications of each kind (reviews of the fixtures'
    listings left out)."""
    out = {}
    for u in users:
        rows = session.scalars(
            select(Notification.kind).where(
                Notification.user_id == u.id, Notification.kind.not_in(ALERTS)
            )
        )
        out[u.email] = Counter(rows)
    return out


def new_since(before: dict[str, Counter], after: dict[str, Counter]) -> dict[str, Counter]:
    return {email: after[email] - before[email] for email in after}


class Steps:
    """Take a step, then say which kinds each party received by it."""

    def __init__(self, session, *users):
        self.session, self.users = session, users
        self.last = got(session, *users)

    def __call__(self, run) -> dict[str, dict[str, int]]:
        run()
        self.session.commit()
        now = got(self.session, *self.users)
        delta = new_since(self.last, now)
        self.last = now
        return {email: dict(c) for email, c in delta.items() if c}


def test_a_whole_deal_with_a_broker_tells_each_party_each_step_once(ctx, make, mailbox):
    p = parties(make)
    broker = verified_broker(ctx, make, p.operator)
    colleague = make.user("researcher", organization=user(p.supplier).organization)
    b, s, k, c = p.buyer.email, p.supplier.email, broker.email, colleague.email
    step = Steps(ctx, p.buyer, p.supplier, colleague, broker, p.operator)

    holder = {}

    def open_deal():
        holder["deal"] = deal_workflow.open_deal(
            ctx, user(p.buyer), listing_id=p.listing_id, message="感兴趣"
        ).id

    # A new inquiry: every member of the supplying organization, not the buyer.
    assert step(open_deal) == {s: {"deal_opened": 1}, c: {"deal_opened": 1}}
    deal_id = holder["deal"]

    def invite():
        holder["inv"] = broker_assignment.invite(ctx, user(p.buyer), deal_id, broker.id, "请协助")

    assert step(invite) == {k: {"broker_invited": 1}}
    joined = step(lambda: broker_assignment.respond(ctx, user(broker), holder["inv"].id, True))
    assert joined == {b: {"broker_joined": 1}, s: {"broker_joined": 1}, c: {"broker_joined": 1}}

    said = step(lambda: deal_workflow.post_message(ctx, user(p.supplier), deal_id, "请看附件"))
    assert said == {b: {"deal_message": 1}, c: {"deal_message": 1}, k: {"deal_message": 1}}

    # Proposed (by the supplier), confirmed by the buyer, agreed by the supplier's
    # confirmation: the second confirmation is told as the agreement only.
    agreed = step(lambda: agree_with_commission(ctx, p, deal_id, may_arbitrate=True))
    assert agreed == {
        b: {"terms_proposed": 1, "terms_agreed": 1},
        s: {"terms_confirmed": 1},
        c: {"terms_proposed": 1, "terms_confirmed": 1, "terms_agreed": 1},
        k: {"terms_proposed": 1, "terms_confirmed": 1, "terms_agreed": 1},
    }

    funded = step(lambda: fund(ctx, p, deal_id))
    assert funded == {e: {"deal_funded": 1} for e in (b, s, c, k)}

    first, second = [m.id for m in ctx.get(Deal, deal_id).milestones]
    delivered = step(lambda: deliver(ctx, p, deal_id, first))
    assert delivered == {e: {"milestone_delivered": 1} for e in (b, c, k)}
    rejected = step(
        lambda: deal_delivery.reject_milestone(ctx, user(p.buyer), deal_id, first, "缺测试报告")
    )
    assert rejected == {e: {"milestone_rejected": 1} for e in (s, c, k)}
    # Delivered again: a new event, told again.
    assert step(lambda: deliver(ctx, p, deal_id, first)) == delivered
    accepted = step(lambda: deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, first))
    assert accepted == {e: {"milestone_accepted": 1} for e in (s, c, k)}

    proposed = step(
        lambda: deal_cancellation.propose_cancellation(ctx, user(p.buyer), deal_id, "预算调整")
    )
    assert proposed == {e: {"cancel_proposed": 1} for e in (s, c, k)}
    declined = step(
        lambda: deal_cancellation.decline_cancellation(ctx, user(p.supplier), deal_id, "继续")
    )
    assert declined == {e: {"cancel_declined": 1} for e in (b, c, k)}

    deliver(ctx, p, deal_id, second)
    ctx.commit()
    step.last = got(ctx, *step.users)
    done = step(lambda: deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, second))
    assert done == {e: {"milestone_accepted": 1, "deal_completed": 1} for e in (s, c, k)}

    # The broker's commission paid out by an operator: the broker's organization is told.
    commission = [
        x for x in deal_money.list_payouts(ctx, user(p.operator)) if x.kind == "commission"
    ]
    assert commission
    paid = step(
        lambda: deal_money.execute_payout(ctx, user(p.operator), commission[0].id, "BANK-1")
    )
    assert paid == {k: {"payout_executed": 1}}

    # Never the actor, never twice for one event.
    rows = ctx.scalars(select(Notification).where(Notification.deal_id == deal_id)).all()
    keys = [(n.user_id, n.kind, n.event_key) for n in rows]
    assert len(keys) == len(set(keys))
    # Every notification leads to the deal and went out as a mail with that link.
    for n in rows:
        expected = (
            ("views.my_broker_profile", {})
            if n.kind == "broker_invited"
            else (
                "views.deal",
                {"deal_id": deal_id},
            )
        )
        assert inbox.target_endpoint(n) == expected
    sent = [m for m in mails(mailbox) if f"/deals/{deal_id}" in m["body"]]
    assert len(sent) == len([n for n in rows if n.kind != "broker_invited"])
    assert Counter(m["to"] for m in sent)[b] == sum(1 for n in rows if n.user_id == p.buyer.id)
    assert all(n.email_state == "sent" for n in rows)


def test_texts_are_chinese_and_lead_to_the_page(ctx, make, app):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    first = ctx.get(Deal, deal_id).milestones[0].id
    deliver(ctx, p, deal_id, first, note="第一阶段报告")
    ctx.commit()
    n = ctx.scalars(
        select(Notification).where(
            Notification.user_id == p.buyer.id, Notification.kind == "milestone_delivered"
        )
    ).one()
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert "里程碑 1" in inbox.title(n)
        assert "第一阶段报告" in inbox.body(n)
    assert inbox.target_endpoint(n) == ("views.deal", {"deal_id": deal_id})


def test_preferences_turn_groups_and_mail_off(ctx, make, mailbox):
    p = parties(make)
    inbox.set_preferences(ctx, user(p.supplier), {"deal_events": False})
    inbox.set_preferences(ctx, user(p.buyer), {"email": False})
    deal_id = walk(ctx, p, "funded")
    supplier_kinds = got(ctx, p.supplier)[p.supplier.email]
    assert supplier_kinds == Counter()
    buyer_rows = ctx.scalars(
        select(Notification).where(
            Notification.user_id == p.buyer.id, Notification.deal_id == deal_id
        )
    ).all()
    assert {n.kind for n in buyer_rows} >= {"terms_proposed", "deal_funded"}
    assert {n.email_state for n in buyer_rows} == {"none"}
    assert not [m for m in mails(mailbox) if f"/deals/{deal_id}" in m["body"]]


def test_an_event_rolled_back_tells_nobody(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    first = ctx.get(Deal, deal_id).milestones[0].id
    before = ctx.scalar(select(db.func.count()).select_from(Notification))
    try:
        deal_delivery.deliver_milestone(ctx, user(p.supplier), deal_id, first, note="  ")
    except Invalid:
        pass
    assert ctx.scalar(select(db.func.count()).select_from(Notification)) == before


def test_a_dispute_reaches_the_operators_and_its_resolution_the_parties(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    first = ctx.get(Deal, deal_id).milestones[0].id
    deliver(ctx, p, deal_id, first)
    ctx.commit()
    step = Steps(ctx, p.buyer, p.supplier, p.operator)
    opened = step(
        lambda: deal_delivery.dispute_milestone(ctx, user(p.buyer), deal_id, first, "质量不符")
    )
    assert opened == {
        p.supplier.email: {"dispute_opened": 1},
        p.operator.email: {"dispute_opened": 1},
    }
    resolved = step(
        lambda: deal_delivery.resolve_dispute(ctx, user(p.operator), deal_id, first, "refund")
    )
    assert resolved[p.buyer.email]["dispute_resolved"] == 1
    assert resolved[p.supplier.email]["dispute_resolved"] == 1
    assert p.operator.email not in resolved


def test_reviews_tell_the_owners(ctx, make):
    owner = make.user("researcher")
    colleague = make.user("researcher", organization=user(owner).organization)
    operator = make.operator()
    listing = make.listing(owner, status="pending_review")
    publication.transition(ctx, Listing, listing.id, "reject", user(operator), "缺少专利号")
    ctx.commit()
    rows = ctx.scalars(select(Notification).where(Notification.kind == "item_rejected")).all()
    assert sorted(n.user_id for n in rows) == sorted([owner.id, colleague.id])
    assert rows[0].payload["text"] == "缺少专利号"
    assert inbox.target_endpoint(rows[0]) == ("views.listing_detail", {"item_id": listing.id})
    publication.transition(ctx, Listing, listing.id, "submit", user(owner))
    publication.transition(ctx, Listing, listing.id, "reject", user(operator), "仍缺专利号")
    ctx.commit()
    # A second rejection is a second review: told again.
    assert (
        len(ctx.scalars(select(Notification).where(Notification.kind == "item_rejected")).all())
        == 4
    )
    assert operator.id not in {n.user_id for n in rows}


def test_mediation_offers_are_told_to_the_owner_and_the_answer_to_the_broker(ctx, make):
    owner = make.user("researcher")
    listing = make.listing(owner, status="published")
    broker = verified_broker(ctx, make)
    offer = broker_offers.offer_mediation(
        ctx, user(broker), listing_id=listing.id, message="我可以帮助对接企业"
    )
    ctx.commit()
    offered = ctx.scalars(
        select(Notification).where(Notification.kind == "mediation_offered")
    ).all()
    assert [n.user_id for n in offered] == [owner.id]
    assert inbox.target_endpoint(offered[0]) == ("views.mediation_offers", {})
    broker_offers.decide_offer(ctx, user(owner), offer.id, True)
    ctx.commit()
    answered = ctx.scalars(
        select(Notification).where(Notification.kind == "mediation_answered")
    ).all()
    assert [n.user_id for n in answered] == [broker.id]
    assert answered[0].payload["accepted"] is True
