"""Concurrent bidders on one lot: each submission locks the lot's row, so bids are
accepted one after the other — no two at the same price, a total order (seq 1, 2, 3…),
every bid on the ladder, the chain intact — and a bidder who read a price that moved on
is refused with 409 bid_too_low, never a 500 or a lost bid. Each thread has its own app
context (session and connection), as requests do."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.auctions import bidding, chain, closing
from marketplace.core import ledger
from marketplace.core.errors import Conflict
from marketplace.extensions import db
from marketplace.models import AuctionLot, User
from tests.auctions.fixtures import LADDER, START, world
from tests.auctions.test_auction_properties import check_log

pytestmark = pytest.mark.real_commits

ROUNDS = 6


def test_concurrent_bidders_are_serialized(app, make):
    with app.app_context():
        w = world(make, db.session, bidders=5, minutes=60)
    t = w.opens + timedelta(minutes=1)
    barrier = threading.Barrier(len(w.bidders))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(user_id: int):
        with app.app_context():
            barrier.wait()
            for _ in range(ROUNDS):
                s = db.session
                lot = s.get(AuctionLot, w.lot_id, populate_existing=True)
                amount = bidding.next_minimum(lot)
                s.rollback()  # as a client does: read, then submit later
                try:
                    bidding.place_bid(s, s.get(User, user_id), w.lot_id, amount, now=t)
                    result = "ok"
                except Conflict as refused:
                    result = refused.code
                with lock:
                    outcomes.append(result)

    threads = [threading.Thread(target=run, args=(u.id,)) for u in w.bidders]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert len(outcomes) == len(w.bidders) * ROUNDS
    assert set(outcomes) <= {"ok", "bid_too_low", "already_leading"}
    with app.app_context():
        s = db.session
        lot = s.get(AuctionLot, w.lot_id)
        log = bidding.bids(s, w.lot_id)
        assert outcomes.count("ok") == len(log) == lot.last_seq >= 1
        assert [b.seq for b in log] == list(range(1, len(log) + 1))
        check_log(LADDER, START, [b.amount for b in log])
        assert lot.current_price == log[-1].amount
        assert chain.verify(s, w.lot_id, lot.last_hash) == []
        # Two closers at once: one closes, the other finds it closed.
        closers = []

        def close():
            with app.app_context():
                closers.append(closing.close_lot(db.session, w.lot_id, now=lot.ends_at).changed)

        pair = [threading.Thread(target=close) for _ in range(2)]
        for th in pair:
            th.start()
        for th in pair:
            th.join(timeout=60)
        assert sorted(closers) == [False, True]
        assert ledger.check(s) == []


def test_settling_races_with_the_buyer_cancelling_and_a_second_worker(app, make):
    """Past the deadline, two workers settle while the winner cancels the deal: the
    deposit is forfeited once, the lot offered to the runner-up once."""
    from marketplace.auctions import audit_money, deposits, settlement
    from marketplace.core.errors import DomainError
    from marketplace.deals import delivery
    from marketplace.models import AuctionRegistration, JournalTransaction

    with app.app_context():
        s = db.session
        w = world(make, s, bidders=2, minutes=60)
        a, b = w.bidders
        t = w.opens + timedelta(minutes=1)
        bidding.place_bid(s, s.get(User, a.id), w.lot_id, START, now=t)
        bidding.place_bid(s, s.get(User, b.id), w.lot_id, START + 10_000_000, now=t)
        closing.close_lot(s, w.lot_id, now=w.ends)
        sold = s.get(AuctionLot, w.lot_id)
        deal_id, due = sold.deal_id, sold.funding_due_at
        winner = deposits.registration_of(s, w.lot_id, b.organization_id).id
    barrier = threading.Barrier(3)
    results: list[str] = []

    def settle():
        with app.app_context():
            barrier.wait()
            try:
                done = settlement.settle_lot(db.session, w.lot_id, now=due)
                results.append(done.outcome if done.changed else "unchanged")
            except DomainError as refused:
                results.append(refused.code or "refused")

    def cancel():
        with app.app_context():
            barrier.wait()
            try:
                delivery.cancel(db.session, db.session.get(User, b.id), deal_id, "放弃")
                results.append("cancelled")
            except DomainError as refused:
                results.append(refused.code or "refused")

    threads = [threading.Thread(target=f) for f in (settle, settle, cancel)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert len(results) == 3 and results.count("reassigned") == 1, results
    with app.app_context():
        s = db.session
        keys = s.scalars(
            select(JournalTransaction.idempotency_key).where(
                JournalTransaction.idempotency_key == f"auction:registration:{winner}:forfeit"
            )
        ).all()
        assert len(keys) == 1
        assert s.get(AuctionRegistration, winner).deposit_state == "forfeited"
        now = s.get(AuctionLot, w.lot_id)
        assert now.state == "sold" and now.offer_round == 1 and now.deal_id != deal_id
        assert ledger.check(s) == [] and audit_money.deposit_violations(s) == []
