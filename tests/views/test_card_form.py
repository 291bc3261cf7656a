"""The card form on the deal page: Stripe.js and the client secret for the buyer only."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Deal, Funding
from tests.deals.fixtures import parties, walk

SECRET = "pi_3Card_secret_abc"


@pytest.fixture
def card_deal(app, make):
    app.config.update(
        STRIPE_PUBLISHABLE_KEY="pk_test_card", STRIPE_JS_URL="https://js.stripe.com/v3/"
    )
    with app.app_context():
        p = parties(make)
        deal_id = walk(db.session, p, "agreed")
        deal = db.session.get(Deal, deal_id)
        db.session.add(
            Funding(
                deal_id=deal_id,
                terms_id=deal.current_terms.id,
                provider="stripe",
                reference="pi_3Card",
                amount=1_000_000,
                currency="CNY",
                instructions="Pay by card.",
                client_data={"payment_intent": "pi_3Card", "client_secret": SECRET},
            )
        )
        db.session.commit()
    yield p, deal_id
    app.config.update(STRIPE_PUBLISHABLE_KEY="")


def test_the_buyer_gets_the_card_form_with_stripe_js(app, card_deal):
    p, deal_id = card_deal
    page = app.test_client(user=p.buyer).get(f"/deals/{deal_id}").text
    assert 'id="card-payment"' in page and f'data-client-secret="{SECRET}"' in page
    assert 'data-key="pk_test_card"' in page
    assert '<script src="https://js.stripe.com/v3/" defer></script>' in page
    assert "js/card-payment.js" in page


def test_nobody_else_sees_the_client_secret(app, card_deal):
    p, deal_id = card_deal
    for who in (p.supplier, p.operator):
        response = app.test_client(user=who).get(f"/deals/{deal_id}")
        assert SECRET not in response.text and "js.stripe.com" not in response.text
        # nor does their page's policy admit Stripe's scripts and frames
        assert "stripe" not in response.headers["Content-Security-Policy"]


def test_without_a_publishable_key_the_page_shows_the_instructions(app, card_deal):
    p, deal_id = card_deal
    app.config.update(STRIPE_PUBLISHABLE_KEY="")
    page = app.test_client(user=p.buyer).get(f"/deals/{deal_id}").text
    assert 'id="card-payment"' not in page and "Pay by card." in page


def test_the_deal_page_policy_lets_stripe_js_run_and_frame_the_card(app, card_deal):
    p, deal_id = card_deal
    policy = (
        app.test_client(user=p.buyer).get(f"/deals/{deal_id}").headers["Content-Security-Policy"]
    )
    assert "script-src 'self' https://js.stripe.com;" in policy
    assert "frame-src https://js.stripe.com" in policy and "'unsafe-inline'" not in policy
    other = app.test_client(user=p.buyer).get("/deals").headers["Content-Security-Policy"]
    assert "stripe" not in other
