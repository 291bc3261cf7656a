"""The auction services: applying and admitting lots, registering with a deposit,
bidding (ladder, proxies, anti-sniping, the hash chain), closing (deal, deposits)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.auctions import bidding, chain, closing, deposits, lots
from marketplace.core import ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.deals import escrow as deal_money
from marketplace.models import AuctionBid, AuctionRegistration, Deal
from tests.auctions.fixtures import DEPOSIT, START, add_bidder, fresh, lot, world


def reg_of(ctx, w, user):
    return deposits.registration_of(ctx, w.lot_id, user.organization_id)


def test_an_application_needs_a_published_listing_of_ones_own_and_a_sound_ladder(ctx, make):
    w = world(make, ctx, bidders=0)
    other = make.listing(w.seller, status="published")
    base = {
        "listing_id": other.id,
        "transfer_mode": "assignment",
        "start_price": START,
        "ladder": [{"below": None, "step": 100}],
        "deposit": DEPOSIT,
    }
    with pytest.raises(Forbidden):
        lots.apply_lot(
            ctx, fresh(w.stranger), w.session_id, base, now=w.opens - timedelta(minutes=5)
        )
    with pytest.raises(Invalid) as bad:
        lots.apply_lot(
            ctx,
            fresh(w.seller),
            w.session_id,
            base
            | {"ladder": [{"below": 10, "step": 0}], "transfer_mode": "equity", "reserve_price": 1},
            now=w.opens - timedelta(minutes=5),
        )
    assert set(bad.value.fields) == {"ladder", "transfer_mode", "reserve_price"}
    with pytest.raises(Conflict, match="session has started"):
        lots.apply_lot(ctx, fresh(w.seller), w.session_id, base, now=w.opens)
    draft = make.listing(w.seller, status="draft")
    with pytest.raises(Conflict, match="Only published"):
        lots.apply_lot(
            ctx,
            fresh(w.seller),
            w.session_id,
            base | {"listing_id": draft.id},
            now=w.opens - timedelta(minutes=5),
        )
    applied = lots.apply_lot(
        ctx, fresh(w.seller), w.session_id, base, now=w.opens - timedelta(minutes=5)
    )
    # Not public until admitted; only an operator admits.
    with pytest.raises(NotFound):
        lots.get_lot(ctx, fresh(w.stranger), applied.id)
    with pytest.raises(Forbidden):
        lots.decide_lot(ctx, fresh(w.seller), applied.id, "admit")
    lots.decide_lot(ctx, fresh(w.operator), applied.id, "reject")
    with pytest.raises(Conflict, match="Cannot admit"):
        lots.decide_lot(ctx, fresh(w.operator), applied.id, "admit")


def test_bidding_needs_a_held_deposit_and_the_clock(ctx, make):
    w = world(make, ctx, bidders=1, held=False)
    b = w.bidders[0]
    with pytest.raises(Forbidden, match="deposit"):
        bidding.place_bid(ctx, fresh(b), w.lot_id, START, now=w.opens + timedelta(seconds=1))
    reg = reg_of(ctx, w, b)
    with pytest.raises(Forbidden):
        deposits.confirm_deposit(ctx, fresh(b), reg.id, reference=reg.reference, amount=DEPOSIT)
    with pytest.raises(Invalid):
        deposits.confirm_deposit(
            ctx, fresh(w.operator), reg.id, reference=reg.reference, amount=DEPOSIT - 1
        )
    deposits.confirm_deposit(
        ctx, fresh(w.operator), reg.id, reference=reg.reference, amount=DEPOSIT
    )
    deposits.confirm_deposit(
        ctx, fresh(w.operator), reg.id, reference=reg.reference, amount=DEPOSIT
    )  # again: posted once
    assert ledger.balance(ctx, deposits.deposits_account(ctx, lot(ctx, w))) == DEPOSIT
    with pytest.raises(Conflict, match="opens when the session starts"):
        bidding.place_bid(ctx, fresh(b), w.lot_id, START, now=w.opens - timedelta(seconds=1))
    with pytest.raises(Conflict, match="closed"):
        bidding.place_bid(ctx, fresh(b), w.lot_id, START, now=w.ends)
    with pytest.raises(Forbidden):  # the seller cannot register on its own lot
        deposits.register(ctx, fresh(w.seller), w.lot_id)
    with pytest.raises(Forbidden, match="verified"):
        deposits.register(ctx, fresh(w.stranger), w.lot_id)


def test_ladder_and_stale_bids(ctx, make):
    w = world(make, ctx)
    a, b = w.bidders
    t = w.opens + timedelta(minutes=1)
    with pytest.raises(Conflict) as low:
        bidding.place_bid(ctx, fresh(a), w.lot_id, START - 1, now=t)
    assert low.value.code == "bid_too_low"
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, now=t)
    with pytest.raises(Conflict, match="leading"):
        bidding.place_bid(ctx, fresh(a), w.lot_id, START + 10_000_000, now=t)
    with pytest.raises(Conflict) as stale:  # 200 万 + 10 万 is the least
        bidding.place_bid(ctx, fresh(b), w.lot_id, START + 9_999_999, now=t)
    assert stale.value.params["minimum"] == str(START + 10_000_000)
    bidding.place_bid(ctx, fresh(b), w.lot_id, START + 10_000_000, now=t)
    # Above 500 万 the step is 20 万.
    bidding.place_bid(ctx, fresh(a), w.lot_id, 500_000_000, now=t)
    with pytest.raises(Conflict):
        bidding.place_bid(ctx, fresh(b), w.lot_id, 510_000_000, now=t)
    bidding.place_bid(ctx, fresh(b), w.lot_id, 520_000_000, now=t)
    assert [x.amount for x in bidding.bids(ctx, w.lot_id)] == [
        START,
        START + 10_000_000,
        500_000_000,
        520_000_000,
    ]


def test_proxy_bids_answer_by_the_minimum_increment_and_the_earlier_wins_ties(ctx, make):
    w = world(make, ctx, bidders=3)
    a, b, c = w.bidders
    t = w.opens + timedelta(minutes=1)
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, 300_000_000, now=t)
    out = bidding.place_bid(ctx, fresh(b), w.lot_id, 210_000_000, 350_000_000, now=t)
    assert out.leading
    log = [(x.bidder, x.amount, x.kind) for x in bidding.bids(ctx, w.lot_id)]
    assert log == [
        ("A", START, "bid"),
        ("B", 210_000_000, "bid"),
        ("A", 300_000_000, "proxy"),
        ("B", 310_000_000, "proxy"),
    ]
    # C sets the same maximum as B, later: B keeps the lead at its maximum.
    out = bidding.place_bid(ctx, fresh(c), w.lot_id, 320_000_000, 350_000_000, now=t)
    assert not out.leading
    current = lot(ctx, w)
    assert current.current_price == 350_000_000
    assert current.leader_id == reg_of(ctx, w, b).id


def test_anti_sniping_extends_by_n_minutes_each_late_bid(ctx, make):
    w = world(make, ctx, minutes=30, extension=5)
    a, b = w.bidders
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, now=w.ends - timedelta(minutes=10))
    assert lot(ctx, w).ends_at == w.ends
    out = bidding.place_bid(
        ctx, fresh(b), w.lot_id, START + 10_000_000, now=w.ends - timedelta(minutes=4)
    )
    assert out.extended and lot(ctx, w).ends_at == w.ends + timedelta(minutes=5)
    # Past the original end, within the extension: extended again.
    bidding.place_bid(
        ctx, fresh(a), w.lot_id, START + 20_000_000, now=w.ends + timedelta(minutes=1)
    )
    assert lot(ctx, w).ends_at == w.ends + timedelta(minutes=10)
    assert lot(ctx, w).extensions == 2


def test_the_chain_verifies_and_detects_a_changed_bid(ctx, make):
    w = world(make, ctx)
    a, b = w.bidders
    t = w.opens + timedelta(minutes=1)
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, 400_000_000, now=t)
    bidding.place_bid(ctx, fresh(b), w.lot_id, 300_000_000, now=t)
    assert chain.verify(ctx, w.lot_id, lot(ctx, w).last_hash) == []
    bid = ctx.scalar(select(AuctionBid).where(AuctionBid.lot_id == w.lot_id, AuctionBid.seq == 2))
    bid.amount += 1
    ctx.flush()
    broken = chain.verify(ctx, w.lot_id, lot(ctx, w).last_hash)
    assert [p.seq for p in broken] == [2]


def test_close_sold_opens_the_deal_applies_the_winners_deposit_and_refunds_the_rest(ctx, make):
    w = world(make, ctx, bidders=3, reserve=250_000_000)
    a, b, _c = w.bidders
    pending = add_bidder(make, ctx, w, held=False)
    t = w.opens + timedelta(minutes=1)
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, now=t)
    bidding.place_bid(ctx, fresh(b), w.lot_id, 260_000_000, now=t)
    with pytest.raises(Conflict, match="still open"):
        closing.close_lot(ctx, w.lot_id, now=t)
    done = closing.close_lot(ctx, w.lot_id, now=w.ends)
    assert done.state == "sold" and done.deal_id
    again = closing.close_lot(ctx, w.lot_id, now=w.ends + timedelta(hours=1))
    assert not again.changed and again.deal_id == done.deal_id
    deal = ctx.get(Deal, done.deal_id)
    assert deal.state == "negotiating" and deal.buyer_org_id == b.organization_id
    assert deal.current_terms.price == 260_000_000
    states = {
        r.organization_id: r.deposit_state
        for r in ctx.scalars(
            select(AuctionRegistration).where(AuctionRegistration.lot_id == w.lot_id)
        )
    }
    assert states[b.organization_id] == "applied"
    assert states[a.organization_id] == "refunded"
    assert states[pending.organization_id] == "lapsed"
    assert ledger.balance(ctx, deposits.deposits_account(ctx, lot(ctx, w))) == 0
    escrow = deal_money.escrow_account(ctx, deal, "CNY")
    assert ledger.balance(ctx, escrow) == DEPOSIT
    # The buyer agrees the pre-filled terms and is asked for the rest only.
    from marketplace.deals import terms as deal_terms

    h = deal.current_terms.terms_hash
    # The seller's side confirmed at the close: the buyer's confirmation agrees the deal.
    deal_terms.confirm_terms(ctx, fresh(b), deal.id, h)
    assert ctx.get(Deal, deal.id).state == "agreed"
    funding = deal_money.request_funding(ctx, fresh(b), deal.id)
    assert funding.amount == 260_000_000 - DEPOSIT
    deal_money.confirm_bank_transfer(
        ctx, fresh(w.operator), deal.id, reference=funding.reference, amount=funding.amount
    )
    assert ledger.balance(ctx, escrow) == 260_000_000
    assert ledger.check(ctx) == []


def test_close_below_the_reserve_is_unsold_and_refunds_everyone(ctx, make):
    w = world(make, ctx, reserve=400_000_000)
    a, _b = w.bidders
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, now=w.opens + timedelta(minutes=1))
    done = closing.close_due(ctx, now=w.ends)
    assert [c.state for c in done] == ["unsold"]
    assert {r.deposit_state for r in ctx.scalars(select(AuctionRegistration))} == {"refunded"}
    assert closing.close_due(ctx, now=w.ends) == []
    assert ledger.check(ctx) == []


def test_the_commands_close_verify_and_check_the_deposits(app, ctx, make):
    w = world(make, ctx)
    a, b = w.bidders
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, now=w.opens + timedelta(minutes=1))
    bidding.place_bid(ctx, fresh(b), w.lot_id, 210_000_000, now=w.opens + timedelta(minutes=2))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["auction", "verify", str(w.lot_id)])
    assert ok.exit_code == 0 and "2 bid(s), chain intact" in ok.output
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0
    # A deposit marked refunded without its posting is caught.
    reg = reg_of(ctx, w, a)
    ctx.execute(
        AuctionRegistration.__table__.update()
        .where(AuctionRegistration.id == reg.id)
        .values(deposit_state="refunded")
    )
    ctx.commit()
    bad = runner.invoke(args=["ledger", "check"])
    assert bad.exit_code == 1 and f"registration {reg.id} is refunded" in bad.output
    bid = ctx.scalar(select(AuctionBid).where(AuctionBid.lot_id == w.lot_id, AuctionBid.seq == 1))
    bid.created_at += timedelta(seconds=1)
    ctx.commit()
    broken = runner.invoke(args=["auction", "verify", str(w.lot_id)])
    assert broken.exit_code == 1 and "bid 1: hash does not match" in broken.output
    assert runner.invoke(args=["auction", "verify", "999999"]).exit_code == 1


def test_a_lot_that_cannot_close_is_reported_and_the_others_close(ctx, make):
    from marketplace.catalog import publication
    from marketplace.models import Listing

    stuck = world(make, ctx)
    fine = world(make, ctx, bidders=1)
    bidding.place_bid(
        ctx, fresh(stuck.bidders[0]), stuck.lot_id, START, now=stuck.opens + timedelta(minutes=1)
    )
    # The seller closes the listing before the end: no deal can be opened on it.
    publication.transition(ctx, Listing, lot(ctx, stuck).listing_id, "close", fresh(stuck.seller))
    ctx.commit()
    done = {c.lot_id: c for c in closing.close_due(ctx, now=max(stuck.ends, fine.ends))}
    assert done[stuck.lot_id].state == "failed" and "published" in done[stuck.lot_id].error
    assert done[fine.lot_id].state == "unsold"
    assert lot(ctx, stuck).state == "admitted"
    assert ledger.check(ctx) == []


def test_a_refunded_deposit_gets_a_payout_an_operator_executes(ctx, make):
    w = world(make, ctx, reserve=400_000_000)
    a, b = w.bidders
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, now=w.opens + timedelta(minutes=1))
    closing.close_due(ctx, now=w.ends)
    closing.close_due(ctx, now=w.ends + timedelta(minutes=1))  # a repeated close: no new one
    payouts = deal_money.list_payouts(ctx, fresh(w.operator))
    regs = {reg_of(ctx, w, u).id: u for u in (a, b)}
    assert sorted(p.subject for p in payouts) == sorted(
        f"auction_registration:{rid}" for rid in regs
    )
    payout = payouts[0]
    rid = int(payout.subject.split(":")[1])
    assert payout.deal_id is None and payout.kind == "refund" and payout.amount == DEPOSIT
    assert payout.beneficiary_org_id == regs[rid].organization_id
    assert payout.details["remark"].startswith(f"TM-A{rid}-P")
    refunds = deposits.refunds_account(ctx, ctx.get(AuctionRegistration, rid))
    assert ledger.balance(ctx, refunds) == DEPOSIT
    with pytest.raises(Forbidden):
        deal_money.execute_payout(ctx, fresh(a), payout.id, "BANK-1")
    ctx.rollback()
    deal_money.execute_payout(ctx, fresh(w.operator), payout.id, "BANK-1")
    assert ctx.get(type(payout), payout.id).status == "executed"
    assert ledger.balance(ctx, refunds) == 0
    assert len(deal_money.list_payouts(ctx, fresh(w.operator))) == 1
    assert ledger.check(ctx) == []
