"""A challenge's life through the services: posting, review, the bounty held on the
ledger, proposals (eligibility, deadline, one per organization, confidentiality), and the
decisions that refund the bounty with a reason to every solver."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.challenges import money, workflow
from marketplace.core import ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.deals import escrow as deal_money
from marketplace.extensions import db
from marketplace.models import Challenge, ChallengeProposal
from marketplace.models.types import utcnow
from tests.challenges.fixtures import (
    BOUNTY,
    INDICATORS,
    challenge_data,
    plan_for,
    user,
    verified_solver,
    walk,
)


@pytest.fixture
def people(make):
    return {
        "poster": make.user("enterprise_member"),
        "operator": make.operator(),
        "uni": verified_solver(make, "university"),
        "uni2": verified_solver(make, "institute"),
        "firm": verified_solver(make, "enterprise"),
    }


def test_post_validates_every_field(ctx, people):
    with pytest.raises(Invalid) as err:
        workflow.post(
            db.session,
            user(people["poster"]),
            challenge_data(
                title=" ",
                bounty=0,
                domain="astrology",
                proposal_deadline=utcnow() - timedelta(days=1),
                delivery_days=0,
            ),
            [{"name": "", "target_value": "1"}],
        )
    assert set(err.value.fields) == {
        "title",
        "bounty",
        "domain",
        "proposal_deadline",
        "delivery_days",
        "indicators",
    }


def test_a_researcher_may_not_post(ctx, people):
    with pytest.raises(Forbidden):
        workflow.post(db.session, user(people["uni"]), challenge_data(), INDICATORS)


def test_review_then_funding_holds_the_bounty_on_the_ledger(ctx, people):
    cid = walk(db.session, people["poster"], people["operator"], "awaiting_funding")
    challenge = db.session.get(Challenge, cid)
    assert money.held(db.session, challenge) == 0
    with pytest.raises(Forbidden):
        workflow.confirm_funding(
            db.session, user(people["poster"]), cid, reference="X", amount=BOUNTY
        )
    with pytest.raises(Invalid) as err:
        workflow.confirm_funding(
            db.session, user(people["operator"]), cid, reference=f"CH{cid:06d}", amount=BOUNTY - 1
        )
    assert "amount" in err.value.fields
    db.session.rollback()
    workflow.confirm_funding(
        db.session, user(people["operator"]), cid, reference=f"CH{cid:06d}", amount=BOUNTY
    )
    challenge = db.session.get(Challenge, cid)
    assert challenge.state == "open"
    assert money.held(db.session, challenge) == BOUNTY
    assert ledger.check(db.session) == []


def test_reject_needs_a_note_and_goes_back_to_the_poster(ctx, people):
    cid = walk(db.session, people["poster"], people["operator"], "pending_review")
    with pytest.raises(Invalid):
        workflow.review(db.session, user(people["operator"]), cid, "reject", " ")
    db.session.rollback()
    with pytest.raises(Forbidden):
        workflow.review(db.session, user(people["poster"]), cid, "approve")
    db.session.rollback()
    workflow.review(db.session, user(people["operator"]), cid, "reject", "指标不可测")
    assert db.session.get(Challenge, cid).state == "rejected"
    workflow.edit(db.session, user(people["poster"]), cid, {"title": "新标题"}, INDICATORS)
    workflow.submit(db.session, user(people["poster"]), cid)
    assert db.session.get(Challenge, cid).state == "pending_review"


def test_a_draft_is_hidden_from_strangers(ctx, people):
    cid = walk(db.session, people["poster"], people["operator"], "draft")
    with pytest.raises(NotFound):
        workflow.submit(db.session, user(people["uni"]), cid)


def test_proposals_check_eligibility_price_plan_and_uniqueness(ctx, people):
    cid = walk(db.session, people["poster"], people["operator"], "open")
    plan = plan_for(db.session, cid)
    with pytest.raises(Forbidden):  # universities and institutes only
        workflow.propose(db.session, user(people["firm"]), cid, approach="a", price=1, plan=plan)
    db.session.rollback()
    with pytest.raises(Forbidden):  # the poster's own organization
        workflow.propose(db.session, user(people["poster"]), cid, approach="a", price=1, plan=plan)
    db.session.rollback()
    with pytest.raises(Invalid) as err:
        workflow.propose(
            db.session, user(people["uni"]), cid, approach=" ", price=BOUNTY + 1, plan=plan[:1]
        )
    assert set(err.value.fields) == {"approach", "price", "plan"}
    db.session.rollback()
    workflow.propose(
        db.session, user(people["uni"]), cid, approach="烧结工艺", price=800_000, plan=plan
    )
    with pytest.raises(Conflict) as err:
        workflow.propose(db.session, user(people["uni"]), cid, approach="再来", price=1, plan=plan)
    assert err.value.code == "proposal_exists"


def test_an_unverified_organization_may_not_propose(ctx, people, make):
    cid = walk(db.session, people["poster"], people["operator"], "open")
    solver = make.user("researcher")
    with pytest.raises(Forbidden):
        workflow.propose(
            db.session, user(solver), cid, approach="a", price=1, plan=plan_for(db.session, cid)
        )


def test_proposals_close_at_the_deadline(ctx, people):
    cid = walk(db.session, people["poster"], people["operator"], "open")
    db.session.get(Challenge, cid).proposal_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(Conflict):
        workflow.propose(
            db.session,
            user(people["uni"]),
            cid,
            approach="a",
            price=1,
            plan=plan_for(db.session, cid),
        )


def test_solvers_see_only_their_own_proposal(ctx, people):
    cid = walk(db.session, people["poster"], people["operator"], "open")
    plan = plan_for(db.session, cid)
    workflow.propose(db.session, user(people["uni"]), cid, approach="甲", price=500_000, plan=plan)
    workflow.propose(db.session, user(people["uni2"]), cid, approach="乙", price=600_000, plan=plan)
    challenge = db.session.get(Challenge, cid)
    mine = workflow.visible_proposals(db.session, user(people["uni"]), challenge)
    assert [p.approach for p in mine] == ["甲"]
    assert len(workflow.visible_proposals(db.session, user(people["poster"]), challenge)) == 2
    assert len(workflow.visible_proposals(db.session, user(people["operator"]), challenge)) == 2
    assert workflow.visible_proposals(db.session, None, challenge) == []
    assert workflow.proposal_count(db.session, cid) == 2


def test_withdrawal_refunds_the_bounty_and_tells_every_solver_why(ctx, people):
    cid = walk(db.session, people["poster"], people["operator"], "open")
    plan = plan_for(db.session, cid)
    workflow.propose(db.session, user(people["uni"]), cid, approach="甲", price=500_000, plan=plan)
    with pytest.raises(Invalid):
        workflow.withdraw(db.session, user(people["poster"]), cid, "")
    db.session.rollback()
    with pytest.raises(Forbidden):
        workflow.withdraw(db.session, user(people["uni"]), cid, "不想要了")
    db.session.rollback()
    workflow.withdraw(db.session, user(people["poster"]), cid, "项目预算取消")
    challenge = db.session.get(Challenge, cid)
    assert challenge.state == "withdrawn"
    assert money.held(db.session, challenge) == 0
    refunds = ledger.balance(db.session, money.refunds_account(db.session, challenge))
    assert refunds == BOUNTY
    proposal = db.session.query(ChallengeProposal).one()
    assert (proposal.state, proposal.outcome_reason) == ("not_awarded", "项目预算取消")
    assert ledger.check(db.session) == []
    # The refund is owed to the poster until an operator pays it out.
    [payout] = deal_money.list_payouts(db.session, user(people["operator"]))
    assert (payout.subject, payout.deal_id, payout.kind) == (f"challenge:{cid}", None, "refund")
    assert payout.amount == BOUNTY and payout.beneficiary_org_id == challenge.organization_id
    deal_money.execute_payout(db.session, user(people["operator"]), payout.id, "BANK-CH-1")
    assert ledger.balance(db.session, money.refunds_account(db.session, challenge)) == 0
    assert ledger.check(db.session) == []


def test_nobody_awarded_refunds_after_the_deadline(ctx, people):
    cid = walk(db.session, people["poster"], people["operator"], "open")
    with pytest.raises(Conflict):
        workflow.close_proposals(db.session, user(people["poster"]), cid)
    db.session.rollback()
    db.session.get(Challenge, cid).proposal_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    workflow.close_proposals(db.session, user(people["poster"]), cid)
    workflow.decline_all(db.session, user(people["poster"]), cid, "均未达到指标")
    challenge = db.session.get(Challenge, cid)
    assert (challenge.state, money.held(db.session, challenge)) == ("not_awarded", 0)
    assert ledger.check(db.session) == []


def test_only_the_poster_shortlists_and_scores_on_published_criteria(ctx, people):
    cid = walk(db.session, people["poster"], people["operator"], "open")
    plan = plan_for(db.session, cid)
    p1 = workflow.propose(db.session, user(people["uni"]), cid, approach="甲", price=5, plan=plan)
    pid = p1.id
    with pytest.raises(Forbidden):
        workflow.shortlist(db.session, user(people["uni"]), pid)
    db.session.rollback()
    with pytest.raises(NotFound):  # another solver does not learn the proposal exists
        workflow.shortlist(db.session, user(people["uni2"]), pid)
    db.session.rollback()
    workflow.shortlist(db.session, user(people["poster"]), pid)
    with pytest.raises(Invalid):
        workflow.score(db.session, user(people["poster"]), pid, {"颜值": 90})
    db.session.rollback()
    with pytest.raises(Invalid):
        workflow.score(db.session, user(people["poster"]), pid, {"技术路线": 101})
    db.session.rollback()
    workflow.score(db.session, user(people["poster"]), pid, {"技术路线": 80})
    workflow.score(db.session, user(people["poster"]), pid, {"技术路线": 85, "团队能力": 70})
    proposal = db.session.get(ChallengeProposal, pid)
    assert proposal.state == "shortlisted"
    assert {s.criterion: s.score for s in proposal.scores} == {"技术路线": 85, "团队能力": 70}


def test_the_poster_asks_and_only_the_proposing_team_answers_once(ctx, people):
    cid = walk(db.session, people["poster"], people["operator"], "open")
    plan = plan_for(db.session, cid)
    pid = workflow.propose(
        db.session, user(people["uni"]), cid, approach="甲", price=5, plan=plan
    ).id
    with pytest.raises(Invalid):
        workflow.ask(db.session, user(people["poster"]), pid, " ")
    db.session.rollback()
    qid = workflow.ask(db.session, user(people["poster"]), pid, "样品何时可测？").id
    with pytest.raises(NotFound):
        workflow.answer(db.session, user(people["uni2"]), qid, "不关我事")
    db.session.rollback()
    workflow.answer(db.session, user(people["uni"]), qid, "三个月内")
    with pytest.raises(Conflict):
        workflow.answer(db.session, user(people["uni"]), qid, "改口")


def test_the_sweep_closes_proposals_at_the_deadline_once(ctx, people, app):
    due = walk(db.session, people["poster"], people["operator"], "open")
    later = walk(db.session, people["poster"], people["operator"], "open")
    db.session.get(Challenge, due).proposal_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert workflow.close_due(db.session) == [due]
    assert workflow.close_due(db.session) == []
    states = {cid: db.session.get(Challenge, cid).state for cid in (due, later)}
    assert states == {due: "evaluating", later: "open"}
    result = app.test_cli_runner().invoke(args=["challenge", "close"])
    assert result.exit_code == 0 and "0 challenge(s) closed" in result.output
