"""Fixtures for the API fuzzer: its own app on a temporary SQLite database, the local search
server, and the world (users, organizations, listings, demands, deals) restored for every
test from a snapshot taken once, so each operation and role starts from the same data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zlib
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event

from marketplace import create_app
from marketplace.discovery import outbox, reindex
from marketplace.discovery.index import search_index
from marketplace.extensions import db, limiter
from tests.fuzz.world import ROLES, World, build_world
from tests.search.conftest import SearchServer

WEBHOOK_SECRET = "whsec_fuzz"


def pytest_collection_modifyitems(config, items) -> None:
    """In the ordinary test run (FUZZ_ROLES unset) each operation is fuzzed as one role,
    a different one from operation to operation, which keeps it to a few seconds;
    `make fuzz` sets FUZZ_ROLES=all and runs every operation as every role."""
    if os.environ.get("FUZZ_ROLES", "rotate") == "all":
        return
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        role = callspec.params.get("role") if callspec else None
        if role is None or "tests/fuzz/" not in item.nodeid:
            keep.append(item)
            continue
        label = item.nodeid.split("[", 1)[1].split("]", 1)[0]
        chosen = ROLES[zlib.crc32(label.encode()) % len(ROLES)]
        (keep if role == chosen else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _isolated_database() -> None:
    """The fuzzer's app restores its own database (below); the suite's is left alone."""


def make_app(config: dict, instance: str) -> Flask:
    """An app of its own with rate limits off; its instance folder is ``instance``."""
    saved = os.environ.get("INSTANCE_PATH")
    os.environ["INSTANCE_PATH"] = instance
    try:
        app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False, **config})
    finally:
        if saved is None:
            os.environ.pop("INSTANCE_PATH", None)
        else:
            os.environ["INSTANCE_PATH"] = saved
    limiter.enabled = False
    return app


def _fast_sqlite(dbapi_connection, _record) -> None:
    # A throwaway database: no fsync on commit (the fuzzer commits on every request).
    dbapi_connection.execute("PRAGMA synchronous=OFF")


@pytest.fixture(scope="session")
def fuzz_search_server() -> Iterator[SearchServer]:
    data_dir = tempfile.mkdtemp(prefix="techmarket-fuzz-search-")
    server = SearchServer(data_dir)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def fuzz_state(fuzz_search_server) -> Iterator[tuple[Flask, World, str, str]]:
    root = tempfile.mkdtemp(prefix="techmarket-fuzz-")
    db_file = os.path.join(root, "fuzz.sqlite3")
    app = make_app(
        {
            "SECRET_KEY": "fuzz-only-secret",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + db_file,
            # As in production: token-authenticated API calls need no CSRF token.
            "WTF_CSRF_ENABLED": True,
            "SERVER_NAME": "localhost",
            "SEARCH_SYNC": "worker",
            # BM25 only, as the rest of the suite (tests/conftest.py): the hybrid path has
            # its own tests with the real model.
            "EMBEDDER": "none",
            # Configured, so that unsigned deliveries reach the signature check (400).
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            # An escrow account, so that the funding operation can succeed.
            "OFFLINE_BANK_NAME": "测试银行 TEST BANK",
            "OFFLINE_BANK_HOLDER": "科技大市场测试托管账户",
            "OFFLINE_BANK_ACCOUNT": "TEST 6222 0000 0000",
            "ELASTICSEARCH_URL": fuzz_search_server.url,
            "ELASTICSEARCH_INDEX_PREFIX": "fuzz",
            "ATTACHMENTS_DIR": os.path.join(root, "attachments"),
            "MAIL_FILE_DIR": os.path.join(root, "mail"),
        },
        instance=root,
    )
    with app.app_context():
        event.listen(db.engine, "connect", _fast_sqlite)
        db.engine.dispose()
        upgrade()
    # Requests run in their own app context, as in production: none may be open here.
    world = build_world(app)
    with app.app_context():
        index = search_index(app)
        for doc_type in outbox.DOC_TYPES:
            reindex.reindex(db.session, index, doc_type)
            index.refresh(doc_type)
        db.session.remove()
        db.engine.dispose()
    snapshot = os.path.join(root, "snapshot")
    os.makedirs(snapshot)
    shutil.copyfile(db_file, os.path.join(snapshot, "fuzz.sqlite3"))
    shutil.copytree(app.config["ATTACHMENTS_DIR"], os.path.join(snapshot, "attachments"))
    yield app, world, db_file, snapshot
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fuzz_app(fuzz_state) -> Flask:
    return fuzz_state[0]


@pytest.fixture
def world(fuzz_state) -> World:
    """The world as it was built: database file and attachments restored from the snapshot."""
    app, world, db_file, snapshot = fuzz_state
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    shutil.copyfile(os.path.join(snapshot, "fuzz.sqlite3"), db_file)
    shutil.rmtree(app.config["ATTACHMENTS_DIR"], ignore_errors=True)
    shutil.copytree(os.path.join(snapshot, "attachments"), app.config["ATTACHMENTS_DIR"])
    return world
