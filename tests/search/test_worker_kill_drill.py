"""Fault drill: the search worker killed (SIGKILL) in the middle of a batch, then restarted.

The worker is the real `flask search drain` in a process of its own
(tests/search/worker_with_fault.py arms the fault point), against this session's
database (a SQLite file, or PostgreSQL with `make test-pg`) and the local search server.
A batch of changes is waiting in the outbox: new listings that strongly match a
published demand and a saved search, an edit, a listing closed. The worker stops at the
fault point with its transaction open and is killed there; a second worker then empties
the outbox (`--once`). Afterwards:

- the index is the database: exactly the published rows, each at its row's version;
- every outbox row is done, every alert job ran once and without error;
- every alert is there once, and its e-mail was written once (none lost, none twice).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

import pytest
from elasticsearch import helpers
from sqlalchemy import func, select

from marketplace.catalog import publication
from marketplace.core.mailer import sent_files
from marketplace.discovery import saved_searches, worker
from marketplace.discovery.index import search_index
from marketplace.extensions import db
from marketplace.models import AlertJob, Demand, Listing, Notification, SearchOutbox, User
from marketplace.models.notifications import ALERT_KINDS
from tests.mails import messages
from tests.search.conftest import _counter

pytestmark = [pytest.mark.real_commits, pytest.mark.drill]
ROOT = Path(__file__).resolve().parents[2]
DEMAND = {
    "title": "电动两轮车想用钠离子电池降低电池包成本",
    "description": "寻找长寿命、高电压稳定的钠离子电池正极材料技术，可独家许可或合作开发。",
}
NEW_LISTINGS = 4


@pytest.fixture
def worker_app(app, search_server, tmp_path):
    """The test's app on the local search server with an index prefix of its own, syncing
    through the worker only (nothing is sent from this process)."""
    keys = ("ELASTICSEARCH_URL", "ELASTICSEARCH_INDEX_PREFIX", "SEARCH_SYNC", "EMBEDDER")
    saved = {k: app.config[k] for k in keys}
    app.config.update(
        ELASTICSEARCH_URL=search_server.url,
        ELASTICSEARCH_INDEX_PREFIX=f"drill{os.getpid()}-{next(_counter)}",
        SEARCH_SYNC="worker",
        EMBEDDER="none",
    )
    app.extensions.pop("search_index", None)
    yield app
    with app.app_context():
        prefix = app.config["ELASTICSEARCH_INDEX_PREFIX"]
        client = search_index(app).client
        for name in client.indices.get(index=f"{prefix}-*").body:
            client.indices.delete(index=name)
    app.extensions.pop("search_index", None)
    app.config.update(saved)


class Worker:
    """Starts `flask search drain` processes on the test's database and search server."""

    def __init__(self, app, tmp_path: Path):
        with app.app_context():
            url = db.engine.url.render_as_string(hide_password=False)
        self.mail = tmp_path / "mail"
        self.mark = tmp_path / "fault-reached"
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "ELASTICSEARCH_URL": app.config["ELASTICSEARCH_URL"],
            "ELASTICSEARCH_INDEX_PREFIX": app.config["ELASTICSEARCH_INDEX_PREFIX"],
            "SEARCH_SYNC": "worker",
            "EMBEDDER": "none",
            "SECRET_KEY": "drill-only-secret",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "MAIL_FILE_DIR": str(self.mail),
            "MAIL_SERVER": "",
            "PUBLIC_BASE_URL": "http://localhost",
            "DRILL_MARK": str(self.mark),
        }
        self.env.pop("DRILL_POINT", None)
        self.logs = tmp_path

    def _start(self, name: str, *args: str, point: str = "") -> subprocess.Popen:
        env = {**self.env, "DRILL_POINT": point} if point else self.env
        with open(self.logs / f"{name}.log", "w") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "tests.search.worker_with_fault", *args],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def kill_at(self, point: str, timeout: float = 60) -> None:
        """A worker that runs until the fault point, killed there."""
        proc = self._start("killed", point=point)
        deadline = time.monotonic() + timeout
        try:
            while not self.mark.exists():
                assert proc.poll() is None, f"exited {proc.returncode}\n{self.log('killed')}"
                assert time.monotonic() < deadline, f"{point} not reached\n{self.log('killed')}"
                time.sleep(0.05)
            assert self.mark.read_text() == point
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL

    def drain_once(self, timeout: float = 120) -> None:
        proc = self._start("restarted", "--once")
        assert proc.wait(timeout=timeout) == 0, self.log("restarted")


