"""The award: a deal per winner with the terms pre-filled and the awarded bounty already
in its escrow, the remainder refunded, every other proposal told why."""

from __future__ import annotations

import pytest

from marketplace.challenges import award, money
from marketplace.core import ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.deals import escrow as deal_money
from marketplace.deals import terms as deal_terms
from marketplace.extensions import db
from marketplace.models import Challenge, ChallengeProposal, Deal
from tests.challenges.fixtures import BOUNTY, close, propose, user, verified_solver, walk


@pytest.fixture
def people(make):
    return {
        "poster": make.user("enterprise_member"),
        "operator": make.operator(),
        "uni": verified_solver(make, "university"),
        "uni2": verified_solver(make, "institute"),
    }


def _two_proposals(people, **overrides):
    cid = walk(db.session, people["poster"], people["operator"], "open", **overrides)
    p1 = propose(db.session, people["uni"], cid, 800_000, "甲方案")
    p2 = propose(db.session, people["uni2"], cid, 600_000, "乙方案")
    return cid, p1, p2


def test_award_opens_a_funded_deal_and_refunds_the_rest(ctx, people):
    cid, p1, p2 = _two_proposals(people, payment_mode="milestones")
    close(db.session, people["poster"], cid)
    with pytest.raises(Invalid) as err:  # the other proposal needs its reason
        award.award(db.session, user(people["poster"]), cid, [{"proposal_id": p1}])
    assert "reasons" in err.value.fields
    db.session.rollback()
    award.award(
        db.session,
        user(people["poster"]),
        cid,
        [{"proposal_id": p1}],
        {p2: "指标二的测试方法不可行"},
    )
    challenge = db.session.get(Challenge, cid)
    won, lost = db.session.get(ChallengeProposal, p1), db.session.get(ChallengeProposal, p2)
    assert challenge.state == "awarded"
    assert (won.state, won.awarded_amount) == ("awarded", 800_000)
    assert (lost.state, lost.outcome_reason) == ("not_awarded", "指标二的测试方法不可行")
    deal = db.session.get(Deal, won.deal_id)
    assert (deal.challenge_id, deal.buyer_org_id, deal.supplier_org_id) == (
        cid,
        challenge.organization_id,
        won.organization_id,
    )
    terms = deal.current_terms
    assert terms.price == 800_000
    assert [m["title"] for m in terms.milestones] == ["矫顽力 ≥ 20 kOe", "工作温度 ≥ 200 ℃"]
    assert sum(m["amount"] for m in terms.milestones) == 800_000
    # The money: challenge escrow empty, the deal's escrow holds the award, the rest owed back.
    assert money.held(db.session, challenge) == 0
    held = ledger.balance(db.session, deal_money.escrow_account(db.session, deal, "CNY"))
    assert held == 800_000
    refunds = ledger.balance(db.session, money.refunds_account(db.session, challenge))
    assert refunds == BOUNTY - 800_000
    assert ledger.check(db.session) == []
    # Both sides confirm the pre-filled terms: nothing is left to pay, the deal is funded.
    deal_terms.confirm_terms(db.session, user(people["uni"]), deal.id, terms.terms_hash)
    deal_terms.confirm_terms(db.session, user(people["poster"]), deal.id, terms.terms_hash)
    assert db.session.get(Deal, deal.id).state == "funded"
    assert ledger.check(db.session) == []
    # The statement counts the bounty moved in as the buyer's funding, held in escrow.
    figures = deal_money.statement(db.session, db.session.get(Deal, deal.id))
    assert (figures["funded"], figures["held"]) == (800_000, 800_000)


def test_one_winner_unless_the_rules_allow_splitting(ctx, people):
    cid, p1, p2 = _two_proposals(people)
    close(db.session, people["poster"], cid)
    with pytest.raises(Invalid):
        award.award(
            db.session,
            user(people["poster"]),
            cid,
            [{"proposal_id": p1}, {"proposal_id": p2}],
        )


