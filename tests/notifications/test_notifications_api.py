"""Notifications, preferences and saved searches through the API: each user sees only
their own, bad input is a 422 with field messages."""

from __future__ import annotations

import threading

import pytest

from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.notifications import inbox as notifications

URL = "/api/v1/notifications"
SAVED = "/api/v1/saved-searches"


@pytest.fixture
def two(make):
    return make.user("enterprise_member"), make.user("enterprise_member")


def _notify(app, user, listing_id, kind="saved_search", **payload):
    with app.app_context():
        new_id = notifications.create(
            db.session,
            user_id=user.id,
            kind=kind,
            listing_id=listing_id,
            payload={"search_name": "钠电", "item_title": "钠离子电池", **payload},
        )
        db.session.commit()
        return new_id


@pytest.fixture
def listings(make):
    seller = make.user("researcher")
    return [make.listing(seller, status="published").id for _ in range(3)]


def test_each_user_sees_only_their_own_notifications(app, two, listings):
    alice, bob = two
    a1 = _notify(app, alice, listings[0])
    a2 = _notify(app, alice, listings[1])
    b1 = _notify(app, bob, listings[0])
    a, b = app.test_client(user=alice), app.test_client(user=bob)

    r = a.get(URL)
    assert r.status_code == 200
    assert [n["id"] for n in r.json["items"]] == [a2, a1]
    assert r.json["unread"] == 2 and r.json["meta"]["total"] == 2
    item = r.json["items"][0]
    assert item["target_type"] == "listings" and item["target_id"] == listings[1]
    assert item["link"] == f"/listings/{listings[1]}"
    assert "钠电" in item["title"]
    assert a.get(f"{URL}/unread-count").json == {"unread": 2}

    # Bob cannot read or mark Alice's notification: it does not exist for him.
    assert b.post(f"{URL}/{a1}/read").status_code == 404
    assert [n["id"] for n in b.get(URL).json["items"]] == [b1]

    r = a.post(f"{URL}/{a1}/read")
    assert r.status_code == 200 and r.json["read_at"] is not None
    assert a.post(f"{URL}/{a1}/read").status_code == 200  # again is fine
    assert [n["id"] for n in a.get(URL, query_string={"unread": "true"}).json["items"]] == [a2]
    assert a.post(f"{URL}/read-all").json == {"marked": 1}
    assert a.get(f"{URL}/unread-count").json == {"unread": 0}
    assert b.get(f"{URL}/unread-count").json == {"unread": 1}  # Bob's untouched


def test_anonymous_callers_get_401(client):
    for method, url in (
        ("get", URL),
        ("get", f"{URL}/unread-count"),
        ("post", f"{URL}/read-all"),
        ("get", f"{URL}/preferences"),
        ("get", SAVED),
    ):
        r = getattr(client, method)(url)
        assert r.status_code == 401, url
        assert r.json["error"]["code"] == "unauthorized"


def test_bad_query_arguments_are_422(app, two):
    r = app.test_client(user=two[0]).get(URL, query_string={"per_page": 0, "unread": "maybe"})
    assert r.status_code == 422
    assert set(r.json["error"]["fields"]) == {"per_page", "unread"}


def test_preferences(app, two):
    alice, bob = two
    a = app.test_client(user=alice)
    defaults = {
        "match_alerts": True,
        "saved_search_alerts": True,
        "deal_events": True,
        "broker_events": True,
        "publication_events": True,
        "auction_events": True,
        "challenge_events": True,
        "email": True,
    }
    assert a.get(f"{URL}/preferences").json == defaults
    r = a.put(f"{URL}/preferences", json={"match_alerts": False})
    assert r.status_code == 200 and r.json == defaults | {"match_alerts": False}
    r = a.put(f"{URL}/preferences", json={"email": False, "deal_events": False})
    assert r.json == defaults | {"match_alerts": False, "email": False, "deal_events": False}
    assert app.test_client(user=bob).get(f"{URL}/preferences").json == defaults

    for body, field in (
        ({"email": "sometimes"}, "email"),
        ({"match_alerts": None}, "match_alerts"),
        ({"sms": True}, "sms"),
        ({}, "_schema"),
    ):
        r = a.put(f"{URL}/preferences", json=body)
        assert r.status_code == 422, body
        assert field in r.json["error"]["fields"], r.json


