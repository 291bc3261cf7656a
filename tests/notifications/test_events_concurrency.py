"""One event, one notification per reader, even when it is announced twice at once.

Real threads, each with its own session and connection (as two workers or two requests):
the unique index (user, kind, subject, event_key) with ON CONFLICT DO NOTHING makes the
second insert wait for the first (PostgreSQL) and then skip it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from marketplace.core.errors import Conflict
from marketplace.core.uow import UnitOfWork
from marketplace.deals import delivery as deal_delivery
from marketplace.extensions import db
from marketplace.models import Deal, Notification, User
from marketplace.notifications import events
from tests.deals.fixtures import deliver, parties, walk
from tests.notifications.conftest import mails

pytestmark = pytest.mark.real_commits


def race(app, call, n=4) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run():
        with app.app_context():
            try:
                barrier.wait()
                with UnitOfWork(db.session):
                    call(db.session)
                result = "ok"
            except Conflict:
                result = "conflict"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def test_the_same_event_announced_by_four_workers_at_once_is_told_once(app, make, mailbox):
    p = parties(make)
    with app.app_context():
        deal_id = walk(db.session, p, "agreed")
        readers = [p.buyer.id, p.supplier.id]
    outcomes = race(
        app,
        lambda s: events.notify(
            s,
            "deal_funded",
            readers,
            event_key="deal_event:424242",
            deal_id=deal_id,
            payload={"deal": "同一事件"},
        ),
    )
    assert outcomes == ["ok"] * 4
    with app.app_context():
        rows = db.session.scalars(
            select(Notification).where(Notification.event_key == "deal_event:424242")
        ).all()
        assert sorted(n.user_id for n in rows) == sorted(readers)
        assert {n.email_state for n in rows} == {"sent"}
    assert len([m for m in mails(mailbox) if "同一事件" in m["subject"]]) == 2


def test_two_buyers_accepting_one_milestone_at_once_tell_the_supplier_once(app, make, mailbox):
    p = parties(make)
    with app.app_context():
        deal_id = walk(db.session, p, "funded")
        first = db.session.get(Deal, deal_id).milestones[0].id
        deliver(db.session, p, deal_id, first)
        db.session.commit()

    def accept(session):
        deal_delivery.accept_milestone(session, session.get(User, p.buyer.id), deal_id, first)

    assert race(app, accept, n=2) == ["conflict", "ok"]
    with app.app_context():
        told = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == p.supplier.id, Notification.kind == "milestone_accepted")
        )
        assert told == 1
    accepted_mails = [
        m for m in mails(mailbox) if m["to"] == p.supplier.email and "已验收" in m["subject"]
    ]
    assert len(accepted_mails) == 1
