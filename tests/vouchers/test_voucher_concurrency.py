"""Concurrent grants from one budget: only what fits is granted, the budget never goes
negative. The programme row is locked (SELECT … FOR UPDATE on PostgreSQL, the database
write lock on SQLite) before the caps and the budget are read; the ledger's non-negative
budget account backs this up."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from marketplace.core import ledger
from marketplace.core.errors import Conflict
from marketplace.extensions import db
from marketplace.models import VoucherApplication, VoucherProgramme
from marketplace.vouchers import applications, money
from tests.vouchers.fixtures import CAP, programme, user, verify

pytestmark = pytest.mark.real_commits


def race(app, calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call):
        with app.app_context():
            try:
                barrier.wait()
                call(db.session)
                result = "ok"
            except Conflict:
                db.session.rollback()
                result = "conflict"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return sorted(outcomes)


@pytest.mark.parametrize("n", [8])
def test_concurrent_grants_never_overdraw_the_budget(app, make, n):
    operator = make.operator()
    enterprises = []
    for _ in range(n):
        member = make.user("enterprise_member")
        verify(make, member.organization_id)
        enterprises.append(member)
    budget = CAP * 3 + CAP // 2  # room for three whole grants and a half
    with app.app_context():
        pid = programme(db.session, operator, budget)
        ids = [
            applications.apply(db.session, user(m), pid, amount=CAP, purpose="并发").id
            for m in enterprises
        ]

    def granting(application_id):
        def call(session):
            applications.grant(session, user(operator), application_id)

        return call

    outcomes = race(app, [granting(i) for i in ids])
    assert outcomes == ["conflict"] * (n - 3) + ["ok"] * 3
    with app.app_context():
        p = db.session.get(VoucherProgramme, pid)
        assert money.budget_balance(db.session, p) == CAP // 2
        granted = db.session.scalars(
            select(VoucherApplication.granted_amount).where(
                VoucherApplication.programme_id == pid, VoucherApplication.state == "granted"
            )
        ).all()
        assert sum(granted) == CAP * 3
        assert ledger.check(db.session) == []
        assert money.voucher_violations(db.session) == []


def test_concurrent_grants_to_one_enterprise_keep_the_year_cap(app, make):
    """The budget's ledger guard does not see the cap per year: only the programme lock
    makes the second grant read the first one's total."""
    operator = make.operator()
    member = make.user("enterprise_member")
    verify(make, member.organization_id)
    with app.app_context():
        pid = programme(db.session, operator, CAP * 10, per_year_cap=CAP * 2)
        ids = [
            applications.apply(db.session, user(member), pid, amount=CAP, purpose="并发").id
            for _ in range(5)
        ]

    def granting(application_id):
        def call(session):
            applications.grant(session, user(operator), application_id)

        return call

    assert race(app, [granting(i) for i in ids]) == ["conflict"] * 3 + ["ok"] * 2
    with app.app_context():
        p = db.session.get(VoucherProgramme, pid)
        assert money.wallet_balance(db.session, member.organization_id, p) == CAP * 2
        assert money.voucher_violations(db.session) == []
