"""Fixtures shared by the whole suite.

One database per test session (per xdist worker): a temporary SQLite file by default, or
the PostgreSQL database in TEST_DATABASE_URL (`make test-pg`). The schema is built by the
real Alembic migrations.

Each test runs inside one transaction on one connection that is rolled back at its end:
every session the test opens (the ``ctx`` fixture, the ``make`` factory, each request's
own app context) joins it with a SAVEPOINT, so the app's commits release savepoints
instead of committing (SQLAlchemy's "joining a session into an external transaction").
Tests that need real commits, because another thread, process or connection must see
the data, say so with ``@pytest.mark.real_commits`` (or use a fixture listed in
COMMITTING_FIXTURES); their tables are emptied after them instead.

Requests run in their own app context (as in production), so tests that touch the
database directly do it inside ``with app.app_context()`` or the ``ctx`` fixture.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_login import FlaskLoginClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, event, text

from marketplace import create_app
from marketplace.accounts import users as accounts
from marketplace.catalog import demands, listings, publication
from marketplace.extensions import db, limiter
from marketplace.models import Demand, Listing, Organization, User
from marketplace.schemas.demands import DemandIn
from marketplace.schemas.listings import ListingIn

PASSWORD = "correct-horse-42"
# Production hashes with scrypt's default cost; tests use a cheap cost to stay fast
# (tests/accounts/test_passwords.py checks the production method).
PRODUCTION_PASSWORD_HASH_METHOD = accounts.PASSWORD_HASH_METHOD
accounts.PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


TESTS = Path(__file__).resolve().parent
# Under pytest-xdist (`make test`: --dist loadgroup) the tests of these folders run on one
# worker: they share a costly session fixture (one localstripe, which keeps its state in a
# fixed file; the fuzzer's world and search server).
XDIST_GROUPS = {"payments": "localstripe", "fuzz": "fuzz"}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        folder = item.path.relative_to(TESTS).parts[0] if item.path.is_relative_to(TESTS) else ""
        if folder in XDIST_GROUPS:
            item.add_marker(pytest.mark.xdist_group(XDIST_GROUPS[folder]))


def _reset_postgres(url: str) -> str:
    """An empty schema in the database of ``url``; under xdist, in a database of the
    worker's own (``<name>_gw0``…), created on first use. Returns the URL to use."""
    from sqlalchemy.engine import make_url

    from marketplace.config import normalise_database_url

    url = normalise_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        server = create_engine(url, isolation_level="AUTOCOMMIT")
        name = f"{make_url(url).database}_{worker}"
        with server.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        server.dispose()
        url = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return _reset_postgres(url)
    # tmp_path_factory's folder is per xdist worker, and so is the database file.
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def fast_sqlite(dbapi_connection, _record) -> None:
    """A throwaway test database: no fsync on commit, the rollback journal in memory.
    (Not WAL: its locking differs from the default journal the concurrency tests meet.)"""
    dbapi_connection.execute("PRAGMA synchronous=OFF")
    dbapi_connection.execute("PRAGMA journal_mode=MEMORY")


