"""我的待办: what waits for each role, computed from the state (it empties as the deal
moves on), on the page, in the header and in the API."""

from __future__ import annotations

from marketplace.brokers import assignment as broker_assignment
from marketplace.brokers import offers as broker_offers
from marketplace.catalog import publication
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.models import Deal, Listing
from marketplace.todos import waiting
from tests.brokers.fixtures import verified_broker
from tests.deals.fixtures import deliver, parties, terms_data, user


def kinds(session, u) -> list[tuple[str, int | None]]:
    return [(t.kind, t.position) for t in waiting.todos(session, user(u))]


def test_each_role_sees_what_waits_for_it_and_the_list_empties(ctx, make):
    p = parties(make)
    broker = verified_broker(ctx, make, p.operator)
    deal_id = deal_workflow.open_deal(ctx, user(p.buyer), listing_id=p.listing_id).id
    invitation = broker_assignment.invite(ctx, user(p.buyer), deal_id, broker.id)
    assert kinds(ctx, broker) == [("decide_invitation", None)]
    broker_assignment.respond(ctx, user(broker), invitation.id, True)
    assert kinds(ctx, broker) == []

    deal_terms.propose_terms(ctx, user(p.supplier), deal_id, terms_data(), platform_fee_bp=300)
    # The proposal waits for both parties' confirmation, the proposer's too.
    assert kinds(ctx, p.buyer) == [("confirm_terms", None)]
    assert kinds(ctx, p.supplier) == [("confirm_terms", None)]
    h = ctx.get(Deal, deal_id).current_terms.terms_hash
    deal_terms.confirm_terms(ctx, user(p.buyer), deal_id, h)
    assert kinds(ctx, p.buyer) == []
    deal_terms.confirm_terms(ctx, user(p.supplier), deal_id, h)
    assert kinds(ctx, p.buyer) == [("fund", None)]
    assert kinds(ctx, p.supplier) == []

    funding = deal_money.request_funding(ctx, user(p.buyer), deal_id)
    assert ("confirm_transfer", None) in kinds(ctx, p.operator)
    deal_money.confirm_bank_transfer(
        ctx, user(p.operator), deal_id, reference=funding.reference, amount=1_000_000
    )
    assert ("confirm_transfer", None) not in kinds(ctx, p.operator)
    assert kinds(ctx, p.buyer) == []
    assert kinds(ctx, p.supplier) == [("deliver", 1), ("deliver", 2)]

    first, second = [m.id for m in ctx.get(Deal, deal_id).milestones]
    deliver(ctx, p, deal_id, first)
    assert kinds(ctx, p.buyer) == [("accept", 1)]
    assert kinds(ctx, p.supplier) == [("deliver", 2)]
    deal_delivery.reject_milestone(ctx, user(p.buyer), deal_id, first, "缺测试报告")
    assert kinds(ctx, p.buyer) == []
    assert kinds(ctx, p.supplier) == [("deliver", 1), ("deliver", 2)]

    deal_cancellation.propose_cancellation(ctx, user(p.supplier), deal_id, "无法继续")
    assert kinds(ctx, p.buyer) == [("answer_cancellation", None)]
    assert ("answer_cancellation", None) not in kinds(ctx, p.supplier)
    deal_cancellation.decline_cancellation(ctx, user(p.buyer), deal_id)
    assert kinds(ctx, p.buyer) == []

    deliver(ctx, p, deal_id, first)
    deal_delivery.dispute_milestone(ctx, user(p.buyer), deal_id, first, "质量不符")
    assert ("answer_dispute", 1) in kinds(ctx, p.supplier)
    assert ("resolve_dispute", 1) in kinds(ctx, p.operator)
    assert ("resolve_dispute", 1) not in kinds(ctx, broker)  # the terms do not allow it
    deal_delivery.resolve_dispute(ctx, user(p.operator), deal_id, first, "release")
    assert ("resolve_dispute", 1) not in kinds(ctx, p.operator)
    assert ("execute_payout", None) in kinds(ctx, p.operator)

    deliver(ctx, p, deal_id, second)
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, second)
    assert ctx.get(Deal, deal_id).state == "completed"
    for payout in deal_money.list_payouts(ctx, user(p.operator)):
        deal_money.execute_payout(ctx, user(p.operator), payout.id, f"BANK-{payout.id}")
    for who in (p.buyer, p.supplier, broker, p.operator):
        assert kinds(ctx, who) == []


def test_rejected_items_and_mediation_offers_wait_for_their_owners(ctx, make):
    owner = make.user("researcher")
    operator = make.operator()
    rejected = make.listing(owner, status="pending_review")
    publication.transition(ctx, Listing, rejected.id, "reject", user(operator), "缺少专利号")
    published = make.listing(owner, status="published")
    broker = verified_broker(ctx, make, operator)
    offer = broker_offers.offer_mediation(ctx, user(broker), listing_id=published.id)
    todos = waiting.todos(ctx, user(owner))
    assert [(t.kind, t.endpoint, t.values) for t in todos] == [
        ("decide_offer", "views.mediation_offers", {}),
        ("fix_item", "views.listing_detail", {"item_id": rejected.id}),
    ]
    broker_offers.decide_offer(ctx, user(owner), offer.id, False)
    publication.transition(ctx, Listing, rejected.id, "submit", user(owner))
    assert waiting.todos(ctx, user(owner)) == []


def test_page_header_and_api(app, make, ctx):
    p = parties(make)
    deal_id = deal_workflow.open_deal(ctx, user(p.buyer), listing_id=p.listing_id).id
    deal_terms.propose_terms(ctx, user(p.supplier), deal_id, terms_data(), platform_fee_bp=300)
    c = app.test_client(user=p.buyer)
    page = c.get("/my/todos").get_data(as_text=True)
    assert "我的待办" in page and "阅读并确认" in page and f"/deals/{deal_id}" in page
    assert 'class="bell-count todo-count">1<' in page
    r = c.get("/api/v1/me/todos")
    assert r.status_code == 200 and r.json["count"] == 1
    item = r.json["items"][0]
    assert (item["kind"], item["deal_id"], item["link"]) == (
        "confirm_terms",
        deal_id,
        f"/deals/{deal_id}",
    )


def test_strangers_have_nothing_and_anonymous_callers_log_in(app, make):
    p = parties(make)
    stranger = app.test_client(user=p.stranger)
    assert stranger.get("/api/v1/me/todos").json == {"items": [], "count": 0}
    assert "暂无待办事项" in stranger.get("/my/todos").get_data(as_text=True)
    assert app.test_client().get("/api/v1/me/todos").status_code == 401
    assert app.test_client().get("/my/todos").status_code in (302, 303)
