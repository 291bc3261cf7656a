"""Several `flask search drain` workers over one outbox, one database and one cluster.

Each outbox row is claimed with SELECT … FOR UPDATE SKIP LOCKED and stays locked until the
commit that marks it done, so two workers never send the same row, and the commit that
marks it done is the one that acknowledged it. What else two workers share must not trip
them: the index they create on a new cluster, and the alert jobs they write in that commit.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from elasticsearch import Elasticsearch
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from marketplace.discovery import alerts, outbox
from marketplace.extensions import db
from marketplace.models import AlertJob, Demand, Listing, MatchState, SearchOutbox
from search.client import IndexNames
from search.indexes import BulkResult, SearchIndex

WORKERS = 2
# The workers are threads with sessions of their own: the rows must really be committed.
pytestmark = pytest.mark.real_commits


def _postgres_only(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("several workers need PostgreSQL's row locks (make test-pg)")


def _run_together(*targets) -> list[BaseException]:
    """Run each target in its own thread, released at once; return what they raised."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target):
        try:
            barrier.wait(timeout=10)
            target()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    return errors


class SlowIndex:
    """Stands in for SearchIndex: acknowledges every action after a pause (so that the
    workers' transactions overlap) and counts what each document received."""

    def __init__(self) -> None:
        self.received: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def ensure(self, doc_type: str) -> str:
        return doc_type

    def vectors_usable(self, doc_type: str) -> bool:
        return False  # a cluster without the embedder's vector field: documents go as text

    def bulk(self, target, actions, refresh=False) -> BulkResult:
        actions = list(actions)
        time.sleep(0.05)
        with self.lock:
            self.received.update((target, a["_id"]) for a in actions)
        return BulkResult(ok={a["_id"] for a in actions})


# The workers' own connections see only what is really committed.
@pytest.mark.real_commits
def test_two_workers_mark_each_outbox_row_done_once(app, make):
    _postgres_only(app)
    owner = make.user("researcher")
    for _ in range(12):
        make.listing(owner, status="published")
    for _ in range(6):
        make.demand(make.user("enterprise_member"), status="published")
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(SearchOutbox))
        db.session.rollback()
    assert rows > 40  # create, submit, publish: several rows per item
    index = SlowIndex()
    done = [0] * WORKERS

    def worker(n: int):
        def run():
            with app.app_context(), Session(db.engine) as session:
                while True:
                    batch = outbox.drain_once(session, index, limit=5, after_ack=alerts.enqueue)
                    done[n] += batch.rows_done
                    if batch.rows_done == 0 and batch.failed == 0:
                        return

        return run

    assert _run_together(*(worker(n) for n in range(WORKERS))) == []
    assert sum(done) == rows, done  # a row done by both workers would count twice
    assert all(done), done  # both took part
    with app.app_context():
        assert outbox.backlog(db.session) == 0
        assert not db.session.scalar(select(SearchOutbox.id).where(SearchOutbox.attempts > 0))
        db.session.rollback()


def _published_copies(model, item_id: int, n: int) -> list[int]:
    """``n`` copies of a published row in one statement (the factory is too slow for many)."""
    table = model.__table__
    columns = ", ".join(c.name for c in table.columns if c.name != "id")
    ids = db.session.scalars(
        text(
            f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {table.name}, "
            f"generate_series(1, :n) WHERE id = :id RETURNING id"
        ),
        {"n": n, "id": item_id},
    ).all()
    db.session.commit()
    return [item_id, *ids]


# The workers' own connections see only what is really committed.
@pytest.mark.real_commits
def test_alert_jobs_from_two_workers_never_deadlock(app, make):
    """Two workers acknowledging the same documents write the same alert jobs, and the
    second one's insert waits for the first's commit (unique key): safe only if both
    insert in one order. Each process iterates its acknowledged set in its own order."""
    _postgres_only(app)
    listing = make.listing(make.user("researcher"), status="published")
    demand = make.demand(make.user("enterprise_member"), status="published")
    with app.app_context():
        docs = [("listings", i) for i in _published_copies(Listing, listing.id, 1000)]
        docs += [("demands", i) for i in _published_copies(Demand, demand.id, 1000)]

    def enqueue(order):
        def run():
            with app.app_context(), Session(db.engine) as session:
                alerts.enqueue(session, order)
                session.commit()

        return run

    for _ in range(3):
        with app.app_context():
            db.session.execute(AlertJob.__table__.delete())
            db.session.commit()
        # One worker's listings first, the other's demands first.
        assert _run_together(enqueue(docs), enqueue(list(reversed(docs)))) == []
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(AlertJob)) == len(docs)
            db.session.rollback()


