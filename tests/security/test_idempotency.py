"""Idempotency-Key on the API's writes (web/idempotency.py): a retry with the same key
gets the first answer back instead of acting twice; the same key with another request is
a 422; a second request while the first is in flight is a 409; answers expire.

The lost-COMMIT-reply case is in tests/deals/test_database_restart_drill.py (PostgreSQL).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from marketplace.accounts import tokens
from marketplace.extensions import db
from marketplace.models import Deal, IdempotentRequest, JournalTransaction, Listing, User
from marketplace.models.types import utcnow
from marketplace.web import idempotency
from tests.conftest import listing_payload
from tests.deals.fixtures import deliver, parties, walk

LISTINGS = "/api/v1/listings"
DEALS = "/api/v1/deals"


def key(value: str) -> dict:
    return {"Idempotency-Key": value}


def listings_of(app, owner_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Listing).where(Listing.created_by_id == owner_id)
        )


def test_a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing(app, make):
    owner = make.user("researcher")
    client = app.test_client(user=owner)
    first = client.post(LISTINGS, json=listing_payload(), headers=key("create-1"))
    assert first.status_code == 201, first.json
    assert "Idempotent-Replayed" not in first.headers

    again = client.post(LISTINGS, json=listing_payload(), headers=key("create-1"))
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert listings_of(app, owner.id) == 1

    other = client.post(LISTINGS, json=listing_payload(), headers=key("create-2"))
    assert other.status_code == 201 and other.json["id"] != first.json["id"]
    plain = client.post(LISTINGS, json=listing_payload())  # no key: acts every time
    assert plain.status_code == 201
    assert listings_of(app, owner.id) == 3


def test_the_same_key_with_another_request_is_refused(app, make):
    client = app.test_client(user=make.user("researcher"))
    assert client.post(LISTINGS, json=listing_payload(), headers=key("k")).status_code == 201
    changed = client.post(LISTINGS, json=listing_payload(title="另一项技术"), headers=key("k"))
    assert changed.status_code == 422
    assert changed.json["error"]["code"] == "idempotency_key_reused"
    assert "POST /api/v1/listings" in changed.json["error"]["message"]
    elsewhere = client.delete(f"{LISTINGS}/1", headers=key("k"))
    assert elsewhere.status_code == 422


def test_keys_belong_to_their_person(app, make):
    """Two people may use the same key: each gets an answer of their own."""
    one, two = make.user("researcher"), make.user("researcher")
    a = app.test_client(user=one).post(LISTINGS, json=listing_payload(), headers=key("same"))
    b = app.test_client(user=two).post(LISTINGS, json=listing_payload(), headers=key("same"))
    assert a.status_code == b.status_code == 201
    assert a.json["id"] != b.json["id"] and "Idempotent-Replayed" not in b.headers


def test_a_token_shares_its_owners_keys(app, make):
    owner = make.user("researcher")
    with app.app_context():
        _, secret = tokens.create(db.session, db.session.get(User, owner.id), "t", tokens.SCOPES)
    bearer = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "t-1"}
    first = app.test_client().post(LISTINGS, json=listing_payload(), headers=bearer)
    assert first.status_code == 201, first.json
    again = app.test_client(user=owner).post(LISTINGS, json=listing_payload(), headers=key("t-1"))
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json


def test_a_refusal_is_not_kept_so_the_retry_is_judged_afresh(app, make):
    client = app.test_client(user=make.user("researcher"))
    bad = client.post(LISTINGS, json=listing_payload(title=""), headers=key("fix-me"))
    assert bad.status_code == 422 and bad.json["error"]["code"] != "idempotency_key_reused"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotentRequest)) == 0
    # The same key, the request mended: it is a new request, done once.
    good = client.post(LISTINGS, json=listing_payload(), headers=key("fix-me-2"))
    assert good.status_code == 201


@pytest.mark.parametrize("value", ["", "x" * 256, "clé"])
def test_a_malformed_key_is_a_400(app, make, value):
    client = app.test_client(user=make.user("researcher"))
    r = client.post(LISTINGS, json=listing_payload(), headers={"Idempotency-Key": value})
    assert r.status_code == 400
    assert r.json["error"]["code"] == "idempotency_key_invalid"


def test_anonymous_and_account_routes_ignore_the_key(app, make):
    anonymous = app.test_client().post(LISTINGS, json=listing_payload(), headers=key("a"))
    assert anonymous.status_code == 401
    assert not idempotency.kept("auth") and idempotency.kept("deals")
    user = make.user()
    client = app.test_client(user=user)
    # A new token's secret is never stored: the account routes do not keep answers.
    for _ in range(2):
        r = client.post("/api/v1/auth/logout", headers=key("out"))
        assert "Idempotent-Replayed" not in r.headers
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotentRequest)) == 0


def test_answers_expire_and_the_sweep_deletes_them(app, make, monkeypatch):
    owner = make.user("researcher")
    client = app.test_client(user=owner)
    assert client.post(LISTINGS, json=listing_payload(), headers=key("old")).status_code == 201
    with app.app_context():
        row = db.session.scalar(select(IdempotentRequest))
        assert row.expires_at - row.created_at == timedelta(hours=24)
    later = utcnow() + timedelta(hours=25)
    monkeypatch.setattr(idempotency, "utcnow", lambda: later)
    # Expired: the key is free again, and the request acts.
    fresh = client.post(LISTINGS, json=listing_payload(), headers=key("old"))
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert listings_of(app, owner.id) == 2
    assert client.post(LISTINGS, json=listing_payload(), headers=key("new")).status_code == 201
    monkeypatch.setattr(idempotency, "utcnow", lambda: later + timedelta(hours=25))
    result = app.test_cli_runner().invoke(args=["deals", "sweep"])
    assert result.exit_code == 0 and "2 expired idempotency key(s) deleted" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotentRequest)) == 0


def test_an_accept_retried_with_its_key_releases_once(app, make):
    p = parties(make)
    with app.app_context():
        deal_id = walk(db.session, p, "funded")
        milestone_id = db.session.get(Deal, deal_id).milestones[0].id
        deliver(db.session, p, deal_id, milestone_id)
    buyer = app.test_client(user=p.buyer)
    path = f"{DEALS}/{deal_id}/milestones/{milestone_id}/accept"
    first = buyer.post(path, headers=key("accept"))
    assert first.status_code == 200, first.json
    again = buyer.post(path, headers=key("accept"))
    assert again.status_code == 200 and again.json == first.json
    without = buyer.post(path)
    assert without.status_code == 409  # without the key: the state has changed
    with app.app_context():
        releases = db.session.scalar(
            select(func.count())
            .select_from(JournalTransaction)
            .where(
                JournalTransaction.idempotency_key
                == f"deal:{deal_id}:milestone:{milestone_id}:release"
            )
        )
    assert releases == 1


@pytest.mark.real_commits
def test_a_second_request_while_the_first_runs_is_a_409(app, make):
    """PostgreSQL: a request holds its key (a transaction-scoped advisory lock) until it
    commits; another with the same key is refused at once instead of waiting. Here the
    first request's transaction is played by a connection holding that lock."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a request in flight needs a database server (make test-pg)")
    owner = make.user("researcher")
    client = app.test_client(user=owner)
    with app.app_context(), db.engine.connect() as first:
        first.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": idempotency._lock_key(owner.id, "k")}
        )
        second = client.post(LISTINGS, json=listing_payload(), headers=key("k"))
        first.rollback()
    assert second.status_code == 409, second.json
    assert second.json["error"]["code"] == "idempotency_key_in_progress"
    assert listings_of(app, owner.id) == 0
    # The first is over (here: it acted on nothing): the retry acts, once.
    retried = client.post(LISTINGS, json=listing_payload(), headers=key("k"))
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers


@pytest.mark.real_commits
def test_simultaneous_requests_with_one_key_act_once(app, make):
    """Eight threads send one request with one key: one acts, the others get its answer
    or a 409 while it runs; one listing is made (SQLite: the unique constraint)."""
    owner = make.user("researcher")
    barrier = threading.Barrier(8)
    statuses: list[int] = []
    lock = threading.Lock()

    def send():
        client = app.test_client(user=owner)
        barrier.wait()
        r = client.post(LISTINGS, json=listing_payload(), headers=key("race"))
        with lock:
            statuses.append(r.status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(statuses) == 8 and set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    assert listings_of(app, owner.id) == 1


def test_a_delete_retried_with_its_key_is_answered_as_the_first_time(app, make):
    client = app.test_client(user=make.user("researcher"))
    made = client.post(LISTINGS, json=listing_payload())
    assert made.status_code == 201
    url = f"{LISTINGS}/{made.json['id']}"
    first = client.delete(url, headers=key("drop"))
    assert first.status_code == 204
    again = client.delete(url, headers=key("drop"))
    assert again.status_code == 204 and again.headers["Idempotent-Replayed"] == "true"
    assert client.delete(url).status_code == 404  # without the key: it is gone
