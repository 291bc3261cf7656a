"""Simultaneous requests on one deal have exactly one effect.

Each thread runs in its own app context (its own session and connection), as requests
do. The deal row is locked before milestone states are read (SELECT … FOR UPDATE on
PostgreSQL, the database write lock on SQLite), so the second request sees the first's
result and is refused with a Conflict; the version column backs this up.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from marketplace.core import ledger
from marketplace.core.errors import Conflict
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.extensions import db
from marketplace.models import (
    CancellationProposal,
    Deal,
    Funding,
    JournalTransaction,
    Milestone,
    PayoutInstruction,
    User,
)
from tests.deals.fixtures import deliver, parties, walk

# Real threads, each with its own connection: they must see committed rows.
pytestmark = pytest.mark.real_commits


def race(app, calls):
    """Run each call(session) in its own thread and app context, all released at once."""
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


def funded_deal(app, make):
    p = parties(make)
    with app.app_context():
        deal_id = walk(db.session, p, "funded")
        milestone_id = db.session.get(Deal, deal_id).milestones[0].id
        deliver(db.session, p, deal_id, milestone_id)  # the buyer may accept it
        db.session.commit()
    return p, deal_id, milestone_id


def count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.mark.parametrize("threads", [2, 4])
def test_simultaneous_accepts_release_once(app, make, threads):
    p, deal_id, milestone_id = funded_deal(app, make)

    def accept(session):
        deal_delivery.accept_milestone(
            session, session.get(User, p.buyer.id), deal_id, milestone_id
        )

    assert race(app, [accept] * threads) == ["conflict"] * (threads - 1) + ["ok"]
    with app.app_context():
        assert count(JournalTransaction, deal_id=deal_id, kind="release") == 1
        assert count(PayoutInstruction, deal_id=deal_id) == 1
        assert db.session.get(Milestone, milestone_id).state == "accepted"
        assert ledger.check(db.session) == []


def test_accept_and_dispute_at_once_have_one_effect(app, make):
    p, deal_id, milestone_id = funded_deal(app, make)

    def accept(session):
        deal_delivery.accept_milestone(
            session, session.get(User, p.buyer.id), deal_id, milestone_id
        )

    def dispute(session):
        deal_delivery.dispute_milestone(
            session, session.get(User, p.buyer.id), deal_id, milestone_id, "不合格"
        )

    assert race(app, [accept, dispute]) == ["conflict", "ok"]
    with app.app_context():
        state = db.session.get(Milestone, milestone_id).state
        releases = count(JournalTransaction, deal_id=deal_id, kind="release")
        deal_state = db.session.get(Deal, deal_id).state
        assert (state, releases, deal_state) in (
            ("accepted", 1, "in_progress"),
            ("disputed", 0, "disputed"),
        )
        assert ledger.check(db.session) == []


def test_double_submitted_bank_confirmation_funds_once(app, make):
    p = parties(make)
    with app.app_context():
        deal_id = walk(db.session, p, "agreed")
        funding = deal_money.request_funding(db.session, db.session.get(User, p.buyer.id), deal_id)
        db.session.commit()
        reference = funding.reference

    def confirm(session):
        deal_money.confirm_bank_transfer(
            session,
            session.get(User, p.operator.id),
            deal_id,
            reference=reference,
            amount=1_000_000,
        )

    # The second sees a confirmed funding and changes nothing (no error, no posting).
    assert race(app, [confirm] * 3) == ["ok"] * 3
    with app.app_context():
        assert count(JournalTransaction, deal_id=deal_id, kind="fund") == 1
        assert count(Funding, deal_id=deal_id, status="confirmed") == 1
        assert db.session.get(Deal, deal_id).state == "funded"
        assert ledger.check(db.session) == []


def test_simultaneous_cancellation_accepts_refund_once(app, make):
    p, deal_id, _ = funded_deal(app, make)
    with app.app_context():
        deal_cancellation.propose_cancellation(
            db.session, db.session.get(User, p.supplier.id), deal_id, "无法交付"
        )
        db.session.commit()

    def accept(session):
        deal_cancellation.accept_cancellation(session, session.get(User, p.buyer.id), deal_id)

    assert race(app, [accept] * 3) == ["conflict", "conflict", "ok"]
    with app.app_context():
        assert count(JournalTransaction, deal_id=deal_id, kind="refund") == 1
        assert db.session.get(Deal, deal_id).state == "cancelled"
        assert ledger.check(db.session) == []


def test_simultaneous_proposals_leave_one_open(app, make):
    p, deal_id, _ = funded_deal(app, make)

    def propose(user_id):
        def call(session):
            deal_cancellation.propose_cancellation(
                session, session.get(User, user_id), deal_id, "取消"
            )

        return call

    outcomes = race(app, [propose(p.buyer.id), propose(p.supplier.id), propose(p.buyer.id)])
    assert outcomes == ["conflict", "conflict", "ok"]
    with app.app_context():
        assert count(CancellationProposal, deal_id=deal_id, status="open") == 1


def test_a_release_racing_an_acceptance_leaves_one_outcome(app, make):
    p, deal_id, milestone_id = funded_deal(app, make)
    with app.app_context():
        deal_cancellation.propose_cancellation(
            db.session, db.session.get(User, p.supplier.id), deal_id, "无法交付"
        )
        db.session.commit()

    def accept_cancellation(session):
        deal_cancellation.accept_cancellation(session, session.get(User, p.buyer.id), deal_id)

    def accept_milestone(session):
        deal_delivery.accept_milestone(
            session, session.get(User, p.buyer.id), deal_id, milestone_id
        )

    assert race(app, [accept_cancellation, accept_milestone]) == ["conflict", "ok"]
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        refunds = count(JournalTransaction, deal_id=deal_id, kind="refund")
        releases = count(JournalTransaction, deal_id=deal_id, kind="release")
        # Either the deal was cancelled (nothing released) or the release cleared the
        # proposal (nothing refunded).
        assert (deal.state, refunds, releases) in (("cancelled", 1, 0), ("in_progress", 0, 1))
        assert ledger.check(db.session) == []
