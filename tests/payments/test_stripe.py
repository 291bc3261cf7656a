"""The stripe provider and webhooks against localstripe (a local fake Stripe), through the
API: card funding of an agreed deal, declines, signatures, repeated and out-of-order
events, a refund after cancellation; Connect transfers at the HTTP boundary."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import pytest
import requests
import stripe
from sqlalchemy import func, select

from marketplace.core import ledger
from marketplace.core.payments import StripeRequestLog
from marketplace.extensions import db
from marketplace.models import (
    Deal,
    DealEvent,
    Funding,
    JournalTransaction,
    PayoutInstruction,
    StripeRequest,
    StripeWebhookEvent,
)
from payments import Beneficiary, ProviderUnavailable
from payments.stripe_provider import RefundLimitExceeded, StripeProvider
from tests.api.test_deals_api import URL, agreed_deal, ok
from tests.deals.fixtures import balances
from tests.payments.conftest import WEBHOOK_PATH, event, register_webhook, sign

PRICE = 1_000_000  # 600 000 + 400 000 fen, the price agreed_deal() sets
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"


def pay_by_card(client: stripe.StripeClient, funding: dict, number: str = GOOD_CARD):
    """The buyer's browser: a card, attached to the deal's PaymentIntent, confirmed.
    (localstripe cannot confirm with a payment_method argument, so it is set first.)"""
    card = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = client.v1.payment_methods.create({"type": "card", "card": card})
    intent = funding["client_data"]["payment_intent"]
    client.v1.payment_intents.update(intent, {"payment_method": method.id})
    return client.v1.payment_intents.confirm(intent)


def wait_until(check, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    return result


def post_event(client, payload: str, signature: str | None = None):
    headers = {"Stripe-Signature": sign(payload) if signature is None else signature}
    return client.post(WEBHOOK_PATH, data=payload, headers=headers, content_type="application/json")


def stripe_funding(cast):
    did = agreed_deal(cast)
    funding = ok(cast["buyer"].post(f"{URL}/{did}/funding"), 201)
    assert funding["provider"] == "stripe"
    return did, funding


def succeeded(client: stripe.StripeClient, intent_id: str) -> dict:
    return client.v1.payment_intents.retrieve(intent_id).to_dict()


def deal_state(app, did: int) -> str:
    with app.app_context():
        return db.session.get(Deal, did).state


def fund_transactions(app, did: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(
                JournalTransaction.deal_id == did, JournalTransaction.kind == "fund"
            )
        )


def events(app, intent: str | None = None) -> list[tuple[str, str]]:
    """The webhook events recorded (about ``intent`` only, when given: localstripe, shared
    by the payment tests, may still deliver an earlier test's event to this test's URL)."""
    with app.app_context():
        stmt = select(StripeWebhookEvent).order_by(StripeWebhookEvent.id)
        if intent is not None:
            stmt = stmt.where(StripeWebhookEvent.payment_intent == intent)
        return [(r.type, r.status) for r in db.session.scalars(stmt)]


def test_card_funding_through_the_api_and_the_localstripe_webhook(
    stripe_app, cast, stripe_client, localstripe_url, live_url
):
    did, funding = stripe_funding(cast)
    assert funding["reference"].startswith("pi_")
    assert funding["client_data"]["client_secret"].startswith(funding["reference"])
    again = ok(cast["buyer"].post(f"{URL}/{did}/funding"), 201)
    assert again["reference"] == funding["reference"]
    with stripe_app.app_context():
        recorded = db.session.scalars(select(StripeRequest)).all()
        assert [(r.kind, r.object_id, r.amount) for r in recorded] == [
            ("payment_intent", funding["reference"], PRICE)
        ]
    intent = succeeded(stripe_client, funding["reference"])
    assert intent["metadata"]["deal_id"] == str(did)
    assert intent["amount"] == PRICE and intent["currency"] == "cny"

    register_webhook(localstripe_url, live_url + WEBHOOK_PATH)
    assert pay_by_card(stripe_client, funding).status == "succeeded"

    wait_until(lambda: deal_state(stripe_app, did) == "funded")
    deal = ok(cast["buyer"].get(f"{URL}/{did}"))
    assert deal["statement"]["funded"] == PRICE and deal["statement"]["held"] == PRICE
    assert deal["fundings"][0]["status"] == "confirmed"
    assert events(stripe_app, funding["reference"]) == [("payment_intent.succeeded", "processed")]
    with stripe_app.app_context():
        assert ledger.check(db.session) == []
        b = balances(db.session, did)
        assert b[f"deal:{did}:escrow"] == PRICE and b[f"deal:{did}:funding"] == -PRICE

    # The supplier delivers; the buyer accepts both milestones; the deal completes.
    ok(cast["supplier"].post(f"{URL}/{did}/start"))
    milestones = ok(cast["buyer"].get(f"{URL}/{did}"))["milestones"]
    for m in milestones:
        ok(
            cast["supplier"].post(
                f"{URL}/{did}/milestones/{m['id']}/deliver", json={"note": "交付物见附件"}
            )
        )
        ok(cast["buyer"].post(f"{URL}/{did}/milestones/{m['id']}/accept"))
    deal = ok(cast["buyer"].get(f"{URL}/{did}"))
    assert deal["state"] == "completed"
    fee = sum(m["amount"] * 300 // 10_000 for m in milestones)  # floor per milestone, 3 %
    st = deal["statement"]
    assert st["released"] == PRICE and st["held"] == 0 and st["refunded"] == 0
    assert st["fees"] == fee and st["supplier_share"] == PRICE - fee
    with stripe_app.app_context():
        assert ledger.check(db.session) == []
        b = balances(db.session, did)
        supplier_org = cast["users"]["supplier"].organization.id
        assert b[f"deal:{did}:escrow"] == 0
        assert b[f"org:{supplier_org}:payable"] == PRICE - fee
        assert b["platform:revenue"] == fee


def test_a_declined_card_leaves_the_deal_unfunded(
    stripe_app, cast, stripe_client, localstripe_url, live_url
):
    did, funding = stripe_funding(cast)
    register_webhook(localstripe_url, live_url + WEBHOOK_PATH)
    with pytest.raises(stripe.CardError):
        pay_by_card(stripe_client, funding, DECLINED_CARD)

    wait_until(lambda: events(stripe_app, funding["reference"]))
    assert events(stripe_app, funding["reference"]) == [
        ("payment_intent.payment_failed", "processed")
    ]
    deal = ok(cast["buyer"].get(f"{URL}/{did}"))
    assert deal["state"] == "agreed"
    assert deal["statement"]["funded"] == 0
    assert deal["fundings"][0]["status"] == "pending"
    assert deal["fundings"][0]["client_data"]["last_payment_error"]["message"]
    assert "payment_failed" in [e["action"] for e in deal["timeline"]]
    assert fund_transactions(stripe_app, did) == 0


def test_bad_or_stale_signatures_are_refused_with_no_effect(stripe_app, cast, stripe_client):
    did, funding = stripe_funding(cast)
    intent = pay_by_card(stripe_client, funding).to_dict()
    payload = event("payment_intent.succeeded", intent)
    anonymous = cast["anonymous"]
    for signature in (
        sign(payload, secret="whsec_someone_else"),
        sign(payload, at=int(time.time()) - 600),  # older than the 5-minute tolerance
        sign(payload.replace(str(PRICE), str(PRICE // 2))),  # signed another body
        "",
        "t=1,v1=deadbeef",
    ):
        assert post_event(anonymous, payload, signature).status_code == 400
    assert events(stripe_app) == []
    assert deal_state(stripe_app, did) == "agreed" and fund_transactions(stripe_app, did) == 0
    # The same event, correctly signed, is accepted: the refusals above were the signature.
    assert post_event(anonymous, payload).status_code == 200
    assert deal_state(stripe_app, did) == "funded"


def test_the_same_event_twice_has_one_effect(stripe_app, cast, stripe_client):
    did, funding = stripe_funding(cast)
    intent = pay_by_card(stripe_client, funding).to_dict()
    payload = event("payment_intent.succeeded", intent)
    first = post_event(cast["anonymous"], payload)
    second = post_event(cast["anonymous"], payload)
    assert (first.status_code, first.json["duplicate"]) == (200, False)
    assert (second.status_code, second.json["duplicate"]) == (200, True)
    # A new delivery id for the same payment is also posted once (by funding reference).
    assert (
        post_event(cast["anonymous"], event("payment_intent.succeeded", intent, "evt_2")).json[
            "duplicate"
        ]
        is False
    )
    assert fund_transactions(stripe_app, did) == 1
    with stripe_app.app_context():
        confirmations = db.session.scalar(
            select(func.count()).where(
                DealEvent.deal_id == did, DealEvent.action == "confirm_funding"
            )
        )
        assert confirmations == 1
        assert ledger.check(db.session) == []
    assert len(events(stripe_app)) == 2


def charge_of(client: stripe.StripeClient, intent_id: str) -> dict:
    latest = succeeded(client, intent_id)["latest_charge"]
    charge_id = latest if isinstance(latest, str) else latest["id"]
    return client.v1.charges.retrieve(charge_id).to_dict()


def test_a_refund_event_before_its_payment_event_ends_consistent(stripe_app, cast, stripe_client):
    """Rule: an event about a payment not yet confirmed is deferred and applied right after
    the payment funds the deal. Here the refund was made outside the platform (dashboard),
    so once applied it is left to an operator; the ledger never moves on its own."""
    did, funding = stripe_funding(cast)
    intent = pay_by_card(stripe_client, funding).to_dict()
    charge = charge_of(stripe_client, intent["id"])
    refunded = charge | {
        "amount_refunded": PRICE,
        "refunded": True,
        "refunds": {"object": "list", "data": [{"id": "re_dashboard", "amount": PRICE}]},
    }
    early = post_event(cast["anonymous"], event("charge.refunded", refunded))
    assert early.status_code == 200 and early.json["status"] == "deferred"
    assert deal_state(stripe_app, did) == "agreed"

    late = post_event(cast["anonymous"], event("payment_intent.succeeded", intent))
    assert late.status_code == 200 and late.json["status"] == "processed"
    assert deal_state(stripe_app, did) == "funded"
    assert events(stripe_app) == [
        ("charge.refunded", "needs_operator"),
        ("payment_intent.succeeded", "processed"),
    ]
    with stripe_app.app_context():
        assert ledger.check(db.session) == []
        assert balances(db.session, did)[f"deal:{did}:escrow"] == PRICE
        note = db.session.scalars(select(StripeWebhookEvent.note)).first()
        assert "re_dashboard" in note


def test_refund_through_the_provider_after_a_cancellation(stripe_app, cast, stripe_client):
    did, funding = stripe_funding(cast)
    intent = pay_by_card(stripe_client, funding).to_dict()
    assert (
        post_event(cast["anonymous"], event("payment_intent.succeeded", intent)).status_code == 200
    )
    deal = ok(cast["operator"].post(f"{URL}/{did}/cancel", json={"reason": "双方协商解除"}))
    assert deal["state"] == "cancelled"
    s = deal["statement"]
    assert (s["funded"], s["refunded"], s["held"], s["paid_out"]) == (PRICE, PRICE, 0, PRICE)

    with stripe_app.app_context():
        payout = db.session.scalars(select(PayoutInstruction)).one()
        assert (payout.kind, payout.status, payout.amount) == ("refund", "executed", PRICE)
        refund_id = payout.reference
        assert refund_id.startswith("re_")
    charge = charge_of(stripe_client, intent["id"])
    assert charge["amount_refunded"] == PRICE

    # Stripe's charge.refunded for our own refund, then a late repeat of the payment:
    # both agree with what is posted and change nothing.
    refunded = charge | {
        "refunded": True,
        "refunds": {"object": "list", "data": [{"id": refund_id, "amount": PRICE}]},
    }
    assert post_event(cast["anonymous"], event("charge.refunded", refunded)).json["status"] == (
        "processed"
    )
    late = post_event(cast["anonymous"], event("payment_intent.succeeded", intent, "evt_late"))
    assert late.json["status"] == "processed"
    assert deal_state(stripe_app, did) == "cancelled" and fund_transactions(stripe_app, did) == 1

    # Never ask Stripe for more than the charge can give back (localstripe would accept it).
    with stripe_app.app_context():
        provider = stripe_app.extensions["payments_gateway"].get("stripe")
        deal_row = db.session.get(Deal, did)
        with pytest.raises(RefundLimitExceeded):
            provider.refund(deal_row, 1, "CNY", "test:extra", Beneficiary(1, "x"), intent["id"])
        db.session.rollback()
        assert ledger.check(db.session) == []
        assert db.session.scalar(select(func.count()).select_from(StripeRequest)) == 2
        assert db.session.scalar(select(Funding.status)) == "confirmed"
    assert charge_of(stripe_client, intent["id"])["amount_refunded"] == PRICE


class RecordingHTTPClient(stripe.HTTPClient):
    """Stands in for the network: records each request and answers like Stripe would.
    Connect transfers are tested here, at the HTTP boundary, because localstripe has no
    Connect (Account, Transfer and transfer_group answer 404/400)."""

    name = "recording"

    def __init__(self):
        super().__init__()
        self.calls: list[tuple[str, str, dict, dict]] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        form = {k: v[0] for k, v in parse_qs(post_data or "").items()}
        self.calls.append((method, url, dict(headers or {}), form))
        body = json.dumps(
            {"id": "tr_1TestTransfer", "object": "transfer"}
            | {k: form[k] for k in ("currency", "destination", "transfer_group")}
            | {"amount": int(form["amount"])}
        )
        return body, 200, {"request-id": "req_test"}

    def close(self):
        pass


def agreed_deal_and_provider(make, http):
    """An agreed deal, a Stripe provider talking to ``http``, a connected supplier."""
    from tests.deals.fixtures import parties, walk

    did = walk(db.session, parties(make), "agreed")
    deal = db.session.get(Deal, did)
    provider = StripeProvider(
        "sk_test_x",
        api_base="https://stripe.invalid",
        requests=StripeRequestLog(),
        http_client=http,
    )
    supplier = Beneficiary(deal.supplier_org_id, "供应方", provider_account="acct_1Supplier")
    return did, deal, provider, supplier


def test_release_to_a_connected_account_is_one_connect_transfer(app, make):
    http = RecordingHTTPClient()
    with app.app_context():
        did, deal, provider, supplier = agreed_deal_and_provider(make, http)
        key = f"deal:{did}:milestone:1:release"
        result = provider.release(deal, 582_000, "CNY", key, supplier)
        again = provider.release(deal, 582_000, "CNY", key, supplier)
        assert result.status == "executed" and result.reference == "tr_1TestTransfer"
        assert again == result

        # The exact request: one POST, with our idempotency key, recorded in our table.
        assert len(http.calls) == 1
        method, url, headers, form = http.calls[0]
        assert (method, url) == ("post", "https://stripe.invalid/v1/transfers")
        assert headers["Idempotency-Key"] == key
        assert headers["Authorization"] == "Bearer sk_test_x"
        assert form == {
            "amount": "582000",
            "currency": "cny",
            "destination": "acct_1Supplier",
            "transfer_group": f"deal-{did}",
            "metadata[deal_id]": str(did),
            "metadata[idempotency_key]": key,
        }
        row = db.session.scalars(select(StripeRequest)).one()
        assert (row.kind, row.object_id, row.idempotency_key) == (
            "transfer",
            "tr_1TestTransfer",
            key,
        )

        # Without a connected account: a payout instruction for an operator, no request.
        plain = Beneficiary(deal.supplier_org_id, "供应方")
        pending = provider.release(deal, 100, "CNY", f"deal:{did}:other", plain)
        assert pending.status == "pending" and "bank transfer" in pending.instructions
        assert pending.details["reason"] == "no_connected_account"
        assert (pending.details["payee"], pending.details["amount"]) == ("供应方", 100)
        assert len(http.calls) == 1
        db.session.rollback()


class RefusingHTTPClient(RecordingHTTPClient):
    """Stripe refuses the transfer (e.g. the platform balance is too low)."""

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.calls.append((method, url, dict(headers or {}), {}))
        error = {"error": {"type": "invalid_request_error", "message": "Insufficient funds"}}
        return json.dumps(error), 400, {"request-id": "req_refused"}


def test_a_refused_transfer_becomes_a_payout_instruction(app, make):
    http = RefusingHTTPClient()
    with app.app_context():
        did, deal, provider, supplier = agreed_deal_and_provider(make, http)
        result = provider.release(deal, 582_000, "CNY", f"deal:{did}:m:1:release", supplier)
        assert result.status == "pending" and "acct_1Supplier" in result.instructions
        assert "Insufficient funds" in result.instructions and len(http.calls) == 1
        assert result.details["reason"] == "transfer_failed"
        assert result.details["error"] == "Insufficient funds"
        assert result.details["remark"].startswith(f"TM-{did}-P")
        row = db.session.scalars(select(StripeRequest)).one()
        assert (row.status, row.object_id) == ("failed", "")
        db.session.rollback()


class TimingOutHTTPClient(RecordingHTTPClient):
    """The request went out and no answer came back: the transfer may exist at Stripe."""

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.calls.append((method, url, dict(headers or {}), {}))
        raise stripe.APIConnectionError("Request timed out")


class FailingHTTPClient(RecordingHTTPClient):
    """Stripe answers 500: whether the transfer was made is unknown."""

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.calls.append((method, url, dict(headers or {}), {}))
        error = {"error": {"type": "api_error", "message": "Something went wrong"}}
        return json.dumps(error), 500, {"request-id": "req_failed"}


@pytest.mark.parametrize("http_class", [TimingOutHTTPClient, FailingHTTPClient])
def test_an_uncertain_transfer_is_never_turned_into_a_manual_payout(app, make, http_class):
    """Paying by hand after a transfer that may have gone through could pay twice: the
    provider says it is unavailable, and the caller undoes everything."""
    http = http_class()
    with app.app_context():
        did, deal, provider, supplier = agreed_deal_and_provider(make, http)
        with pytest.raises(ProviderUnavailable):
            provider.release(deal, 582_000, "CNY", f"deal:{did}:m:1:release", supplier)
        assert http.calls
        db.session.rollback()


def test_concurrent_deliveries_of_the_same_event_have_one_effect(
    stripe_app, cast, stripe_client, live_url
):
    """Real threads against the served app (on PostgreSQL: real concurrent transactions)."""
    from concurrent.futures import ThreadPoolExecutor

    did, funding = stripe_funding(cast)
    intent = pay_by_card(stripe_client, funding).to_dict()
    payload = event("payment_intent.succeeded", intent)

    def deliver(_):
        headers = {"Stripe-Signature": sign(payload), "Content-Type": "application/json"}
        return requests.post(live_url + WEBHOOK_PATH, data=payload, headers=headers, timeout=30)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(deliver, range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert sorted(a.json()["duplicate"] for a in answers) == [False, True, True, True]
    assert fund_transactions(stripe_app, did) == 1 and deal_state(stripe_app, did) == "funded"
    assert len(events(stripe_app)) == 1
