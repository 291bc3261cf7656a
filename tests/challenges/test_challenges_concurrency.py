"""Two simultaneous decisions on one challenge move the bounty once.

Each thread runs in its own app context (its own session and connection), as requests
do. The challenge row is locked before its state is read (SELECT … FOR UPDATE on
PostgreSQL, the database write lock on SQLite), so the second decision sees the first's
result and is refused with a Conflict; the ledger's idempotency keys back this up.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.challenges import money, workflow
from marketplace.core import ledger
from marketplace.core.errors import Conflict
from marketplace.extensions import db
from marketplace.models import Challenge, ChallengeProposal, JournalTransaction
from marketplace.models.types import utcnow
from tests.challenges.fixtures import BOUNTY, plan_for, user, verified_solver, walk

pytestmark = pytest.mark.real_commits


def race(app, calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call):
        with app.app_context():
            try:
                barrier.wait()
                call(db.session)
                db.session.commit()
                result = "ok"
            except Conflict:
                db.session.rollback()
                result = "conflict"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def _evaluating(app, make):
    poster, operator = make.user("enterprise_member"), make.operator()
    solver = verified_solver(make)
    with app.app_context():
        cid = walk(db.session, poster, operator, "open")
        workflow.propose(
            db.session, user(solver), cid, approach="甲", price=1, plan=plan_for(db.session, cid)
        )
        db.session.get(Challenge, cid).proposal_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
        workflow.close_proposals(db.session, user(poster), cid)
        db.session.commit()
    return poster, operator, cid


def _refunds(cid):
    return db.session.scalar(
        select(func.count())
        .select_from(JournalTransaction)
        .where(JournalTransaction.idempotency_key.like(f"challenge:{cid}:refund:%"))
    )


def test_two_withdrawals_refund_once(app, make):
    poster, operator, cid = _evaluating(app, make)
    outcomes = race(
        app,
        [
            lambda s: workflow.withdraw(s, user(poster), cid, "预算取消"),
            lambda s: workflow.withdraw(s, user(operator), cid, "发榜方要求撤榜"),
        ],
    )
    assert outcomes == ["conflict", "ok"]
    with app.app_context():
        challenge = db.session.get(Challenge, cid)
        assert challenge.state == "withdrawn"
        assert _refunds(cid) == 1
        assert ledger.balance(db.session, money.refunds_account(db.session, challenge)) == BOUNTY
        assert ledger.check(db.session) == []


def test_a_withdrawal_and_a_decision_refund_once(app, make):
    poster, operator, cid = _evaluating(app, make)
    outcomes = race(
        app,
        [
            lambda s: workflow.withdraw(s, user(operator), cid, "撤榜"),
            lambda s: workflow.decline_all(s, user(poster), cid, "均未达到指标"),
        ],
    )
    assert outcomes == ["conflict", "ok"]
    with app.app_context():
        challenge = db.session.get(Challenge, cid)
        assert challenge.state in ("withdrawn", "not_awarded")
        proposal = db.session.scalars(select(ChallengeProposal)).one()
        assert proposal.outcome_reason == challenge.decision_reason
        assert _refunds(cid) == 1
        assert money.held(db.session, challenge) == 0
        assert ledger.check(db.session) == []


def test_two_awards_spend_the_bounty_once(app, make):
    from marketplace.challenges import award
    from marketplace.models import Deal

    poster, operator, cid = _evaluating(app, make)
    with app.app_context():
        pid = db.session.scalars(select(ChallengeProposal.id)).one()
    outcomes = race(
        app,
        [
            lambda s: award.award(s, user(poster), cid, [{"proposal_id": pid, "amount": 1}]),
            lambda s: award.award(s, user(poster), cid, [{"proposal_id": pid, "amount": 1}]),
        ],
    )
    assert outcomes == ["conflict", "ok"]
    with app.app_context():
        challenge = db.session.get(Challenge, cid)
        assert challenge.state == "awarded"
        assert db.session.scalar(select(func.count()).select_from(Deal)) == 1
        awards = db.session.scalar(
            select(func.count())
            .select_from(JournalTransaction)
            .where(JournalTransaction.kind == "challenge_award")
        )
        assert awards == 1
        assert _refunds(cid) == 1  # the remainder, once
        assert money.held(db.session, challenge) == 0
        assert ledger.balance(db.session, money.refunds_account(db.session, challenge)) == (
            BOUNTY - 1
        )
        assert ledger.check(db.session) == []
