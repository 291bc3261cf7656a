"""Zero-loss index sync: the outbox survives an outage; reindex swaps without downtime."""

import shutil
import tempfile
import threading

from marketplace.discovery import outbox, reindex, worker
from marketplace.discovery.index import search_index
from marketplace.extensions import db
from marketplace.models import SearchOutbox
from tests.conftest import listing_payload
from tests.search.conftest import SearchServer, refresh
from tests.search.helpers import generate_listings

URL = "/api/v1/search/listings"


def test_outage_queues_writes_and_drain_catches_up(app, make):
    data_dir = tempfile.mkdtemp(prefix="techmarket-outage-")
    server = SearchServer(data_dir)
    server.start()
    saved = dict(app.config)
    app.config.update(
        ELASTICSEARCH_URL=server.url, ELASTICSEARCH_INDEX_PREFIX="outage", SEARCH_SYNC="inline"
    )
    app.extensions.pop("search_index", None)
    try:
        owner, op = make.user("researcher"), make.operator()
        o, p = app.test_client(user=owner), app.test_client(user=op)
        before = make.listing(owner, status="published")
        to_unpublish = make.listing(owner, status="published")
        with app.app_context():
            assert reindex.compare(db.session, search_index(), "listings")["in_sync"]

        server.stop()
        created = []
        for _ in range(3):
            lid = o.post("/api/v1/listings", json=listing_payload()).json["id"]
            assert o.post(f"/api/v1/listings/{lid}/submit").status_code == 200
            assert p.post(f"/api/v1/listings/{lid}/publish").status_code == 200
            created.append(lid)
        assert o.post(f"/api/v1/listings/{to_unpublish.id}/withdraw").status_code == 200
        assert o.patch(f"/api/v1/listings/{before.id}", json={"trl": 9}).status_code == 200
        r = app.test_client().get(URL, query_string={"q": "电池"})
        assert r.status_code == 200 and r.json["degraded"] is True
        with app.app_context():
            assert outbox.backlog(db.session) > 0

        server.start()
        with app.app_context():
            outbox.retry_now(db.session)
            worker.drain(db.session, search_index(), once=True)
            assert outbox.backlog(db.session) == 0
            index = search_index()
            index.refresh("listings")
            report = reindex.compare(db.session, index, "listings")
            assert report["in_sync"], report
            assert set(index.ids("listings")) == {str(i) for i in created}
            errors = db.session.query(SearchOutbox).filter(SearchOutbox.attempts > 0).count()
            assert errors > 0  # the outage was really seen and retried
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        app.extensions.pop("search_index", None)
        app.config.clear()
        app.config.update(saved)


def test_reindex_during_searches_never_fails_a_search(search_app):
    generate_listings(search_app, 300)
    with search_app.app_context():
        index = search_index()
        reindex.reindex(db.session, index, "listings")
    refresh(search_app)
    failures, totals, stop = [], [], threading.Event()

    def searcher():
        client = search_app.test_client()
        while not stop.is_set():
            r = client.get(URL, query_string={"per_page": 1})
            if r.status_code != 200 or r.json["degraded"]:
                failures.append(r.status_code)
            else:
                totals.append(r.json["total"])

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        with search_app.app_context():
            for _ in range(2):
                new, old, count = reindex.reindex(db.session, search_index(), "listings")
                assert count == 300 and new != old
    finally:
        stop.set()
        thread.join(timeout=30)
    assert failures == []
    assert totals and set(totals) == {300}
    with search_app.app_context():
        index = search_index()
        assert index.versions("listings") == [index.current_index("listings")]


def test_changes_during_reindex_are_replayed(search_app, make):
    owner = make.user("researcher")
    first = make.listing(owner, status="published")
    with search_app.app_context():
        index = search_index()
        original = reindex.published_documents

        def slow_documents(session, doc_type, chunk=1000, **options):
            yield from original(session, doc_type, chunk, **options)
            # A publication committed while the new index is being built:
            make.listing(owner, status="published", title="重建索引期间发布的成果")

        reindex.published_documents = slow_documents
        try:
            reindex.reindex(db.session, index, "listings")
        finally:
            reindex.published_documents = original
        index.refresh("listings")
        report = reindex.compare(db.session, index, "listings")
    assert report["in_sync"] and report["database"] == 2, report
    assert first.id


def test_cli_drain_reindex_status(search_app, make):
    owner = make.user("researcher")
    search_app.config["SEARCH_SYNC"] = "worker"
    make.listing(owner, status="published")
    runner = search_app.test_cli_runner()
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 1 and "OUT OF SYNC" in result.output
    result = runner.invoke(args=["search", "drain", "--once"])
    assert result.exit_code == 0, result.output
    assert "0 pending" in result.output
    refresh(search_app)
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 0 and "in sync" in result.output, result.output
    result = runner.invoke(args=["search", "reindex", "listings"])
    assert result.exit_code == 0 and "listings-v2" in result.output, result.output


def test_bulk_to_an_unreachable_server_raises_instead_of_hanging():
    from elasticsearch import ConnectionError as ESConnectionError

    from search.client import IndexNames, make_client
    from search.indexes import SearchIndex

    index = SearchIndex(
        make_client({"ELASTICSEARCH_URL": "http://127.0.0.1:9", "ELASTICSEARCH_MAX_RETRIES": 0}),
        IndexNames("nowhere"),
    )
    actions = ({"_op_type": "index", "_id": str(i), "_source": {"id": i}} for i in range(5_000))
    try:
        index.bulk("nowhere-listings-v1", actions)
    except ESConnectionError:
        pass
    else:
        raise AssertionError("bulk to a closed port reported success")
