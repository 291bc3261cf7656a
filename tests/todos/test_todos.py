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


def test_a_challenge_waits_on_its_poster_its_solver_and_the_operators(ctx, make):
    from marketplace.challenges import award
    from marketplace.challenges import workflow as challenges
    from tests.challenges.fixtures import BOUNTY, close, propose, verified_solver, walk

    poster, operator = make.user("enterprise_member"), make.operator()
    colleague = make.user("enterprise_member", organization=poster.organization)
    solver = verified_solver(make, "university")
    other = verified_solver(make, "institute")

    def mine(u):
        return [(t.kind, t.endpoint, t.values) for t in waiting.todos(ctx, user(u))]

    def operator_bounties():
        return [t for t in waiting.todos(ctx, user(operator)) if t.kind == "confirm_bounty"]

    # Rejected by review: fix it. Approved: pay the bounty (and the operator confirms it).
    cid = walk(ctx, poster, operator, "pending_review")
    challenges.review(ctx, user(operator), cid, "reject", "指标缺少测试方法")
    ctx.commit()
    assert mine(poster) == [("fix_challenge", "views.challenge_detail", {"challenge_id": cid})]
    challenges.submit(ctx, user(poster), cid)
    challenges.review(ctx, user(operator), cid, "approve")
    ctx.commit()
    funding = [("fund_bounty", "views.challenge_funding", {"challenge_id": cid})]
    assert mine(poster) == funding and mine(colleague) == funding
    assert [t.values for t in operator_bounties()] == [{}]
    assert operator_bounties()[0].subject == "耐高温稀土永磁材料"
    challenges.confirm_funding(ctx, user(operator), cid, reference=f"CH{cid:06d}", amount=BOUNTY)
    ctx.commit()
    assert mine(poster) == [] and operator_bounties() == []

    # A question waits on the proposing team only, until it answers.
    p1 = propose(ctx, solver, cid, 800_000)
    p2 = propose(ctx, other, cid, 600_000)
    question = challenges.ask(ctx, user(poster), p1, "样品何时可测？")
    ctx.commit()
    assert mine(solver) == [("answer_question", "views.challenge_proposal", {"proposal_id": p1})]
    assert mine(other) == [] and mine(poster) == []
    challenges.answer(ctx, user(solver), question.id, "下月")
    ctx.commit()
    assert mine(solver) == []

    # Proposals closed: the poster decides; once decided nothing waits.
    challenges.ask(ctx, user(poster), p2, "团队几人？")
    close(ctx, poster, cid)
    decide = [("decide_challenge", "views.challenge_evaluate", {"challenge_id": cid})]
    assert mine(poster) == decide and mine(colleague) == decide
    assert [k for k, *_ in mine(other)] == ["answer_question"]
    award.award(ctx, user(poster), cid, [{"proposal_id": p1}], {p2: "路线不可行"})
    ctx.commit()
    # The award opened a deal: what waits now is the deal's, not the challenge's.
    assert all(k not in ("decide_challenge", "answer_question") for k, *_ in mine(poster))
    assert mine(other) == []
    assert all(k != "answer_question" for k, *_ in mine(solver))


def test_challenge_to_dos_in_both_languages(app, make):
    from marketplace.extensions import db
    from tests.challenges.fixtures import walk

    poster, operator = make.user("enterprise_member"), make.operator()
    with app.app_context():
        cid = walk(db.session, poster, operator, "awaiting_funding")
    c = app.test_client(user=poster)
    page = c.get("/my/todos").get_data(as_text=True)
    assert "将榜单“耐高温稀土永磁材料”的悬赏金缴入托管账户" in page
    assert f"/challenges/{cid}/funding" in page
    c.get("/?lang=en")
    english = c.get("/my/todos").get_data(as_text=True)
    assert "Pay the bounty of the challenge" in english
    ops = app.test_client(user=operator).get("/api/v1/me/todos").json
    assert [i["kind"] for i in ops["items"]] == ["confirm_bounty"]
    assert ops["items"][0]["link"] == "/operator/challenges"
