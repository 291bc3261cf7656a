"""Brokers paid: each release that credits commission creates a payout of it to the
broker's organization — an operator's bank transfer, or a Stripe Connect transfer where
that organization is connected — and the broker's earnings show it pending, then paid.
(The Connect transfer request itself: tests/payments/test_commission_transfer.py.)"""

from __future__ import annotations

from sqlalchemy import select

import payments
from marketplace.brokers import earnings as broker_earnings
from marketplace.core import ledger
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.extensions import db
from marketplace.models import Deal, Organization, PayoutInstruction
from payments.offline import DEMO_ACCOUNT, OfflineProvider
from tests.brokers.fixtures import agree_with_commission, deal_with_broker, fund
from tests.deals.fixtures import deliver, parties, user


def _payouts(session, deal_id: int) -> dict[str, PayoutInstruction]:
    rows = session.scalars(
        select(PayoutInstruction)
        .where(PayoutInstruction.deal_id == deal_id)
        .execution_options(populate_existing=True)
    )
    return {p.kind: p for p in rows}


def test_a_release_with_commission_owes_the_brokers_organization_a_payout(ctx, make):
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    agree_with_commission(ctx, p, deal_id, amounts=(600_000, 400_000), commission_bp=500)
    fund(ctx, p, deal_id)
    first = ctx.get(Deal, deal_id).milestones[0]
    deliver(ctx, p, deal_id, first.id)
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, first.id)
    ctx.commit()

    payouts = _payouts(ctx, deal_id)
    assert set(payouts) == {"release", "commission"}
    commission = payouts["commission"]
    agency = ctx.get(Organization, broker.organization_id)
    assert commission.beneficiary_org_id == agency.id and commission.amount == 30_000
    assert commission.account_code == f"broker:{broker.id}:commission"
    assert commission.status == "pending" and commission.provider == "offline"
    assert commission.details["payee"] == agency.name and commission.details["amount"] == 30_000
    assert commission.source_key == f"deal:{deal_id}:milestone:{first.id}:commission"
    account = deal_money.commission_account(ctx, broker.id, "CNY")
    assert ledger.balance(ctx, account) == 30_000  # owed until paid

    earned = broker_earnings.earnings(ctx, user(broker), broker.id)
    (line,) = earned["payouts"]
    assert (line["status"], line["amount"], line["deal_id"]) == ("pending", 30_000, deal_id)
    assert earned["currencies"][0]["paid"] == 0

    # An operator pays it by bank transfer: commission account → external, once.
    deal_money.execute_payout(ctx, user(p.operator), commission.id, "B-COMM-1")
    ctx.commit()
    assert ledger.balance(ctx, account) == 0
    earned = broker_earnings.earnings(ctx, user(broker), broker.id)
    (line,) = earned["payouts"]
    assert (line["status"], line["reference"]) == ("paid", "B-COMM-1")
    assert earned["currencies"][0]["paid"] == 30_000
    statement = deal_money.statement(ctx, ctx.get(Deal, deal_id))
    # The supplier's share (600,000 less 3 % fee and 5 % commission) still waits.
    assert (statement["paid_out"], statement["payouts_pending"]) == (30_000, 552_000)
    assert ledger.check(ctx) == []


def test_no_commission_no_broker_payout(ctx, make):
    p = parties(make)
    deal_id, _ = deal_with_broker(ctx, make, p)
    agree_with_commission(ctx, p, deal_id, commission_bp=0)
    fund(ctx, p, deal_id)
    first = ctx.get(Deal, deal_id).milestones[0]
    deliver(ctx, p, deal_id, first.id)
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, first.id)
    ctx.commit()
    assert set(_payouts(ctx, deal_id)) == {"release"}


class ConnectProvider(OfflineProvider):
    """The offline provider, but a beneficiary with a connected account is paid by
    'transfer' (as the Stripe provider does)."""

    def __init__(self):
        super().__init__(DEMO_ACCOUNT)
        self.paid: list[tuple[str, int, str]] = []

    def release(self, deal, amount, currency, idempotency_key, beneficiary):
        if beneficiary.provider_account:
            self.paid.append((beneficiary.provider_account, amount, idempotency_key))
            return payments.PayoutResult(self.name, "executed", reference=f"tr_{amount}")
        return super().release(deal, amount, currency, idempotency_key, beneficiary)


def test_a_connected_agency_is_paid_by_transfer_at_once(ctx, make):
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    agree_with_commission(ctx, p, deal_id, amounts=(600_000, 400_000), commission_bp=500)
    fund(ctx, p, deal_id)
    ctx.get(Organization, broker.organization_id).stripe_account_id = "acct_1Agency"
    ctx.commit()
    provider = ConnectProvider()
    gateway = payments.Gateway([provider], default="offline")
    for m in list(ctx.get(Deal, deal_id).milestones):
        deliver(ctx, p, deal_id, m.id)
        deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, m.id, gateway=gateway)
        ctx.commit()
    # The supplier is not connected (operator's transfer); the agency is (Connect transfer).
    keys = [key for _, _, key in provider.paid]
    assert [(acct, amount) for acct, amount, _ in provider.paid] == [
        ("acct_1Agency", 30_000),
        ("acct_1Agency", 20_000),
    ]
    assert all(key.endswith(":commission") for key in keys)
    rows = ctx.scalars(select(PayoutInstruction).where(PayoutInstruction.kind == "commission"))
    assert {(r.status, r.reference) for r in rows} == {
        ("executed", "tr_30000"),
        ("executed", "tr_20000"),
    }
    assert ledger.balance(ctx, deal_money.commission_account(ctx, broker.id, "CNY")) == 0
    earned = broker_earnings.earnings(ctx, user(broker), broker.id)
    assert [line["status"] for line in earned["payouts"]] == ["paid", "paid"]
    assert ledger.check(ctx) == []


def test_the_queue_and_the_earnings_page_show_the_commission_payout(app, make):
    # Pages are asked outside any app context of the test's own (flask_login keeps the
    # current user on the app context's g).
    p = parties(make)
    with app.app_context():
        s = db.session
        deal_id, broker = deal_with_broker(s, make, p)
        agree_with_commission(s, p, deal_id, amounts=(600_000, 400_000), commission_bp=500)
        fund(s, p, deal_id)
        first = s.get(Deal, deal_id).milestones[0]
        deliver(s, p, deal_id, first.id)
        deal_delivery.accept_milestone(s, user(p.buyer), deal_id, first.id)
        s.commit()
        commission_id = _payouts(s, deal_id)["commission"].id
        agency = s.get(Organization, broker.organization_id).name

    queue = app.test_client(user=p.operator).get("/operator/payouts").get_data(as_text=True)
    assert "支付经纪人佣金" in queue and agency in queue and f"payout-{commission_id}" in queue
    page = app.test_client(user=broker).get("/brokers/me/earnings").get_data(as_text=True)
    assert "佣金支付" in page and "待支付" in page and "300 元" in page

    with app.app_context():
        deal_money.execute_payout(db.session, user(p.operator), commission_id, "B-COMM-9")
        db.session.commit()
    page = app.test_client(user=broker).get("/brokers/me/earnings").get_data(as_text=True)
    assert "已支付" in page and "B-COMM-9" in page and "待支付" not in page
