"""Concurrent workflow actions on one row: exactly one wins, the others get a Conflict.

On PostgreSQL the row lock (SELECT … FOR UPDATE) serialises them; on SQLite the
version column turns a lost update into a Conflict.
"""

import threading

import pytest

from marketplace.catalog import publication
from marketplace.core.errors import Conflict
from marketplace.extensions import db
from marketplace.models import Listing, User

# Real threads, each with its own connection: they must see committed rows.
pytestmark = pytest.mark.real_commits


def test_concurrent_publishes_have_one_winner(app, make):
    owner = make.user("researcher")
    listing_id = make.listing(owner, status="pending_review").id
    operators = [make.operator().id for _ in range(6)]
    barrier = threading.Barrier(len(operators))
    outcomes: list[str] = []
    lock = threading.Lock()

    def act(op_id: int, action: str) -> None:
        with app.app_context():
            actor = db.session.get(User, op_id)
            barrier.wait()
            try:
                publication.transition(db.session, Listing, listing_id, action, actor, "重复")
                db.session.commit()
                result = action
            except Conflict:
                db.session.rollback()
                result = "conflict"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=act, args=(op, "publish")) for op in operators]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == len(operators)
    assert sorted(outcomes) == ["conflict"] * (len(operators) - 1) + ["publish"], outcomes
    with app.app_context():
        row = db.session.get(Listing, listing_id)
        assert row.status == "published"
        assert row.version == 3  # created 1, submitted 2, published 3
