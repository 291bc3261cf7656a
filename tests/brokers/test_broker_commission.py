"""The broker's commission: the rounding rule (deal_money.split_release) over many amounts
and rates, and the commission posted to the broker's ledger account at each release."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.brokers import earnings as broker_earnings
from marketplace.core import ledger, localtime
from marketplace.core.errors import NotFound
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.models import Deal
from tests.brokers.fixtures import agree_with_commission, deal_with_broker, fund
from tests.deals.fixtures import deliver, parties, user

amounts = st.integers(min_value=1, max_value=10**15)
rates = st.integers(min_value=0, max_value=10_000)


@settings(max_examples=2_000)
@given(amount=amounts, fee_bp=rates, commission_bp=rates)
def test_commission_fee_and_supplier_share_add_up_to_the_milestone(amount, fee_bp, commission_bp):
    if fee_bp + commission_bp > 10_000:  # the terms' check constraint refuses it
        commission_bp = 10_000 - fee_bp
    supplier, fee, commission = deal_money.split_release(amount, fee_bp, commission_bp)
    assert supplier + fee + commission == amount  # no fen lost or created
    # The rule written down: each share is rounded down, the supplier gets the rest.
    assert commission == amount * commission_bp // 10_000
    assert fee == amount * fee_bp // 10_000
    # Exactly: the commission is the rate's share rounded down (integers, no floats).
    assert 0 <= commission * 10_000 <= amount * commission_bp < (commission + 1) * 10_000
    assert supplier >= 0


@settings(max_examples=300)
@given(
    milestones=st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=20),
    fee_bp=st.integers(min_value=0, max_value=2_000),
    commission_bp=st.integers(min_value=0, max_value=2_000),
)
def test_a_whole_contract_splits_exactly_milestone_by_milestone(milestones, fee_bp, commission_bp):
    parts = [deal_money.split_release(m, fee_bp, commission_bp) for m in milestones]
    assert sum(sum(p) for p in parts) == sum(milestones)
    # Rounding per milestone never pays the broker more than the rate of the whole price.
    assert sum(p[2] for p in parts) <= sum(milestones) * commission_bp // 10_000


def test_each_release_credits_the_brokers_commission_account(ctx, make):
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    agree_with_commission(ctx, p, deal_id, amounts=(333_333, 666_667), commission_bp=725)
    fund(ctx, p, deal_id)
    deal = ctx.get(Deal, deal_id)
    expected = 0
    for m in list(deal.milestones):
        deliver(ctx, p, deal_id, m.id)
        deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, m.id)
        ctx.commit()
        supplier, fee, commission = deal_money.split_release(m.amount, 300, 725)
        expected += commission
        ctx.refresh(m)
        assert (m.commission_amount, m.fee_amount) == (commission, fee)
        account = deal_money.commission_account(ctx, broker.id, "CNY")
        assert ledger.balance(ctx, account) == expected
    statement = deal_money.statement(ctx, ctx.get(Deal, deal_id))
    assert statement["commission"] == expected
    assert statement["commission"] + statement["fees"] + statement["supplier_share"] == 1_000_000
    assert ledger.check(ctx) == []

    # The broker's earnings statement shows both postings; a period before them shows none.
    today = localtime.today()
    earned = broker_earnings.earnings(ctx, user(broker), broker.id, start=today, end=today)
    (book,) = earned["currencies"]
    assert book["earned"] == expected and book["opening"] == 0 and book["closing"] == expected
    assert [line["deal_id"] for line in book["lines"]] == [deal_id, deal_id]
    later = broker_earnings.earnings(
        ctx, user(broker), broker.id, start=today + timedelta(days=1), end=today + timedelta(days=2)
    )
    assert later["currencies"][0]["opening"] == expected
    assert later["currencies"][0]["lines"] == []
    csv_text = broker_earnings.to_csv(
        broker_earnings.EARNINGS_COLUMNS, broker_earnings.earnings_rows(earned)
    )
    assert csv_text.splitlines()[0] == ",".join(broker_earnings.EARNINGS_COLUMNS)
    assert len(csv_text.splitlines()) == 3
    # Nobody else reads a broker's earnings (operators do).
    with pytest.raises(NotFound):
        broker_earnings.earnings(ctx, user(p.buyer), broker.id)
    assert broker_earnings.earnings(ctx, user(p.operator), broker.id)["currencies"]
