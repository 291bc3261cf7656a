"""Fault drill: PostgreSQL restarts while a buyer's acceptance releases a milestone.

The app reaches the database through a TCP proxy the test controls (tests/tcp_proxy.py):
the shared PostgreSQL server is never restarted. The moment is chosen by a hook on the
engine's ``commit`` event, which fires after every row of the request is written (the
ledger transaction of the release among them) and just before COMMIT is sent:

- cut before COMMIT: the release does not happen; the request answers 503 with
  Retry-After; the same request sent again releases the milestone, once;
- COMMIT reaches the server but its answer is lost: the release happened, once; the
  request answers 503; the same request sent again is refused (409: the milestone is
  already accepted), and nothing moves twice; sent again with the same
  ``Idempotency-Key`` it gets the original 200 and its body (web/idempotency.py: the
  answer was committed with the release), still released once;
- the database is away for a moment (new connections refused): 503 for the API and a
  Chinese page for the browser, then the very same request succeeds once it is back
  (pool_pre_ping replaces the dead pooled connections).

After each, ``ledger.check`` (what `flask ledger check` runs) finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.core import ledger
from marketplace.extensions import db, limiter
from marketplace.models import Deal, DealEvent, JournalTransaction, Milestone, PayoutInstruction
from tests.conftest import LoginClient
from tests.deals.fixtures import deliver, parties, walk
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.real_commits, pytest.mark.drill]
URL = "/api/v1/deals"
COPIED = (
    "TESTING",
    "SECRET_KEY",
    "WTF_CSRF_ENABLED",
    "SERVER_NAME",
    "SEARCH_SYNC",
    "EMBEDDER",
    "ATTACHMENTS_DIR",
    "OFFLINE_BANK_NAME",
    "OFFLINE_BANK_HOLDER",
    "OFFLINE_BANK_ACCOUNT",
)


@pytest.fixture
def proxy(app: Flask) -> Iterator[TcpProxy]:
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "postgresql":
        pytest.skip("a database restart needs a database server (make test-pg)")
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).up()
    yield proxy
    proxy.down()


@pytest.fixture
def drill_app(app: Flask, proxy: TcpProxy) -> Iterator[Flask]:
    """The app as production builds it, its database reached through the proxy."""
    with app.app_context():
        url = make_url(db.engine.url.render_as_string(hide_password=False))
    through = url.set(host="127.0.0.1", port=proxy.port)
    config = {key: app.config[key] for key in COPIED}
    config["SQLALCHEMY_DATABASE_URI"] = through.render_as_string(hide_password=False)
    drilled = create_app(config)
    limiter.enabled = False  # create_app switched the shared limiter on
    drilled.test_client_class = LoginClient
    yield drilled
    with drilled.app_context():
        db.engine.dispose()


@contextmanager
def at_commit_of_release(
    drilled: Flask, deal_id: int, milestone_id: int, act: Callable
) -> Iterator[list]:
    """Call ``act`` once, at the COMMIT of the transaction that holds the release's ledger
    rows (written, not yet committed). Yields a list that holds True once it fired."""
    key = f"deal:{deal_id}:milestone:{milestone_id}:release"
    fired: list = []
    with drilled.app_context():
        engine = db.engine

    def on_commit(conn) -> None:
        if fired:
            return
        written = conn.scalar(
            select(func.count())
            .select_from(JournalTransaction)
            .where(JournalTransaction.idempotency_key == key)
        )
        if written:
            fired.append(True)
            act()

    event.listen(engine, "commit", on_commit)
    try:
        yield fired
    finally:
        event.remove(engine, "commit", on_commit)


# What the database says after the milestone was released, once (facts below).
RELEASED_ONCE = {
    "releases": 1,
    "payouts": 1,
    "accept_events": 1,
    "milestone": "accepted",
    "violations": [],
}


def funded(app: Flask, make) -> tuple:
    p = parties(make)
    with app.app_context():
        deal_id = walk(db.session, p, "funded")
        milestone_id = db.session.get(Deal, deal_id).milestones[0].id
        deliver(db.session, p, deal_id, milestone_id)  # the buyer may accept it
    return p, deal_id, milestone_id


def facts(app: Flask, deal_id: int, milestone_id: int) -> dict:
    """What the database says, read directly (not through the proxy)."""
    with app.app_context():
        s = db.session
        key = f"deal:{deal_id}:milestone:{milestone_id}:release"
        return {
            "releases": s.scalar(
                select(func.count())
                .select_from(JournalTransaction)
                .where(JournalTransaction.idempotency_key == key)
            ),
            "payouts": s.scalar(
                select(func.count())
                .select_from(PayoutInstruction)
                .where(PayoutInstruction.deal_id == deal_id, PayoutInstruction.kind == "release")
            ),
            "accept_events": s.scalar(
                select(func.count())
                .select_from(DealEvent)
                .where(DealEvent.deal_id == deal_id, DealEvent.action == "accept_milestone")
            ),
            "milestone": s.get(Milestone, milestone_id).state,
            "violations": ledger.check(s),
        }


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"].isdigit()
    assert response.json["error"]["status"] == 503
    assert response.json["error"]["code"] == "service_unavailable"


def test_cut_before_commit_releases_nothing_and_the_retry_releases_once(
    app, make, proxy, drill_app
):
    p, deal_id, milestone_id = funded(app, make)
    buyer = drill_app.test_client(user=p.buyer)
    path = f"{URL}/{deal_id}/milestones/{milestone_id}/accept"

    with at_commit_of_release(drill_app, deal_id, milestone_id, proxy.cut) as fired:
        assert_unavailable(buyer.post(path))
    assert fired
    before = facts(app, deal_id, milestone_id)
    assert before == {
        "releases": 0,
        "payouts": 0,
        "accept_events": 0,
        "milestone": "delivered",  # still awaiting acceptance
        "violations": [],
    }

    retried = buyer.post(path)
    assert retried.status_code == 200, retried.json
    accepted = next(m for m in retried.json["milestones"] if m["id"] == milestone_id)
    assert accepted["state"] == "accepted" and accepted["released_amount"] == 600_000
    assert facts(app, deal_id, milestone_id) == RELEASED_ONCE


def test_lost_answer_to_commit_released_once_and_the_retry_moves_nothing(
    app, make, proxy, drill_app
):
    p, deal_id, milestone_id = funded(app, make)
    buyer = drill_app.test_client(user=p.buyer)
    path = f"{URL}/{deal_id}/milestones/{milestone_id}/accept"

    with at_commit_of_release(drill_app, deal_id, milestone_id, proxy.cut_after_reply) as fired:
        assert_unavailable(buyer.post(path))
    assert fired
    assert facts(app, deal_id, milestone_id) == RELEASED_ONCE

    retried = buyer.post(path)
    assert retried.status_code == 409, retried.json
    assert retried.json["error"]["code"] == "milestone_state"  # 409: accepted already
    shown = buyer.get(f"{URL}/{deal_id}").json
    assert next(m for m in shown["milestones"] if m["id"] == milestone_id)["state"] == "accepted"
    assert facts(app, deal_id, milestone_id) == RELEASED_ONCE


def test_database_away_answers_503_then_the_same_request_succeeds(app, make, proxy, drill_app):
    p, deal_id, milestone_id = funded(app, make)
    buyer = drill_app.test_client(user=p.buyer)
    path = f"{URL}/{deal_id}/milestones/{milestone_id}/accept"
    assert buyer.get(f"{URL}/{deal_id}").status_code == 200  # a pooled connection exists

    proxy.down()
    assert_unavailable(buyer.post(path))
    page = buyer.post(f"/deals/{deal_id}/milestones/{milestone_id}/accept")
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    html = page.get_data(as_text=True)
    assert "服务暂时不可用" in html and "Traceback" not in html
    assert facts(app, deal_id, milestone_id)["releases"] == 0

    proxy.up()
    retried = buyer.post(path)
    assert retried.status_code == 200, retried.json
    assert facts(app, deal_id, milestone_id) == RELEASED_ONCE


def test_lost_connection_is_503_on_sqlite_too(app, make, monkeypatch):
    """The mapping itself, on every database: a disconnect raised inside a request."""
    from sqlalchemy.exc import OperationalError

    from marketplace.deals import delivery

    def lost(*args, **kwargs):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    p, deal_id, milestone_id = funded(app, make)
    monkeypatch.setattr(delivery, "accept_milestone", lost)
    buyer = app.test_client(user=p.buyer)
    assert_unavailable(buyer.post(f"{URL}/{deal_id}/milestones/{milestone_id}/accept"))
    page = buyer.post(f"/deals/{deal_id}/milestones/{milestone_id}/accept")
    assert page.status_code == 503 and "请在 5 秒后重试" in page.get_data(as_text=True)
    assert facts(app, deal_id, milestone_id)["releases"] == 0


def test_a_wrong_query_on_sqlite_stays_a_500(app, make, monkeypatch):
    """SQLite says OperationalError for a missing table too: that is a bug, not an outage."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from marketplace.deals import delivery

    def wrong(*args, **kwargs):
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: nothing"))

    p, deal_id, milestone_id = funded(app, make)
    monkeypatch.setattr(delivery, "accept_milestone", wrong)
    app.testing = False  # answer as production does instead of raising into the test
    try:
        answer = app.test_client(user=p.buyer).post(
            f"{URL}/{deal_id}/milestones/{milestone_id}/accept"
        )
    finally:
        app.testing = True
    assert answer.status_code == 500 and "Retry-After" not in answer.headers