def use_fast_sqlite(app: Flask) -> None:
    """Install ``fast_sqlite`` on the app's engine (tests only; a no-op on PostgreSQL)."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", fast_sqlite)
            db.engine.dispose()


class LoginClient(FlaskLoginClient):
    """``app.test_client(user=...)``: logged in as a real login would be, with a
    server-side login session (marketplace/accounts/sessions.py) that the cookie names."""

    def __init__(self, app: Flask, *args, **kwargs):
        from marketplace.accounts import sessions

        user = kwargs.get("user")
        if user is not None:
            with app.app_context():
                user.login_key = sessions.begin(db.session, user)
                db.session.commit()
        super().__init__(app, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    instance = tempfile.mkdtemp(prefix="techmarket-instance-")
    os.environ["INSTANCE_PATH"] = instance
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "localhost",
            "SEARCH_SYNC": "worker",
            # No vectors by default, for speed: the tests of vectors and hybrid search
            # switch the real model on (tests/search/conftest.py, ``with_embedder``).
            "EMBEDDER": "none",
            "ATTACHMENTS_DIR": os.path.join(instance, "attachments"),
            # Buyers pay by bank transfer into this (test) escrow account.
            "OFFLINE_BANK_NAME": "测试银行 TEST BANK",
            "OFFLINE_BANK_HOLDER": "科技大市场测试托管账户",
            "OFFLINE_BANK_ACCOUNT": "TEST 6222 0000 0000",
            # Operators and brokers need no second factor here (a TESTING-only switch):
            # tests/security/test_second_factor.py switches it on (``enforce_second_factor``)
            # and the fuzzer's world enrols its operator and broker.
            "SECOND_FACTOR_ENFORCED": False,
        }
    )
    app.test_client_class = LoginClient
    # Rate limits are built (storage and all) but off, except in the tests that switch them on.
    limiter.enabled = False
    use_fast_sqlite(app)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(instance, ignore_errors=True)


SQLITE_LEDGER_TRIGGERS = [
    (f"{table}_no_{event.lower()}", table, event, "ledger rows are append-only")
    for table in ("ledger_entry", "journal_transaction")
    for event in ("UPDATE", "DELETE")
] + [
    (f"audit_entry_no_{event.lower()}", "audit_entry", event, "audit rows are append-only")
    for event in ("UPDATE", "DELETE")
]


def empty_all_tables() -> None:
    """Empty every table after a test that committed for real. The ledger's append-only
    triggers are bypassed the way an administrator would: TRUNCATE on PostgreSQL (row
    triggers do not fire), dropping and re-creating the triggers around the DELETE on
    SQLite."""
    db.session.rollback()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        db.session.commit()
        return
    ledger_rows = db.session.execute(
        text(
            "SELECT (SELECT count(*) FROM journal_transaction) + (SELECT count(*) FROM audit_entry)"
        )
    ).scalar()
    if ledger_rows:
        for name, _, _, _ in SQLITE_LEDGER_TRIGGERS:
            db.session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    for table in tables:
        db.session.execute(text(f'DELETE FROM "{table}"'))
    if ledger_rows:
        for name, table, event, message in SQLITE_LEDGER_TRIGGERS:
            db.session.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
            )
    db.session.commit()


@pytest.fixture(autouse=True)
def _rate_limits_off() -> None:
    """Every test starts with the shared limiter off: a test that builds its own app
    (create_app switches the limiter back on) cannot leave it on for the tests after it.
    The tests of rate limits switch it on themselves."""
    limiter.enabled = False


class JoinedSession(FlaskSession):
    """Flask-SQLAlchemy's session, except that a ``bind`` given to it wins over the app's
    engine (Flask-SQLAlchemy 3 always picks the engine; SQLAlchemy's own Session honours
    ``bind``): how every session of a test joins the test's connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


# Tests that use these need real commits: the inline search sync drains the outbox in a
# session of its own after each commit, and localstripe posts webhooks to the app served
# from a thread.
COMMITTING_FIXTURES = frozenset({"search_app", "stripe_app", "live_url"})


@pytest.fixture
def real_commits(request) -> bool:
    """Whether this test commits for real (its tables emptied after it) rather than in a
    transaction rolled back at its end. A folder's conftest may override it."""
    return request.node.get_closest_marker("real_commits") is not None or not (
        COMMITTING_FIXTURES.isdisjoint(request.fixturenames)
    )