def test_alert_jobs_are_written_in_one_order_whatever_the_input(app, make):
    owner, buyer = make.user("researcher"), make.user("enterprise_member")
    listings = [("listings", make.listing(owner, status="published").id) for _ in range(3)]
    demands = [("demands", make.demand(buyer, status="published").id) for _ in range(3)]
    with app.app_context():
        alerts.enqueue(db.session, [*reversed(listings), *reversed(demands)])
        db.session.commit()
        written = db.session.execute(
            select(AlertJob.doc_type, AlertJob.doc_id).order_by(AlertJob.id)
        ).all()
    assert [tuple(row) for row in written] == sorted(listings + demands)


def _index(server, prefix: str) -> SearchIndex:
    return SearchIndex(Elasticsearch(server.url, request_timeout=10), IndexNames(prefix))


def _drop(index: SearchIndex) -> None:
    for name in index.versions("listings"):
        index.client.indices.delete(index=name)


def test_two_workers_on_a_new_cluster_share_one_index(search_server, monkeypatch):
    first, second = _index(search_server, "race1"), _index(search_server, "race1")
    # The second worker looked before the first created anything: no alias, no index.
    monkeypatch.setattr(second, "current_index", lambda doc_type: None)
    monkeypatch.setattr(second, "versions", lambda doc_type: [])
    try:
        assert first.ensure("listings") == "race1-listings-v1"
        assert second.ensure("listings") == "race1-listings-v1"
        assert first.versions("listings") == ["race1-listings-v1"]
        assert first.current_index("listings") == "race1-listings-v1"
    finally:
        _drop(first)


def test_an_index_without_its_alias_is_adopted_not_doubled(search_server):
    """Another worker between its create and its alias: a v2 beside it would take the
    alias too, and documents written into v1 would be searched alongside v2's."""
    index = _index(search_server, "race2")
    try:
        index.create_index("listings", 1)
        assert index.ensure("listings") == "race2-listings-v1"
        assert index.versions("listings") == ["race2-listings-v1"]
        assert index.current_index("listings") == "race2-listings-v1"
    finally:
        _drop(index)


def test_a_document_another_worker_is_sending_waits_for_its_commit(app, make):
    """Two rows of one listing (published, then withdrawn) claimed by two workers: the one
    that cannot take the document's lock leaves its row pending, so the older state can
    never reach the index after the newer one (a delete leaves no lasting tombstone)."""
    _postgres_only(app)
    owner = make.user("researcher")
    listing = make.listing(owner, status="published")
    other = make.listing(owner, status="published")
    index = SlowIndex()
    with app.app_context(), Session(db.engine) as holder, Session(db.engine) as worker:
        holder.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:k AS integer), CAST(:i AS integer))"),
            {"k": outbox._DOCUMENT_LOCK["listings"], "i": listing.id},
        )
        batch = outbox.drain_once(worker, index)
        sent = {doc_id for _, doc_id in index.received}
        assert str(listing.id) not in sent and str(other.id) in sent
        pending = worker.scalars(
            select(SearchOutbox.doc_id).where(SearchOutbox.done_at.is_(None))
        ).all()
        assert set(pending) == {listing.id} and batch.rows_done > 0
        holder.commit()  # the other worker is done with it
        outbox.drain_once(worker, index)
        assert str(listing.id) in {doc_id for _, doc_id in index.received}
        assert outbox.backlog(worker) == 0


def test_an_item_another_worker_is_refreshing_is_left_to_it(app, make, monkeypatch):
    """Two workers never recompute one item's stored matches at once (both would delete
    and insert the same rows: a unique violation for one of them)."""
    _postgres_only(app)
    from marketplace.discovery import match_store

    demand = make.demand(make.user("enterprise_member"), status="published")
    other = make.demand(make.user("enterprise_member"), status="published")
    refreshed: list[int] = []
    monkeypatch.setattr(match_store, "search_index", lambda: SlowIndexWithRefresh())

    def refresh(session, doc_type, doc_id):  # what the real one records of its work
        refreshed.append(doc_id)
        session.execute(
            update(MatchState)
            .where(MatchState.doc_type == doc_type, MatchState.doc_id == doc_id)
            .values(stale=False)
        )

    monkeypatch.setattr(match_store, "refresh", refresh)
    with app.app_context(), Session(db.engine) as holder, Session(db.engine) as worker:
        match_store._mark_stale(worker, "demands", [demand.id, other.id])
        worker.commit()
        holder.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:k AS integer), CAST(:i AS integer))"),
            {"k": match_store._REFRESH_LOCK["demands"], "i": demand.id},
        )
        match_store.refresh_due(worker)
        assert refreshed == [other.id]
        holder.commit()
        match_store.refresh_due(worker)
        assert refreshed == [other.id, demand.id]


class SlowIndexWithRefresh(SlowIndex):
    def refresh(self, doc_type: str) -> None:
        pass