def test_lost_answer_to_commit_with_an_idempotency_key_replays_the_original_200(
    app, make, proxy, drill_app
):
    p, deal_id, milestone_id = funded(app, make)
    buyer = drill_app.test_client(user=p.buyer)
    path = f"{URL}/{deal_id}/milestones/{milestone_id}/accept"
    key = {"Idempotency-Key": f"accept-{deal_id}-{milestone_id}"}

    with at_commit_of_release(drill_app, deal_id, milestone_id, proxy.cut_after_reply) as fired:
        assert_unavailable(buyer.post(path, headers=key))
    assert fired
    assert facts(app, deal_id, milestone_id) == RELEASED_ONCE

    retried = buyer.post(path, headers=key)
    assert retried.status_code == 200, retried.json
    assert retried.headers["Idempotent-Replayed"] == "true"
    accepted = next(m for m in retried.json["milestones"] if m["id"] == milestone_id)
    assert accepted["state"] == "accepted" and accepted["released_amount"] == 600_000
    assert facts(app, deal_id, milestone_id) == RELEASED_ONCE  # the ledger moved once
    again = buyer.post(path, headers=key)
    assert again.status_code == 200 and again.json == retried.json


def test_cut_before_commit_with_an_idempotency_key_keeps_no_answer(app, make, proxy, drill_app):
    """Neither the release nor its answer was committed: the retry with the key acts."""
    p, deal_id, milestone_id = funded(app, make)
    buyer = drill_app.test_client(user=p.buyer)
    path = f"{URL}/{deal_id}/milestones/{milestone_id}/accept"
    key = {"Idempotency-Key": "accept-once"}

    with at_commit_of_release(drill_app, deal_id, milestone_id, proxy.cut) as fired:
        assert_unavailable(buyer.post(path, headers=key))
    assert fired and facts(app, deal_id, milestone_id)["releases"] == 0

    retried = buyer.post(path, headers=key)
    assert retried.status_code == 200, retried.json
    assert "Idempotent-Replayed" not in retried.headers
    assert facts(app, deal_id, milestone_id)["releases"] == 1
