"""Vouchers at checkout: part of the price from the wallet into escrow, the rest by bank
transfer; releases attribute the voucher's part (兑付); refunds return it to the wallet
(or the programme once it expired), never to the buyer's bank."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.core import ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid
from marketplace.core.localtime import today
from marketplace.deals import delivery
from marketplace.deals import escrow as deal_money
from marketplace.extensions import db
from marketplace.models import (
    Deal,
    Funding,
    PayoutInstruction,
    VoucherProgramme,
    VoucherRedemption,
    VoucherSpend,
)
from marketplace.vouchers import money, redemption, spending
from tests.vouchers.fixtures import CAP, agreed_deal, granted, scene, user

PRICE = 4_000_000  # 3,000,000 + 1,000,000 fen


def _wallet(s) -> int:
    return money.wallet_balance(
        db.session, s.buyer.organization_id, db.session.get(VoucherProgramme, s.programme_id)
    )


def _clean() -> None:
    assert ledger.check(db.session) == []
    assert money.voucher_violations(db.session) == []


def _fund(s, deal_id: int, voucher: int) -> Funding:
    funding = spending.fund_with_voucher(
        db.session, user(s.buyer), deal_id, programme_id=s.programme_id, amount=voucher
    )
    deal_money.confirm_bank_transfer(
        db.session,
        user(s.operator),
        deal_id,
        reference=funding.reference,
        amount=PRICE - voucher,
    )
    return funding


def _deliver_and_accept(s, deal_id: int, position: int) -> None:
    m = db.session.get(Deal, deal_id).milestones[position - 1]
    delivery.deliver_milestone(db.session, user(s.supplier), deal_id, m.id, "交付")
    delivery.accept_milestone(db.session, user(s.buyer), deal_id, m.id)


def test_a_voucher_pays_part_and_the_bank_transfer_the_rest(ctx, make):
    s = scene(make)
    granted(s)
    deal_id = agreed_deal(s)
    deal = db.session.get(Deal, deal_id)
    (option,) = spending.options(db.session, user(s.buyer), deal)
    assert option["max"] == CAP  # the wallet, under half the price
    funding = _fund(s, deal_id, 1_500_000)
    assert funding.amount == PRICE - 1_500_000
    deal = db.session.get(Deal, deal_id)
    assert deal.state == "funded"
    statement = deal_money.statement(db.session, deal)
    assert (statement["funded"], statement["voucher"], statement["held"]) == (
        PRICE,
        1_500_000,
        PRICE,
    )
    assert _wallet(s) == CAP - 1_500_000
    _clean()


def test_the_caps_of_a_voucher_payment(ctx, make):
    s = scene(make, max_share_bp=2500)
    granted(s)
    deal_id = agreed_deal(s)
    with pytest.raises(Invalid) as err:  # 25 % of 40,000 元 is 10,000 元
        spending.fund_with_voucher(
            db.session, user(s.buyer), deal_id, programme_id=s.programme_id, amount=1_000_001
        )
    assert "voucher_amount" in err.value.fields
    db.session.rollback()
    with pytest.raises(Invalid):
        spending.fund_with_voucher(
            db.session, user(s.buyer), deal_id, programme_id=s.programme_id, amount=0
        )
    db.session.rollback()
    with pytest.raises(Forbidden):  # the supplier cannot spend the buyer's voucher
        spending.fund_with_voucher(
            db.session, user(s.supplier), deal_id, programme_id=s.programme_id, amount=1
        )
    db.session.rollback()
    assert _wallet(s) == CAP
    assert db.session.scalar(select(Funding.id).where(Funding.deal_id == deal_id)) is None


def test_ineligible_deals_are_refused(ctx, make):
    s = scene(make, domains=["biomedicine"])
    granted(s)
    deal_id = agreed_deal(s)  # the listing's domain is another
    assert spending.options(db.session, user(s.buyer), db.session.get(Deal, deal_id)) == []
    with pytest.raises(Conflict) as err:
        spending.fund_with_voucher(
            db.session, user(s.buyer), deal_id, programme_id=s.programme_id, amount=100
        )
    assert err.value.code == "voucher_not_eligible"


def test_releases_attribute_the_voucher_pro_rata_for_redemption(ctx, make):
    s = scene(make)
    granted(s)
    deal_id = agreed_deal(s)
    _fund(s, deal_id, 1_000_000)  # a quarter of the price
    _deliver_and_accept(s, deal_id, 1)
    _deliver_and_accept(s, deal_id, 2)
    parts = db.session.scalars(
        select(VoucherRedemption.amount)
        .where(VoucherRedemption.deal_id == deal_id)
        .order_by(VoucherRedemption.id)
    ).all()
    assert parts == [750_000, 250_000]
    assert db.session.get(Deal, deal_id).state == "completed"
    period = redemption.current_month(db.session.get(Deal, deal_id).updated_at)
    lines = [
        line
        for line in redemption.rows(db.session, user(s.operator), period)
        if line["deal_id"] == deal_id
    ]
    assert [(line["voucher_amount"], line["contract_amount"]) for line in lines] == [
        (750_000, PRICE),
        (250_000, PRICE),
    ]
    (total,) = [
        row
        for row in redemption.per_supplier(lines)
        if row["supplier_org_id"] == s.supplier.organization_id
    ]
    assert total["voucher_amount"] == 1_000_000
    _clean()


def test_a_refund_returns_the_voucher_part_to_the_wallet_not_the_bank(ctx, make):
    s = scene(make)
    granted(s)
    deal_id = agreed_deal(s)
    _fund(s, deal_id, 1_000_000)
    _deliver_and_accept(s, deal_id, 1)  # 750,000 of the voucher released
    m2 = db.session.get(Deal, deal_id).milestones[1]
    delivery.deliver_milestone(db.session, user(s.supplier), deal_id, m2.id, "交付")
    delivery.dispute_milestone(db.session, user(s.buyer), deal_id, m2.id, "不合格")
    delivery.resolve_dispute(db.session, user(s.operator), deal_id, m2.id, "refund", note="退款")
    spend = db.session.scalar(select(VoucherSpend).where(VoucherSpend.deal_id == deal_id))
    assert (spend.released, spend.returned) == (750_000, 250_000)
    assert _wallet(s) == CAP - 1_000_000 + 250_000
    refund = db.session.scalar(
        select(PayoutInstruction).where(
            PayoutInstruction.deal_id == deal_id, PayoutInstruction.kind == "refund"
        )
    )
    assert refund.amount == 1_000_000 - 250_000  # only the bank-paid part goes back
    statement = deal_money.statement(db.session, db.session.get(Deal, deal_id))
    assert statement["voucher_returned"] == 250_000
    assert statement["refunded"] == 750_000
    _clean()


def test_an_expired_programme_takes_its_refunded_voucher_back(ctx, make):
    s = scene(make)
    granted(s)
    deal_id = agreed_deal(s)
    funding = spending.fund_with_voucher(
        db.session, user(s.buyer), deal_id, programme_id=s.programme_id, amount=500_000
    )
    assert funding.amount == PRICE - 500_000
    p = db.session.get(VoucherProgramme, s.programme_id)
    p.valid_to = today() - timedelta(days=1)
    p.valid_from = today() - timedelta(days=60)
    db.session.commit()
    budget_before = money.budget_balance(db.session, p)
    delivery.cancel(db.session, user(s.buyer), deal_id, "不买了")  # before the transfer came
    assert money.budget_balance(db.session, p) == budget_before + 500_000
    assert _wallet(s) == CAP - 500_000
    _clean()


def test_a_cancelled_unfunded_deal_returns_the_voucher_to_the_wallet(ctx, make):
    s = scene(make)
    granted(s)
    deal_id = agreed_deal(s)
    spending.fund_with_voucher(
        db.session, user(s.buyer), deal_id, programme_id=s.programme_id, amount=500_000
    )
    delivery.cancel(db.session, user(s.buyer), deal_id, "不买了")
    assert _wallet(s) == CAP
    held = ledger.balance(
        db.session, deal_money.escrow_account(db.session, db.session.get(Deal, deal_id), "CNY")
    )
    assert held == 0
    _clean()