def drain_here(app, mail: Path) -> None:
    """What a worker does, in this process (one process start less)."""
    saved = app.config["MAIL_FILE_DIR"], app.config.get("MAIL_SERVER")
    app.config.update(MAIL_FILE_DIR=str(mail), MAIL_SERVER="")
    try:
        with app.app_context():
            worker.drain(db.session, search_index(app), once=True)
    finally:
        app.config["MAIL_FILE_DIR"], app.config["MAIL_SERVER"] = saved


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def index_is_database(app) -> None:
    with app.app_context():
        index = search_index(app)
        for doc_type, model in (("listings", Listing), ("demands", Demand)):
            index.refresh(doc_type)
            alias = index.names.alias(doc_type)
            indexed = Counter()
            versions = {}
            for hit in helpers.scan(
                index.client, index=alias, query={"query": {"match_all": {}}}, version=True
            ):
                indexed[int(hit["_id"])] += 1
                versions[int(hit["_id"])] = hit["_version"]
            published = dict(
                db.session.execute(
                    select(model.id, model.version).where(model.status == "published")
                ).all()
            )
            assert versions == published, doc_type
            assert set(indexed.values()) <= {1}, doc_type


@pytest.mark.parametrize("point", ["acknowledged", "alert_job", "mail"])
def test_worker_killed_mid_batch_then_restarted(worker_app, make, tmp_path, point):
    app = worker_app
    buyer = make.user("enterprise_member")
    colleague = make.user("enterprise_member", organization=buyer.organization)
    watcher = make.user("enterprise_member")
    seller = make.user("researcher")
    demand = make.demand(buyer, status="published", **DEMAND)
    first = make.listing(seller, status="published")
    with app.app_context():
        saved_id = saved_searches.create(
            db.session,
            db.session.get(User, watcher.id),
            name="钠电",
            doc_type="listings",
            query={"q": "钠离子电池"},
            alerts=True,
        ).id
        db.session.commit()
    process = Worker(app, tmp_path)
    drain_here(app, process.mail)  # the demand and the first listing: indexed, alerted
    with app.app_context():
        before = {
            (n.user_id, n.kind, n.listing_id) for n in db.session.scalars(select(Notification))
        }
    mailed_before = len(messages(process.mail))

    # The batch: new listings, an edit, a listing closed.
    new = [make.listing(seller, status="published").id for _ in range(NEW_LISTINGS)]
    closing = make.listing(seller, status="published").id
    with app.app_context():
        db.session.get(Listing, first.id).title += "（修订）"
        db.session.commit()
        publication.transition(
            db.session, Listing, closing, "close", db.session.get(User, seller.id)
        )
        db.session.commit()
        assert count(SearchOutbox, SearchOutbox.done_at.is_(None)) >= NEW_LISTINGS + 2

    process.kill_at(point)
    process.drain_once()

    index_is_database(app)
    with app.app_context():
        assert count(SearchOutbox, SearchOutbox.done_at.is_(None)) == 0
        jobs = list(db.session.scalars(select(AlertJob)))
        assert (
            Counter((j.doc_type, j.doc_id, j.published_at) for j in jobs).most_common(1)[0][1] == 1
        )
        assert all(j.done_at is not None and j.last_error == "" for j in jobs)
        assert {j.doc_id for j in jobs if j.doc_type == "listings"} >= set(new)

        # The worker's alerts (the reviews that published the items told their owners
        # from this process, not the worker's).
        notes = list(
            db.session.scalars(select(Notification).where(Notification.kind.in_(ALERT_KINDS)))
        )
        got = Counter((n.user_id, n.kind, n.listing_id, n.demand_id) for n in notes)
        assert set(got.values()) == {1}
        for listing_id in new:
            for user in (buyer, colleague):
                assert got[(user.id, "match_listing", listing_id, demand.id)] == 1, listing_id
            assert got[(watcher.id, "saved_search", listing_id, None)] == 1, listing_id
        # The edit of the first listing announced nothing new.
        assert {k[:3] for k in got if k[2] == first.id} <= before
        assert all(n.email_state == "sent" for n in notes if n.email_state != "none")
        emailed = [n for n in notes if n.email_state == "sent"]
        assert saved_id

    # Every e-mail written once: one message per e-mailed notification, none lost.
    mailed = messages(process.mail)
    assert len(mailed) == len(emailed) > mailed_before
    by_recipient = Counter(to for to, _ in mailed)
    with app.app_context():
        expected = Counter(db.session.get(User, n.user_id).email for n in emailed)
    assert by_recipient == expected
    message_ids = [
        message_from_bytes(path.read_bytes())["Message-ID"] for path in sent_files(process.mail)
    ]
    assert len(set(message_ids)) == len(message_ids)