def test_saved_search_crud_and_validation(app, two):
    alice, bob = two
    a, b = app.test_client(user=alice), app.test_client(user=bob)
    body = {
        "name": "钠电正极",
        "doc_type": "listings",
        "query": {"q": "钠离子电池", "domain": ["new_energy"], "trl_min": 5},
    }
    r = a.post(SAVED, json=body)
    assert r.status_code == 201, r.json
    saved = r.json
    assert saved["query"] == body["query"] and saved["alerts"] is True
    assert saved["last_notified_at"] is None

    bad = [
        ({**body, "name": ""}, ["name"]),
        ({**body, "name": "   "}, ["name"]),  # blank once trimmed
        ({k: v for k, v in body.items() if k != "name"}, ["name"]),
        ({**body, "doc_type": "patents"}, ["doc_type"]),
        ({**body, "name": "x", "query": {"domain": ["moon_mining"]}}, ["query"]),
        ({**body, "name": "x", "query": {"page": 2}}, ["query"]),
        ({**body, "name": "x", "query": {"trl_min": 12}}, ["query"]),
        ({**body, "name": "x", "doc_type": "demands", "query": {"trl_min": 5}}, ["query"]),
        ({**body, "name": "x", "query": "钠"}, ["query"]),
        ({**body, "extra": 1}, ["extra"]),
        (body, ["name"]),  # the same name twice
    ]
    for payload, fields in bad:
        r = a.post(SAVED, json=payload)
        assert r.status_code == 422, (payload, r.json)
        assert sorted(r.json["error"]["fields"]) == fields, (payload, r.json)
    r = a.post(SAVED, json={**body, "name": "x", "query": {"domain": ["moon_mining"]}})
    assert "domain" in r.json["error"]["fields"]["query"]

    # Bob sees nothing of Alice's.
    assert b.get(SAVED).json == {"items": []}
    sid = saved["id"]
    assert b.get(f"{SAVED}/{sid}").status_code == 404
    assert b.patch(f"{SAVED}/{sid}", json={"alerts": False}).status_code == 404
    assert b.delete(f"{SAVED}/{sid}").status_code == 404
    assert b.post(SAVED, json=body).status_code == 201  # names are per user

    r = a.patch(f"{SAVED}/{sid}", json={"alerts": False, "name": "钠电"})
    assert r.status_code == 200 and r.json["alerts"] is False and r.json["name"] == "钠电"
    r = a.patch(f"{SAVED}/{sid}", json={"query": {"legal_status": ["expired"]}})
    assert r.status_code == 422 and "query" in r.json["error"]["fields"]
    r = a.patch(f"{SAVED}/{sid}", json={"query": {"q": "钠电池", "legal_status": ["granted"]}})
    assert r.json["query"] == {"q": "钠电池", "legal_status": ["granted"]}
    assert [s["id"] for s in a.get(SAVED).json["items"]] == [sid]
    assert a.delete(f"{SAVED}/{sid}").status_code == 204
    assert a.get(f"{SAVED}/{sid}").status_code == 404


@pytest.mark.real_commits  # real threads, each with its own connection
def test_concurrent_inserts_of_one_pair_leave_one_row(app, two, listings):
    """Two workers notifying the same user about the same item at the same moment."""
    alice = two[0]
    results, barrier = [], threading.Barrier(4)

    def worker():
        with app.app_context():
            barrier.wait()
            new_id = notifications.create(
                db.session, user_id=alice.id, kind="saved_search", listing_id=listings[0]
            )
            db.session.commit()
            results.append(new_id)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    assert len([r for r in results if r is not None]) == 1
    with app.app_context():
        assert db.session.query(Notification).filter_by(kind="saved_search").count() == 1
