"""After the close: the runner-up's deposit stays held until the winner funds; a winner
who does not fund in time (or cancels) forfeits the deposit, split between the seller and
the platform, and the lot goes to the runner-up; a deal cancelled before funding never
strands the deposit; the deal's statement counts the deposit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.auctions import audit_money, bidding, closing, deposits, settlement
from marketplace.core import ledger
from marketplace.deals import delivery
from marketplace.deals import escrow as deal_money
from marketplace.models import AuctionRegistration, Deal, PayoutInstruction
from tests.auctions.fixtures import DEPOSIT, START, fresh, fund, lot, world

B, C = 210_000_000, 220_000_000


def reg(ctx, w, user) -> AuctionRegistration:
    found = deposits.registration_of(ctx, w.lot_id, user.organization_id)
    ctx.refresh(found)
    return found


def sold_to_c(ctx, make):
    """Three bidders: a 200 万, b 210 万, c 220 万; closed: c wins, b is the runner-up."""
    w = world(make, ctx, bidders=3)
    a, b, c = w.bidders
    t = w.opens + timedelta(minutes=1)
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, now=t)
    bidding.place_bid(ctx, fresh(b), w.lot_id, B, now=t)
    bidding.place_bid(ctx, fresh(c), w.lot_id, C, now=t)
    closed = closing.close_lot(ctx, w.lot_id, now=w.ends, funding_days=7)
    assert closed.state == "sold"
    return w, a, b, c


def balance(ctx, account) -> int:
    return ledger.balance(ctx, account)


def test_the_runner_up_stays_held_until_the_winner_funds(ctx, make):
    w, a, b, c = sold_to_c(ctx, make)
    sold = lot(ctx, w)
    assert sold.buyer_id == reg(ctx, w, c).id and sold.runner_up_id == reg(ctx, w, b).id
    assert sold.sale_price == C and sold.funding_due_at == w.ends + timedelta(days=7)
    assert [reg(ctx, w, u).deposit_state for u in (a, b, c)] == ["refunded", "held", "applied"]
    # The lot's deposits account still holds the runner-up's deposit, and only that.
    assert balance(ctx, deposits.deposits_account(ctx, sold)) == DEPOSIT
    # Nothing is due before the deadline while the deal waits for its money.
    assert settlement.settle_due(ctx, now=w.ends + timedelta(days=6)) == []
    fund(ctx, w, c, sold.deal_id)
    deal = ctx.get(Deal, sold.deal_id)
    statement = deal_money.statement(ctx, deal)
    # The deposit counts as paid into escrow: funded is the whole price.
    assert statement["funded"] == C and statement["held"] == C and statement["forfeited"] == 0
    done = settlement.settle_due(ctx, now=w.ends + timedelta(days=6))
    assert [(d.outcome, d.deal_id) for d in done] == [("funded", deal.id)]
    assert reg(ctx, w, b).deposit_state == "refunded"
    assert balance(ctx, deposits.refunds_account(ctx, reg(ctx, w, b))) == DEPOSIT
    assert balance(ctx, deposits.deposits_account(ctx, lot(ctx, w))) == 0
    # Settled once: later runs, after the deadline too, change nothing.
    assert settlement.settle_due(ctx, now=w.ends + timedelta(days=30)) == []
    assert lot(ctx, w).state == "sold" and reg(ctx, w, c).deposit_state == "applied"
    assert ledger.check(ctx) == [] and audit_money.deposit_violations(ctx) == []


def test_a_winner_who_does_not_fund_forfeits_and_the_runner_up_gets_the_lot(ctx, make):
    w, a, b, c = sold_to_c(ctx, make)
    first = lot(ctx, w).deal_id
    seller_org = fresh(w.seller).organization_id
    payable = deal_money.payable_account(ctx, seller_org, "CNY")
    revenue = deal_money.revenue_account(ctx, "CNY")
    payable_before, revenue_before = balance(ctx, payable), balance(ctx, revenue)
    due = lot(ctx, w).funding_due_at
    done = settlement.settle_due(ctx, now=due)
    assert [d.outcome for d in done] == ["reassigned"]
    # The winner's deposit is forfeited: half to the seller (with its payout), half kept.
    assert reg(ctx, w, c).deposit_state == "forfeited"
    assert balance(ctx, payable) - payable_before == DEPOSIT // 2
    assert balance(ctx, revenue) - revenue_before == DEPOSIT // 2
    payout = ctx.scalar(select(PayoutInstruction).where(PayoutInstruction.deal_id == first))
    assert payout.amount == DEPOSIT // 2 and payout.beneficiary_org_id == seller_org
    old = ctx.get(Deal, first)
    assert old.state == "cancelled"
    assert balance(ctx, deal_money.escrow_account(ctx, old, "CNY")) == 0
    statement = deal_money.statement(ctx, old)
    assert statement["funded"] == DEPOSIT and statement["forfeited"] == DEPOSIT
    # The runner-up buys at its own highest bid, its deposit applied to a new deal.
    now = lot(ctx, w)
    assert now.state == "sold" and now.offer_round == 1 and now.runner_up_id is None
    assert now.buyer_id == reg(ctx, w, b).id and now.sale_price == B
    new = ctx.get(Deal, now.deal_id)
    assert new.buyer_org_id == b.organization_id and new.current_terms.price == B
    assert balance(ctx, deal_money.escrow_account(ctx, new, "CNY")) == DEPOSIT
    assert reg(ctx, w, b).deposit_state == "applied"
    # The runner-up lets its deadline pass too: a second chance, not an obligation — its
    # deposit is refunded and the lot falls through.
    second_due = now.funding_due_at
    done = settlement.settle_due(ctx, now=second_due)
    assert [d.outcome for d in done] == ["defaulted"]
    assert reg(ctx, w, b).deposit_state == "refunded"
    assert balance(ctx, deposits.refunds_account(ctx, reg(ctx, w, b))) == DEPOSIT
    assert lot(ctx, w).state == "defaulted" and ctx.get(Deal, new.id).state == "cancelled"
    assert settlement.settle_due(ctx, now=second_due + timedelta(days=1)) == []
    assert ledger.check(ctx) == [] and audit_money.deposit_violations(ctx) == []


@pytest.mark.parametrize("who", ["buyer", "seller", "operator"])
def test_cancelling_before_funding_never_strands_the_deposit(ctx, make, who):
    w, _a, b, c = sold_to_c(ctx, make)
    deal_id = lot(ctx, w).deal_id
    actor = {"buyer": c, "seller": w.seller, "operator": w.operator}[who]
    delivery.cancel(ctx, fresh(actor), deal_id, "不再需要")
    # In the same transaction: the buyer walking away forfeits; otherwise refunded.
    state = reg(ctx, w, c).deposit_state
    assert state == ("forfeited" if who == "buyer" else "refunded")
    deal = ctx.get(Deal, deal_id)
    assert balance(ctx, deal_money.escrow_account(ctx, deal, "CNY")) == 0
    assert audit_money.deposit_violations(ctx) == []
    done = settlement.settle_due(ctx, now=w.ends + timedelta(minutes=1))
    if who == "buyer":
        assert [d.outcome for d in done] == ["reassigned"]
        assert lot(ctx, w).buyer_id == reg(ctx, w, b).id
    else:  # the seller backed out (or an operator stopped it): nobody buys
        assert [d.outcome for d in done] == ["defaulted"]
        assert reg(ctx, w, b).deposit_state == "refunded"
    assert ledger.check(ctx) == [] and audit_money.deposit_violations(ctx) == []


def test_the_check_catches_a_deposit_stranded_on_a_cancelled_deal(ctx, make):
    w, _a, _b, c = sold_to_c(ctx, make)
    ctx.execute(
        Deal.__table__.update().where(Deal.id == lot(ctx, w).deal_id).values(state="cancelled")
    )
    ctx.commit()
    problems = [v.detail for v in audit_money.deposit_violations(ctx)]
    assert any(f"registration {reg(ctx, w, c).id} is applied" in p for p in problems)


def test_the_close_command_settles_and_reports(app, ctx, make):
    w, _a, b, _c = sold_to_c(ctx, make)
    ctx.execute(
        lot(ctx, w)
        .__table__.update()
        .where(lot(ctx, w).__table__.c.id == w.lot_id)
        .values(funding_due_at=w.ends - timedelta(days=1))
    )
    ctx.commit()
    out = app.test_cli_runner().invoke(args=["auction", "close"])
    assert out.exit_code == 0, out.output
    assert f"lot {w.lot_id}: reassigned" in out.output
    assert reg(ctx, w, b).deposit_state == "applied"
    again = app.test_cli_runner().invoke(args=["auction", "close"])
    assert f"lot {w.lot_id}" not in again.output
    assert app.test_cli_runner().invoke(args=["ledger", "check"]).exit_code == 0


def test_the_api_says_who_buys_by_when_and_who_is_the_runner_up(app, ctx, make):
    w, a, b, c = sold_to_c(ctx, make)
    ctx.commit()
    url = f"/api/v1/auctions/lots/{w.lot_id}"

    def read(user=None):
        # Each request in its own app context: inside the test's, ``g`` would be shared.
        with app.app_context():
            client = app.test_client(user=fresh(user)) if user else app.test_client()
            return client.get(url).get_json()

    winner = read(c)
    assert winner["state"] == "sold" and winner["sale_price"] == C
    assert winner["funding_due_at"] and winner["forfeit_seller_bp"] == 5000
    assert winner["me"]["won"] and winner["me"]["deal_id"] == lot(ctx, w).deal_id
    runner_up = read(b)["me"]
    assert runner_up["runner_up"] and not runner_up["won"] and runner_up["deal_id"] is None
    assert runner_up["deposit_state"] == "held"
    assert read(a)["me"]["deposit_state"] == "refunded"
    assert read()["me"] is None