@contextmanager
def rolled_back(app: Flask) -> Iterator[None]:
    """Every session opened inside joins one outer transaction, rolled back at the end."""
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    if engine.dialect.name == "sqlite":
        # pysqlite opens a transaction only before a data-changing statement: without an
        # explicit BEGIN, the first SAVEPOINT would open one and its RELEASE commit it.
        connection.exec_driver_sql("BEGIN")
    factory = db.session.session_factory
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(factory, "class_", JoinedSession)
            patch.setitem(factory.kw, "bind", connection)
            patch.setitem(factory.kw, "join_transaction_mode", "create_savepoint")
            yield
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def _isolated_database(app: Flask, real_commits: bool) -> Iterator[None]:
    if real_commits:
        yield
        with app.app_context():
            empty_all_tables()
    else:
        with rolled_back(app):
            yield
    shutil.rmtree(app.config["ATTACHMENTS_DIR"], ignore_errors=True)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Any]:
    """An app context for service-level tests; yields the SQLAlchemy session."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


def _detached(obj):
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


class Factory:
    """Builds committed rows and returns detached copies (ids and plain fields usable)."""

    def __init__(self, app: Flask):
        self.app = app
        self.counter = 0

    def _n(self) -> int:
        self.counter += 1
        return self.counter

    def organization(self, kind: str = "university", **kw) -> Organization:
        with self.app.app_context():
            org = Organization(
                kind=kind, name=kw.pop("name", f"Org {kind} {self._n()}"), region="宁波", **kw
            )
            db.session.add(org)
            db.session.commit()
            return _detached(org)

    def user(self, *roles: str, organization: Organization | None = None, **kw) -> User:
        roles = roles or ("researcher",)
        if organization is None and "operator" not in roles:
            kind = "enterprise" if "enterprise_member" in roles else "university"
            organization = self.organization(kind)
        with self.app.app_context():
            org = db.session.get(Organization, organization.id) if organization else None
            user = accounts.create_user(
                db.session,
                email=kw.pop("email", f"user{self._n()}@example.org"),
                password=kw.pop("password", PASSWORD),
                display_name=kw.pop("display_name", "Test User"),
                roles=roles,
                organization=org,
            )
            db.session.commit()
            db.session.refresh(user)
            user.organization, user.roles  # noqa: B018 - load before detaching
            db.session.expunge(user)
            return user

    def operator(self) -> User:
        return self.user("operator")

    def listing(self, owner: User, status: str = "draft", **overrides) -> Listing:
        with self.app.app_context():
            actor = db.session.get(User, owner.id)
            item = listings.create_listing(
                db.session, actor, ListingIn().load(listing_payload(**overrides))
            )
            self._advance(Listing, item.id, actor, status)
            db.session.commit()
            return _detached(db.session.get(Listing, item.id))

    def demand(self, owner: User, status: str = "draft", **overrides) -> Demand:
        with self.app.app_context():
            actor = db.session.get(User, owner.id)
            item = demands.create_demand(
                db.session, actor, DemandIn().load(demand_payload(**overrides))
            )
            self._advance(Demand, item.id, actor, status)
            db.session.commit()
            return _detached(db.session.get(Demand, item.id))

    def _advance(self, model, item_id: int, owner: User, status: str) -> None:
        """Walk the real workflow to reach ``status``."""
        operator = None

        def op():
            nonlocal operator
            if operator is None:
                operator = User(
                    email=f"op{self._n()}@example.org",
                    password_hash="x",
                    display_name="op",
                    role_rows=[],
                )
                from marketplace.models import UserRole

                operator.role_rows = [UserRole(role="operator")]
                db.session.add(operator)
                db.session.flush()
            return operator

        path = {
            "draft": [],
            "pending_review": [("submit", owner)],
            "published": [("submit", owner), ("publish", None)],
            "rejected": [("submit", owner), ("reject", None)],
            "closed": [("submit", owner), ("publish", None), ("close", owner)],
            "withdrawn": [("withdraw", owner)],
        }[status]
        for action, actor in path:
            publication.transition(
                db.session, model, item_id, action, actor or op(), reason="test reason"
            )


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


def listing_payload(**overrides) -> dict[str, Any]:
    data = {
        "title": "一种高电压稳定的钠离子电池正极材料",
        "summary": "钠离子电池层状氧化物正极，4.3V 循环 500 次容量保持 90%",
        "description": "通过镁钛共掺杂抑制高电压相变。",
        "domain": "new_energy",
        "tags": ["钠离子电池", "正极材料"],
        "trl": 6,
        "transfer_modes": ["assignment", "license_exclusive"],
        "price_type": "fixed",
        "price_amount": 60_000_000,
        "currency": "CNY",
        "region": "宁波",
        "language": "zh",
        "patents": [
            {
                "patent_number": "CN202113530829.1",
                "patent_type": "invention",
                "legal_status": "pending",
                "ipc_codes": ["H01M4/505", "H01M10/054"],
                "applicant": "华中科技大学",
                "inventors": ["张伟", "朱琳"],
                "filing_date": "2021-09-04",
                "abstract": "本发明公开了一种钠离子电池层状氧化物正极材料。",
                "first_claim": "一种钠离子电池正极材料，其特征在于……",
            }
        ],
    }
    data.update(overrides)
    return data


def demand_payload(**overrides) -> dict[str, Any]:
    data = {
        "title": "两轮车换电柜想换用钠电池降成本",
        "description": "希望找到长寿命的钠电正负极材料技术，可以合作开发或独家许可。",
        "domain": "new_energy",
        "budget_min": 50_000_000,
        "budget_max": 200_000_000,
        "currency": "CNY",
        "cooperation_modes": ["license_exclusive", "co_development"],
        "deadline": "2027-01-28",
        "region": "余姚",
        "language": "zh",
    }
    data.update(overrides)
    return data
