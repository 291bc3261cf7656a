"""Simultaneous membership changes: the organization row is locked before admins are
counted, and an invitation's row before it is used, so an organization never loses its
last admin and a link is used once, whatever the timing. Each thread has its own session
and connection, as requests do."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from marketplace.accounts import invitations, members
from marketplace.core.errors import Conflict, Forbidden, Invalid
from marketplace.extensions import db
from marketplace.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.real_commits

SECRET, DAY = "test-secret", 86400


def race(app, calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call):
        with app.app_context():
            try:
                barrier.wait()
                call(db.session)
                db.session.commit()
                result = "ok"
            except (Conflict, Forbidden, Invalid):
                db.session.rollback()
                result = "refused"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def test_two_admins_demoting_each_other_leave_one_admin(app, make):
    org = make.organization("university")
    first = make.user("researcher", organization=org)
    second = make.user("researcher", organization=org)
    with app.app_context():
        members.set_member_role(
            db.session, db.session.get(User, first.id), org.id, second.id, "admin"
        )
        db.session.commit()

    def demote(actor_id, target_id):
        return lambda s: members.set_member_role(
            s, s.get(User, actor_id), org.id, target_id, "member"
        )

    assert race(app, [demote(first.id, second.id), demote(second.id, first.id)]) == [
        "ok",
        "refused",
    ]
    with app.app_context():
        admins = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.organization_id == org.id, User.org_role == "admin")
        )
        assert admins == 1


def test_an_invitation_link_used_twice_at_once_makes_one_account(app, make):
    org = make.organization("university")
    admin = make.user("researcher", organization=org)
    with app.app_context():
        invitation = invitations.invite(
            db.session, db.session.get(User, admin.id), org.id, "new@x.org"
        )
        db.session.commit()
        token = invitations.make_token(invitation, SECRET)

    def accept(s):
        invitations.accept_invitation(
            s,
            token,
            SECRET,
            DAY,
            actor=None,
            new_account={"display_name": "新", "password": PASSWORD, "role": "researcher"},
        )

    outcomes = race(app, [accept, accept])
    assert outcomes == ["ok", "refused"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(User).where(User.email == "new@x.org")
            )
            == 1
        )
