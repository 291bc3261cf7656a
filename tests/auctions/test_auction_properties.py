"""Property tests: random bid sequences (typed bids, proxies, ties, late bids) keep the
auction's invariants — the price never decreases, every bid respects the ladder, the
winner holds the highest valid maximum, anti-sniping extends exactly as the rules say,
the hash chain verifies, and after the close and the settlement (the buyer funds, lets
the deadline pass, or a party cancels) every deposit was applied, refunded or forfeited
exactly once with the ledger clean."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.auctions import audit_money, bidding, chain, closing, deposits, engine, settlement
from marketplace.auctions.rules import increment, minimum_bid
from marketplace.core import ledger
from marketplace.core.errors import Conflict
from marketplace.deals import delivery
from marketplace.models import AuctionRegistration
from tests.auctions.fixtures import LADDER, START, fresh, fund, lot, world

# A small ladder, so that random amounts cross its tiers.
SMALL = [{"below": 300, "step": 10}, {"below": 600, "step": 25}, {"below": None, "step": 50}]


def check_log(ladder, start, amounts):
    for i, amount in enumerate(amounts):
        least = start if i == 0 else amounts[i - 1] + increment(ladder, amounts[i - 1])
        assert amount >= least, (i, amounts)


submissions = st.lists(
    st.tuples(st.integers(1, 5), st.integers(0, 60), st.one_of(st.none(), st.integers(0, 900))),
    min_size=1,
    max_size=40,
)


@given(submissions)
@settings(max_examples=300, deadline=None)
def test_the_engine_keeps_the_ladder_and_the_highest_valid_maximum_wins(subs):
    price, leader = None, None
    contenders: dict[int, engine.Contender] = {}
    log: list[engine.Step] = []
    since = 0
    for bidder, offset, extra in subs:
        least = minimum_bid(SMALL, 200, price)
        amount = least + offset - 5  # sometimes too low: refused, nothing changes
        since += 1
        if bidder == leader:
            if extra:
                contenders[bidder] = engine.Contender(bidder, contenders[bidder].max + extra, since)
            continue
        maximum = amount + (extra or 0)
        previous = contenders.get(bidder)
        contenders[bidder] = engine.Contender(bidder, maximum, since)
        try:
            steps = engine.submit(SMALL, 200, price, leader, contenders, bidder, amount)
        except engine.TooLow as low:
            assert amount < low.minimum == least
            if previous is not None:
                contenders[bidder] = previous
            else:
                del contenders[bidder]
            continue
        for step in steps:
            assert step.amount <= contenders[step.bidder].max
        log.extend(steps)
        price, leader = steps[-1].amount, steps[-1].bidder
    amounts = [s.amount for s in log]
    check_log(SMALL, 200, amounts)
    assert len(set(amounts)) == len(amounts)
    if leader is not None:
        floor = price + increment(SMALL, price)
        # Nobody else could still bid validly: the winner's maximum is the highest valid.
        assert all(c.max < floor for c in contenders.values() if c.id != leader)
        assert contenders[leader].max >= price


bids = st.lists(
    st.tuples(
        st.integers(0, 2),  # which bidder
        st.integers(0, 3),  # steps above the minimum
        st.one_of(st.none(), st.integers(1, 30)),  # proxy: steps above the bid
        st.integers(1, 600),  # seconds since the previous attempt
    ),
    min_size=1,
    max_size=12,
)


AFTER = st.sampled_from(("fund", "overdue", "buyer_cancels", "seller_cancels"))


@given(bids, st.booleans(), AFTER, AFTER)
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_random_bidding_then_the_close_keeps_every_invariant(
    ctx, make, attempts, reserve, after, after_runner_up
):
    w = world(
        make,
        ctx,
        bidders=3,
        minutes=20,
        extension=5,
        reserve=START + 50_000_000 if reserve else None,
    )
    t = w.opens
    expected_end = w.ends
    last_price = None
    for who, up, proxy, gap in attempts:
        t += timedelta(seconds=gap)
        current = lot(ctx, w)
        if t >= current.ends_at:
            break
        least = bidding.next_minimum(current)
        amount = least + up * 10_000_000
        maximum = None if proxy is None else amount + proxy * 10_000_000
        try:
            out = bidding.place_bid(ctx, fresh(w.bidders[who]), w.lot_id, amount, maximum, now=t)
        except Conflict as refused:
            assert refused.code == "already_leading"
            continue
        if out.bids and expected_end - t <= timedelta(minutes=5):
            expected_end += timedelta(minutes=5)
        assert lot(ctx, w).ends_at == expected_end
        price = lot(ctx, w).current_price
        assert last_price is None or price >= last_price
        last_price = price
    current = lot(ctx, w)
    check_log(LADDER, START, [b.amount for b in bidding.bids(ctx, w.lot_id)])
    assert chain.verify(ctx, w.lot_id, current.last_hash) == []
    closed = closing.close_lot(ctx, w.lot_id, now=current.ends_at)
    regs = ctx.query(AuctionRegistration).filter_by(lot_id=w.lot_id).all()
    applied = [r for r in regs if r.deposit_state == "applied"]
    if closed.state == "sold":
        assert [r.id for r in applied] == [current.leader_id]
        runner_up = closing.find_runner_up(ctx, current, regs)
        assert lot(ctx, w).runner_up_id == (runner_up.id if runner_up else None)
        kept = {current.leader_id, lot(ctx, w).runner_up_id}
        assert {r.deposit_state for r in regs if r.id not in kept} <= {"refunded"}
    else:
        assert applied == [] and {r.deposit_state for r in regs} == {"refunded"}
    assert audit_money.deposit_violations(ctx) == []
    # The buyer (the winner, then perhaps the runner-up) funds, or the sale falls through.
    t = current.ends_at
    for step in (after, after_runner_up):
        sold = lot(ctx, w)
        if sold.state != "sold" or sold.funding_due_at is None:
            break  # unsold, defaulted, or funded: settled
        buyer = next(
            u
            for u in w.bidders
            if deposits.registration_of(ctx, w.lot_id, u.organization_id).id == sold.buyer_id
        )
        if step == "fund":
            fund(ctx, w, buyer, sold.deal_id)
        elif step in ("buyer_cancels", "seller_cancels"):
            delivery.cancel(
                ctx, fresh(buyer if step == "buyer_cancels" else w.seller), sold.deal_id
            )
        else:
            t = sold.funding_due_at
        settlement.settle_due(ctx, now=t)
        assert audit_money.deposit_violations(ctx) == []
    final = lot(ctx, w)
    regs = ctx.query(AuctionRegistration).filter_by(lot_id=w.lot_id).populate_existing().all()
    states = [r.deposit_state for r in regs]
    assert ledger.balance(ctx, deposits.deposits_account(ctx, final)) == 0
    assert "held" not in states and "pending" not in states
    if final.state == "sold":  # funded: the buyer's deposit is part of the price paid
        assert [r.id for r in regs if r.deposit_state == "applied"] == [final.buyer_id]
        assert settlement.was_funded(ctx, final.deal_id)
    else:
        assert "applied" not in states
    # The winner at the hammer is the only one who may forfeit, and only by its own fault.
    forfeited = [r.id for r in regs if r.deposit_state == "forfeited"]
    assert forfeited in ([], [current.leader_id])
    if forfeited:
        assert after in ("overdue", "buyer_cancels")
    assert ledger.check(ctx) == []
    assert audit_money.deposit_violations(ctx) == []
