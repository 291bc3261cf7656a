"""Regression tests for what the API fuzzer (tests/fuzz, `make fuzz`) found."""

from __future__ import annotations

from datetime import datetime

import pytest


def test_timestamps_carry_their_utc_offset(make, client):
    # SQLite keeps no offset: times came back naive and were printed without one, which
    # is not an RFC 3339 date-time as the document promises.
    listing = make.listing(make.user("researcher"), status="published")
    body = client.get(f"/api/v1/listings/{listing.id}").json
    for name in ("created_at", "updated_at", "submitted_at", "published_at"):
        stamp = datetime.fromisoformat(body[name])
        assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0, name


BIG = 2**64 - 1  # what the fuzzer sent; the driver overflowed (SQLite) or refused (PG)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/listings/{BIG}",
        f"/api/v1/demands/{BIG}",
        f"/api/v1/organizations/{BIG}",
        f"/api/v1/deals/{BIG}",
        f"/api/v1/deals/1/attachments/{BIG}",
        f"/listings/{BIG}",
    ],
)
def test_an_id_no_row_can_have_is_not_found(make, app, path):
    client = app.test_client(user=make.operator())
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("DELETE", f"/api/v1/listings/{2**31}", None),
        ("PATCH", f"/api/v1/demands/{2**31}", {}),
        ("POST", f"/api/v1/deals/{2**31}/messages", {"body": "x"}),
        ("GET", f"/api/v1/deals/{2**31}/attachments", None),
    ],
)
def test_just_above_the_largest_id_is_not_found_either(make, app, method, path, body):
    # Refused by the URL converter, it was a 405 (another rule for the same path matched).
    client = app.test_client(user=make.user("researcher"))
    assert client.open(path, method=method, json=body).status_code == 404


def test_an_id_no_row_can_have_in_a_body_or_query_is_invalid(make, app):
    client = app.test_client(user=make.user("enterprise_member"))
    r = client.post("/api/v1/deals", json={"listing_id": BIG})
    assert r.status_code == 422 and "listing_id" in r.json["error"]["fields"]
    r = client.get(f"/api/v1/listings?organization_id={BIG}")
    assert r.status_code == 422 and "organization_id" in r.json["error"]["fields"]
    r = client.post(f"/api/v1/deals/{BIG}/funding")
    assert r.status_code == 404


WEBHOOK = "/api/v1/payments/stripe/webhook"


@pytest.fixture
def signed_post(app):
    from tests.payments.conftest import sign

    secret = "whsec_findings"
    saved = app.config.get("STRIPE_WEBHOOK_SECRET")
    app.config["STRIPE_WEBHOOK_SECRET"] = secret

    def post(payload: str):
        headers = {"Stripe-Signature": sign(payload, secret), "Content-Type": "application/json"}
        return app.test_client().post(WEBHOOK, data=payload, headers=headers)

    yield post
    app.config["STRIPE_WEBHOOK_SECRET"] = saved


def test_a_signed_body_that_is_not_an_event_is_a_400(signed_post):
    # A signed JSON array crashed the stripe library's parser; a signed object without an
    # id, type or data.object crashed receive(). Both were 500s.
    for payload in (
        "[]",
        "{}",
        '{"id": "evt_1", "type": "x"}',
        '{"id": 1, "type": "x", "data": {}}',
    ):
        r = signed_post(payload)
        assert r.status_code == 400 and r.json["error"]["code"] == "bad_request", payload


def test_a_signed_event_with_an_unreadable_object_is_kept_for_an_operator(signed_post):
    event = '{"id": "evt_2", "type": "charge.refunded", "data": {"object": {"payment_intent": []}}}'
    assert signed_post(event).json == {"received": True, "duplicate": False, "status": "ignored"}
    event = (
        '{"id": "evt_3", "type": "payment_intent.succeeded",'
        ' "data": {"object": {"id": "pi_1", "metadata": {"deal_id": "not a number"}}}}'
    )
    r = signed_post(event)
    assert r.status_code == 200 and r.json["status"] == "needs_operator"