def test_split_award_within_the_bounty(ctx, people):
    cid, p1, p2 = _two_proposals(people, allow_split=True)
    close(db.session, people["poster"], cid)
    with pytest.raises(Invalid):  # 800,000 + 600,000 > the bounty
        award.award(
            db.session, user(people["poster"]), cid, [{"proposal_id": p1}, {"proposal_id": p2}]
        )
    db.session.rollback()
    award.award(
        db.session,
        user(people["poster"]),
        cid,
        [{"proposal_id": p1, "amount": 500_000}, {"proposal_id": p2, "amount": 500_000}],
    )
    challenge = db.session.get(Challenge, cid)
    deals = db.session.query(Deal).filter_by(challenge_id=cid).all()
    assert sorted(d.current_terms.price for d in deals) == [500_000, 500_000]
    assert money.held(db.session, challenge) == 0
    assert ledger.balance(db.session, money.refunds_account(db.session, challenge)) == 0
    assert ledger.check(db.session) == []


def test_reject_needs_a_reason_and_only_the_poster_decides(ctx, people):
    cid, p1, p2 = _two_proposals(people)
    with pytest.raises(Invalid):
        award.reject(db.session, user(people["poster"]), p2, "  ")
    db.session.rollback()
    with pytest.raises(NotFound):  # another solver does not learn it exists
        award.reject(db.session, user(people["uni"]), p2, "不好")
    db.session.rollback()
    award.reject(db.session, user(people["poster"]), p2, "价格过高")
    close(db.session, people["poster"], cid)
    with pytest.raises(Forbidden):
        award.award(db.session, user(people["operator"]), cid, [{"proposal_id": p1}])
    db.session.rollback()
    with pytest.raises(Invalid):  # a decided proposal cannot be awarded
        award.award(db.session, user(people["poster"]), cid, [{"proposal_id": p2}])
    db.session.rollback()
    award.award(db.session, user(people["poster"]), cid, [{"proposal_id": p1}])
    assert db.session.get(ChallengeProposal, p2).outcome_reason == "价格过高"
    with pytest.raises(Conflict):
        award.award(db.session, user(people["poster"]), cid, [{"proposal_id": p1}])


def test_award_waits_for_the_deadline(ctx, people):
    cid, p1, _ = _two_proposals(people)
    with pytest.raises(Conflict):
        award.award(db.session, user(people["poster"]), cid, [{"proposal_id": p1}], {})


def test_ledger_check_reads_where_each_bounty_is(ctx, people, app):
    from marketplace.challenges.money import bounty_violations

    cid, p1, p2 = _two_proposals(people)
    draft = walk(db.session, people["poster"], people["operator"], "draft")
    assert bounty_violations(db.session) == []
    close(db.session, people["poster"], cid)
    award.award(db.session, user(people["poster"]), cid, [{"proposal_id": p1}], {p2: "价格高"})
    db.session.commit()
    assert bounty_violations(db.session) == []
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    # A decided challenge whose escrow still held money would be reported.
    db.session.get(Challenge, cid).state = "evaluating"  # noqa: lifecycle - the test's tamper
    db.session.flush()
    found = bounty_violations(db.session)
    assert [v.rule for v in found] == ["challenge_bounty"] and f"challenge {cid}" in found[0].detail
    assert draft not in [int(v.detail.split()[1]) for v in found]


def test_a_target_that_states_its_comparison_is_not_given_another(ctx, people):
    """ "≤ 1" stays "≤ 1" in the milestones (a bare value reads as "at least")."""
    from marketplace.models import ChallengeIndicator

    cid, p1, p2 = _two_proposals(people, payment_mode="milestones")
    first = ctx.scalars(
        ctx.query(ChallengeIndicator).filter_by(challenge_id=cid, position=1).statement
    ).one()
    first.target_value = "≤ 1"
    first.unit = "次/年"
    ctx.commit()
    close(db.session, people["poster"], cid)
    award.award(db.session, user(people["poster"]), cid, [{"proposal_id": p1}], {p2: "不可行"})
    deal = db.session.scalars(db.select(Deal).filter_by(challenge_id=cid)).one()
    titles = [m["title"] for m in deal.current_terms.milestones]
    assert titles == ["矫顽力 ≤ 1 次/年", "工作温度 ≥ 200 ℃"]
