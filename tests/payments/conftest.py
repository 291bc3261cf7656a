"""Fixtures for the Stripe tests: one localstripe for the session, the app pointed at it
(for these tests only), the app served on a free port so that localstripe can deliver
webhooks to it, and signed fixture events for what localstripe does not emit."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import stripe
from flask import Flask
from werkzeug.serving import make_server

from tests.api.test_deals_api import cast  # noqa: F401 (the deal tests' parties fixture)

WEBHOOK_SECRET = "whsec_test_techmarket"
WEBHOOK_PATH = "/api/v1/payments/stripe/webhook"
STRIPE_CONFIG = ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    """A localstripe for the test session. It keeps its state in /tmp/localstripe.pickle,
    so only one instance may run at a time; --from-scratch starts it empty."""
    exe = shutil.which("localstripe") or os.path.join(
        os.path.dirname(sys.executable), "localstripe"
    )
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="localstripe-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/v1/customers")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def live_url(app: Flask) -> Iterator[str]:
    """The app served on a free loopback port (localstripe posts webhooks here)."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def stripe_app(app: Flask, localstripe_url: str) -> Iterator[Flask]:
    """The app with the stripe provider (pointed at localstripe) for one test."""
    requests.delete(localstripe_url + "/_config/data", timeout=5).raise_for_status()
    saved = {k: app.config.get(k) for k in STRIPE_CONFIG}
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_techmarket",
        STRIPE_API_BASE=localstripe_url,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    app.extensions.pop("payments_gateway", None)  # rebuilt from the config above
    try:
        yield app
    finally:
        # DELETE /_config/data keeps registered webhooks: silence ours, so that a delivery
        # still scheduled (localstripe waits a second) does not reach the next test.
        register_webhook(localstripe_url, "http://127.0.0.1:9/unused", events=[])
        app.config.update(saved)
        app.extensions.pop("payments_gateway", None)


def register_webhook(localstripe_url: str, url: str, events: list[str] | None = None) -> None:
    """Ask localstripe to deliver events to ``url`` (by default the two it emits)."""
    events = (
        ["payment_intent.succeeded", "payment_intent.payment_failed"] if events is None else events
    )
    body = {"url": url, "secret": WEBHOOK_SECRET, "events": events}
    requests.post(
        f"{localstripe_url}/_config/webhooks/techmarket", json=body, timeout=5
    ).raise_for_status()


@pytest.fixture
def stripe_client(localstripe_url: str) -> stripe.StripeClient:
    """What the buyer's browser (Stripe.js) would do, talking to localstripe directly."""
    return stripe.StripeClient("sk_test_techmarket", base_addresses={"api": localstripe_url})


def sign(payload: str, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header by the real scheme: v1 = HMAC-SHA256(secret, "t.payload")."""
    t = int(time.time()) if at is None else at
    mac = stripe.WebhookSignature._compute_signature(f"{t}.{payload}", secret)
    return f"t={t},v1={mac}"


def event(event_type: str, obj: dict, event_id: str | None = None) -> str:
    """A fixture event in Stripe's shape (for the events localstripe does not emit)."""
    return json.dumps(
        {
            "id": event_id or f"evt_{event_type.replace('.', '_')}_{obj['id']}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    )
