"""Match and saved-search alerts, run by the outbox worker after Elasticsearch
acknowledged the new item: once per pair, opt-out respected, never for unpublished items,
and a failing alert never holds up search sync."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from marketplace.catalog import publication
from marketplace.discovery import alerts, outbox, saved_searches
from marketplace.discovery.index import search_index
from marketplace.extensions import db
from marketplace.models import AlertJob, Demand, Listing, Notification, SavedSearch, User
from marketplace.notifications import inbox as notifications
from tests.notifications.conftest import jobs, mails, notes, work

BATTERY_DEMAND = {
    "title": "电动两轮车想用钠离子电池降低电池包成本",
    "description": "寻找长寿命、高电压稳定的钠离子电池正极材料技术，可独家许可或合作开发。",
}
MAGNET_LISTING = {
    "title": "一种低重稀土钕铁硼永磁体的晶界扩散方法",
    "summary": "晶界扩散镝，矫顽力提升，用于电机磁钢",
    "description": "",
    "domain": "rare_earth_magnets",
    "tags": ["钕铁硼", "永磁体"],
    "patents": [],
}


@pytest.fixture
def parties(search_app, make):
    """An enterprise with two members and a university with one."""
    buyer = make.user("enterprise_member")
    colleague = make.user("enterprise_member", organization=buyer.organization)
    seller = make.user("researcher")
    # These tests are about alerts: the fixtures' own reviews ("your listing is
    # published", tested in test_events.py) would only add mails to count around.
    with search_app.app_context():
        for user in (buyer, colleague, seller):
            notifications.set_preferences(db.session, user, {"publication_events": False})
    return buyer, colleague, seller


def test_new_listing_notifies_every_member_of_the_matching_demand_once(
    search_app, make, parties, mailbox
):
    buyer, colleague, seller = parties
    demand = make.demand(buyer, status="published", **BATTERY_DEMAND)
    work(search_app)
    listing = make.listing(seller, status="published")
    work(search_app)

    got = notes(search_app, kind="match_listing")
    assert sorted(n.user_id for n in got) == sorted([buyer.id, colleague.id])
    assert {(n.listing_id, n.demand_id) for n in got} == {(listing.id, demand.id)}
    assert got[0].payload["demand_title"] == demand.title
    assert got[0].payload["matched_terms"]
    assert notes(search_app, user=seller) == []  # the new listing's own side hears nothing
    sent = mails(mailbox)
    assert sorted(m["to"] for m in sent) == sorted([buyer.email, colleague.email])
    assert demand.title in sent[0]["subject"]
    assert f"/listings/{listing.id}" in sent[0]["body"]

    # The worker again, and the same publication acknowledged again: nothing new.
    work(search_app)
    with search_app.app_context():
        assert alerts.enqueue(db.session, [("listings", listing.id)]) == 0
        db.session.commit()
    work(search_app)
    assert len(notes(search_app, kind="match_listing")) == 2
    assert len(mails(mailbox)) == 2


def test_a_job_run_twice_still_notifies_once(search_app, make, parties, mailbox):
    buyer, colleague, seller = parties
    make.demand(buyer, status="published", **BATTERY_DEMAND)
    make.listing(seller, status="published")
    work(search_app)
    # Both are new: the demand's members hear of the listing, the seller of the demand.
    assert sorted(n.kind for n in notes(search_app)) == ["match_demand"] + ["match_listing"] * 2
    # A second worker that ran the same job (SQLite cannot skip a locked row): the unique
    # index turns its inserts into no-ops and it sends no e-mail.
    with search_app.app_context():
        db.session.execute(update(AlertJob).values(done_at=None, next_attempt_at=None))
        db.session.commit()
        result = alerts.run_due(db.session)
    assert result.jobs_done == 2 and result.notified == 0 and result.mailed == 0
    assert len(notes(search_app)) == 3
    assert len(mails(mailbox)) == 3


def test_new_demand_notifies_the_owners_of_matching_listings(search_app, make, parties):
    buyer, _, seller = parties
    listing = make.listing(seller, status="published")
    work(search_app)
    demand = make.demand(buyer, status="published", **BATTERY_DEMAND)
    work(search_app)
    got = notes(search_app, kind="match_demand")
    assert [(n.user_id, n.listing_id, n.demand_id) for n in got] == [
        (seller.id, listing.id, demand.id)
    ]
    assert notes(search_app, user=buyer) == []


def test_opt_out_of_match_alerts_and_of_email(search_app, make, parties, mailbox):
    buyer, colleague, seller = parties
    with search_app.app_context():
        notifications.set_preferences(
            db.session, db.session.get(User, buyer.id), {"match_alerts": False}
        )
        notifications.set_preferences(
            db.session, db.session.get(User, colleague.id), {"email": False}
        )
        db.session.commit()
    make.demand(buyer, status="published", **BATTERY_DEMAND)
    work(search_app)
    make.listing(seller, status="published")
    work(search_app)
    assert notes(search_app, user=buyer) == []
    (note,) = notes(search_app, user=colleague)
    assert note.email_state == "none"
    assert mails(mailbox) == []


def test_no_alerts_for_items_that_are_not_published(search_app, make, parties):
    buyer, colleague, seller = parties
    demand = make.demand(buyer, status="published", **BATTERY_DEMAND)
    for status in ("draft", "pending_review", "rejected"):
        make.listing(seller, status=status)
    work(search_app)
    assert jobs(search_app)[-1].doc_type == "demands"  # only the demand's publication
    assert notes(search_app) == []

    # Published and acknowledged, then withdrawn before the worker ran its job.
    listing = make.listing(seller, status="published")
    with search_app.app_context():
        owner = db.session.get(User, seller.id)
        publication.transition(db.session, Listing, listing.id, "withdraw", owner)
        db.session.commit()
    work(search_app)
    assert notes(search_app) == []
    assert all(j.done_at is not None for j in jobs(search_app))

    # A withdrawn demand is not told about a new listing either.
    with search_app.app_context():
        publication.transition(
            db.session, Demand, demand.id, "withdraw", db.session.get(User, buyer.id)
        )
        db.session.commit()
    make.listing(seller, status="published")
    work(search_app)
    assert notes(search_app) == []


def test_a_failing_alert_never_holds_up_search_sync_and_is_retried(
    search_app, make, parties, monkeypatch
):
    buyer, _, seller = parties
    make.demand(buyer, status="published", **BATTERY_DEMAND)
    work(search_app)

    def broken(*args, **kwargs):
        raise RuntimeError("matcher down")

    monkeypatch.setattr(alerts, "find_matches", broken)
    listing = make.listing(seller, status="published")
    work(search_app)
    with search_app.app_context():
        assert outbox.backlog(db.session) == 0
        index = search_index()
        index.refresh("listings")
        assert str(listing.id) in index.ids("listings")
    job = jobs(search_app)[-1]
    assert job.doc_id == listing.id and job.done_at is None
    assert job.attempts == 1 and "matcher down" in job.last_error
    assert notes(search_app) == []

    monkeypatch.undo()
    with search_app.app_context():
        db.session.execute(update(AlertJob).values(next_attempt_at=None))
        db.session.commit()
    work(search_app)
    assert len(notes(search_app, kind="match_listing")) == 2
    assert jobs(search_app)[-1].done_at is not None


def _save(app, user, name, doc_type="listings", alerts_on=True, **query):
    with app.app_context():
        saved = saved_searches.create(
            db.session,
            db.session.get(User, user.id),
            name=name,
            doc_type=doc_type,
            query=query,
            alerts=alerts_on,
        )
        db.session.commit()
        return saved.id


def test_saved_search_alerts(search_app, make, parties, mailbox):
    buyer, colleague, seller = parties
    watching = _save(search_app, buyer, "钠电", q="钠离子电池", domain=["new_energy"])
    _save(search_app, buyer, "其他领域", q="钠离子电池", domain=["ai"])
    _save(search_app, colleague, "静音", alerts_on=False, q="钠离子电池")
    lurker = make.user("enterprise_member")
    _save(search_app, lurker, "钠电", q="钠离子电池")
    with search_app.app_context():
        notifications.set_preferences(
            db.session, db.session.get(User, lurker.id), {"saved_search_alerts": False}
        )
        db.session.commit()

    listing = make.listing(seller, status="published")
    make.listing(seller, status="published", **MAGNET_LISTING)
    work(search_app)

    got = notes(search_app, kind="saved_search")
    assert [(n.user_id, n.listing_id, n.saved_search_id) for n in got] == [
        (buyer.id, listing.id, watching)
    ]
    assert got[0].payload == {"search_name": "钠电", "item_title": listing.title}
    assert any("钠电" in m["subject"] for m in mails(mailbox))
    with search_app.app_context():
        saved = db.session.get(SavedSearch, watching)
        published = db.session.get(Listing, listing.id).published_at
        assert saved_searches.aware(saved.last_notified_at) == saved_searches.aware(published)
        # Nothing is new after the watermark until another match is published.
        assert saved_searches.new_results(db.session, saved)["items"] == []
    work(search_app)
    assert len(notes(search_app, kind="saved_search")) == 1


def test_saved_search_is_not_alerted_about_its_owners_own_items(search_app, make):
    seller = make.user("researcher")
    _save(search_app, seller, "钠电", q="钠离子电池")
    make.listing(seller, status="published")
    work(search_app)
    assert notes(search_app) == []


def test_new_results_since_the_watermark(search_app, make):
    seller, reader = make.user("researcher"), make.user("enterprise_member")
    make.listing(seller, status="published")
    work(search_app)
    # Alerts off: the watermark stays at the moment it was saved.
    saved_id = _save(search_app, reader, "钠电", alerts_on=False, q="钠离子电池")
    client = search_app.test_client(user=reader)
    r = client.get(f"/api/v1/saved-searches/{saved_id}/new")
    assert r.status_code == 200 and r.json["total"] == 0  # the old listing is not new
    newer = make.listing(seller, status="published")
    make.listing(seller, status="published", **MAGNET_LISTING)
    work(search_app)
    r = client.get(f"/api/v1/saved-searches/{saved_id}/new")
    assert [item["id"] for item in r.json["items"]] == [newer.id]
    assert (
        search_app.test_client(user=seller)
        .get(f"/api/v1/saved-searches/{saved_id}/new")
        .status_code
        == 404
    )


def test_notification_rows_are_unique_per_user_kind_listing_demand(search_app, make, parties):
    buyer, _, seller = parties
    listing = make.listing(seller, status="published")
    with search_app.app_context():
        first = notifications.create(
            db.session, user_id=buyer.id, kind="saved_search", listing_id=listing.id
        )
        again = notifications.create(
            db.session, user_id=buyer.id, kind="saved_search", listing_id=listing.id
        )
        db.session.commit()
        assert first is not None and again is None
        # The database itself refuses a second row, whatever the code does.
        from sqlalchemy.exc import IntegrityError

        db.session.add(Notification(user_id=buyer.id, kind="saved_search", listing_id=listing.id))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        count = len(list(db.session.scalars(select(Notification))))
    assert count == 1


def test_two_workers_draining_at_once_notify_once(search_app, make, parties, mailbox):
    buyer, colleague, seller = parties
    make.demand(buyer, status="published", **BATTERY_DEMAND)
    work(search_app)
    search_app.config["SEARCH_SYNC"] = "worker"  # leave the outbox to the two workers
    listing = make.listing(seller, status="published")
    errors, barrier = [], threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            work(search_app)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            with search_app.app_context():
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    work(search_app)  # whatever one of them left (a row the other held) is done now
    got = notes(search_app, kind="match_listing")
    assert sorted(n.user_id for n in got) == sorted([buyer.id, colleague.id])
    assert {n.listing_id for n in got} == {listing.id}
    assert len(mails(mailbox)) == 2
