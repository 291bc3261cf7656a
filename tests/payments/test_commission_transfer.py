"""A broker's commission on a card-funded deal, paid to the broker's connected agency as a
Stripe Connect transfer — tested at the HTTP boundary, because localstripe has no Connect
(see RecordingHTTPClient in test_stripe.py)."""

from __future__ import annotations

from sqlalchemy import select

import payments
from marketplace.core import ledger
from marketplace.core.payments import StripeRequestLog
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.extensions import db
from marketplace.models import Deal, Funding, Organization, PayoutInstruction, StripeRequest
from marketplace.models.types import utcnow
from payments.offline import DEMO_ACCOUNT, OfflineProvider
from payments.stripe_provider import StripeProvider
from tests.brokers.fixtures import agree_with_commission, deal_with_broker
from tests.deals.fixtures import deliver, parties, user
from tests.payments.test_stripe import RecordingHTTPClient


def test_the_commission_is_one_connect_transfer_to_the_brokers_agency(app, make):
    http = RecordingHTTPClient()
    p = parties(make)
    with app.app_context():
        s = db.session
        deal_id, broker = deal_with_broker(s, make, p)
        agree_with_commission(s, p, deal_id, amounts=(600_000, 400_000), commission_bp=500)
        s.get(Organization, broker.organization_id).stripe_account_id = "acct_1Agency"
        # Paid by card: the PaymentIntent succeeded (as its webhook reports).
        deal = s.get(Deal, deal_id)
        s.add(
            Funding(
                deal_id=deal_id,
                terms_id=deal.agreed_terms.id,
                provider="stripe",
                reference="pi_1Card",
                amount=1_000_000,
                currency="CNY",
                created_at=utcnow(),
            )
        )
        s.commit()
        deal_money.funding_succeeded(s, deal_id, reference="pi_1Card", amount=1_000_000)
        s.commit()
        stripe_provider = StripeProvider(
            "sk_test_x",
            api_base="https://stripe.invalid",
            requests=StripeRequestLog(),
            http_client=http,
        )
        gateway = payments.Gateway([OfflineProvider(DEMO_ACCOUNT), stripe_provider], "stripe")
        first = s.get(Deal, deal_id).milestones[0]
        deliver(s, p, deal_id, first.id)
        deal_delivery.accept_milestone(s, user(p.buyer), deal_id, first.id, gateway=gateway)
        s.commit()

        # The supplier has no connected account: no request for it. The agency does: one.
        key = f"deal:{deal_id}:milestone:{first.id}:commission"
        assert len(http.calls) == 1
        method, url, headers, form = http.calls[0]
        assert (method, url) == ("post", "https://stripe.invalid/v1/transfers")
        assert headers["Idempotency-Key"] == key
        assert form["destination"] == "acct_1Agency" and form["amount"] == "30000"
        assert form["transfer_group"] == f"deal-{deal_id}"
        row = s.scalars(select(StripeRequest).where(StripeRequest.kind == "transfer")).one()
        assert row.idempotency_key == key and row.object_id == "tr_1TestTransfer"

        payouts = {
            p.kind: p
            for p in s.scalars(
                select(PayoutInstruction).where(PayoutInstruction.deal_id == deal_id)
            )
        }
        assert payouts["commission"].status == "executed"
        assert payouts["commission"].reference == "tr_1TestTransfer"
        assert payouts["release"].status == "pending"
        assert payouts["release"].details["reason"] == "no_connected_account"
        commission = deal_money.commission_account(s, broker.id, "CNY")
        assert ledger.balance(s, commission) == 0  # paid out at once
        assert ledger.check(s) == []
