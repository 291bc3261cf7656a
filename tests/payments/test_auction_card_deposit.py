"""An auction deposit paid by card: a PaymentIntent naming the registration (metadata
purpose), held by the verified payment_intent.succeeded webhook with the same postings as
a confirmed bank transfer, once per intent."""

from __future__ import annotations

import json

from sqlalchemy import select

from marketplace.auctions import deposits
from marketplace.core import ledger
from marketplace.extensions import db
from marketplace.models import AuctionLot, AuctionRegistration, StripeWebhookEvent
from tests.auctions.fixtures import DEPOSIT, verified_bidder, world
from tests.payments.conftest import event
from tests.payments.test_stripe import pay_by_card, post_event, succeeded

API = "/api/v1/auctions/lots"


def test_a_deposit_paid_by_card_is_held_once_by_the_signed_webhook(stripe_app, stripe_client, make):
    with stripe_app.app_context():
        w = world(make, db.session, bidders=0)
        bidder = verified_bidder(make)
    client = stripe_app.test_client(user=bidder)
    # Not registered yet: nothing to pay.
    assert client.post(f"{API}/{w.lot_id}/registration/card").status_code == 404
    reg = client.post(f"{API}/{w.lot_id}/registration")
    assert reg.status_code == 201, reg.get_json()
    card = client.post(f"{API}/{w.lot_id}/registration/card")
    assert card.status_code == 201, card.get_json()
    body = card.get_json()
    intent_id = body["payment_intent"]
    assert intent_id.startswith("pi_") and body["client_secret"].startswith(intent_id)
    assert body["registration"]["payment_intent"] == intent_id
    again = client.post(f"{API}/{w.lot_id}/registration/card").get_json()
    assert again["payment_intent"] == intent_id
    intent = succeeded(stripe_client, intent_id)
    assert intent["metadata"]["purpose"] == "auction_deposit"
    assert intent["metadata"]["registration_id"] == str(body["registration"]["id"])
    assert "deal_id" not in intent["metadata"] and intent["amount"] == DEPOSIT

    assert pay_by_card(stripe_client, {"client_data": {"payment_intent": intent_id}}).status == (
        "succeeded"
    )
    paid = succeeded(stripe_client, intent_id)
    hook = stripe_app.test_client()
    first = post_event(hook, event("payment_intent.succeeded", paid, "evt_dep_1"))
    assert first.status_code == 200 and first.get_json()["status"] == "processed"
    # The same event again, and another event about the same payment: posted once.
    assert post_event(hook, event("payment_intent.succeeded", paid, "evt_dep_1")).get_json()[
        "duplicate"
    ]
    other = post_event(hook, event("payment_intent.succeeded", paid, "evt_dep_2"))
    assert other.get_json()["status"] == "processed"
    with stripe_app.app_context():
        row = db.session.scalar(select(AuctionRegistration))
        assert (row.deposit_state, row.provider) == ("held", "offline")
        lot = db.session.get(AuctionLot, w.lot_id)
        assert ledger.balance(db.session, deposits.deposits_account(db.session, lot)) == DEPOSIT
        assert ledger.balance(db.session, deposits.funding_account(db.session, row)) == -DEPOSIT
        assert ledger.check(db.session) == []
    # Paying again is refused: the deposit is no longer awaiting payment.
    assert client.post(f"{API}/{w.lot_id}/registration/card").status_code == 409

    # A PaymentIntent naming the registration but not the one it asked for changes
    # nothing and is left to an operator.
    forged = {**paid, "id": "pi_forged"}
    bad = post_event(hook, event("payment_intent.succeeded", forged, "evt_dep_3"))
    assert bad.status_code == 200 and bad.get_json()["status"] == "needs_operator"
    # An unsigned one is refused.
    unsigned = hook.post(
        "/api/v1/payments/stripe/webhook",
        data=json.dumps({"id": "evt_x", "type": "payment_intent.succeeded"}),
        content_type="application/json",
    )
    assert unsigned.status_code == 400
    with stripe_app.app_context():
        statuses = dict(
            db.session.execute(select(StripeWebhookEvent.event_id, StripeWebhookEvent.status)).all()
        )
        assert statuses == {
            "evt_dep_1": "processed",
            "evt_dep_2": "processed",
            "evt_dep_3": "needs_operator",
        }
        assert ledger.check(db.session) == []


def test_without_stripe_card_deposits_are_refused(app, make):
    with app.app_context():
        w = world(make, db.session, bidders=0)
        bidder = verified_bidder(make)
    client = app.test_client(user=bidder)
    assert client.post(f"{API}/{w.lot_id}/registration").status_code == 201
    refused = client.post(f"{API}/{w.lot_id}/registration/card")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "card_unavailable"


def test_the_lot_page_offers_the_card_and_shows_stripes_form(stripe_app, make):
    stripe_app.config["STRIPE_PUBLISHABLE_KEY"] = "pk_test_techmarket"
    try:
        with stripe_app.app_context():
            w = world(make, db.session, bidders=0)
            bidder = verified_bidder(make)
        client = stripe_app.test_client(user=bidder)
        lot_url = f"/auctions/lots/{w.lot_id}"
        assert client.post(f"{lot_url}/register").status_code == 303
        page = client.get(lot_url)
        assert "改用银行卡支付保证金" in page.text and 'id="card-payment"' not in page.text
        assert "stripe" not in page.headers["Content-Security-Policy"]
        card = client.post(f"{lot_url}/deposit/card")
        assert card.status_code == 200
        with stripe_app.app_context():
            intent = db.session.scalar(select(AuctionRegistration)).payment_intent
        assert intent.startswith("pi_")
        assert 'id="card-payment"' in card.text and f'data-client-secret="{intent}_secret' in (
            card.text
        )
        assert f'data-next="{lot_url}"' in card.text
        assert "js.stripe.com" in card.headers["Content-Security-Policy"]
    finally:
        stripe_app.config.pop("STRIPE_PUBLISHABLE_KEY", None)
