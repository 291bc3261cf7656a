"""The ledger: balanced postings, idempotency, non-negative holdings, append-only rows."""

import itertools
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from marketplace.core import ledger
from marketplace.core.errors import Conflict, Invalid
from marketplace.extensions import db
from marketplace.models import LedgerEntry


def accounts(session, deal=1):
    return {
        "external": ledger.get_account(session, "external:buyer", "external", "CNY"),
        "funding": ledger.get_account(
            session, f"deal:{deal}:funding", "buyer_funding", "CNY", deal_id=deal
        ),
        "escrow": ledger.get_account(session, f"deal:{deal}:escrow", "escrow", "CNY", deal_id=deal),
        "payable": ledger.get_account(session, "org:2:payable", "supplier_payable", "CNY"),
        "revenue": ledger.get_account(session, "platform:revenue", "platform_revenue", "CNY"),
        "refunds": ledger.get_account(
            session, f"deal:{deal}:refunds", "refunds", "CNY", deal_id=deal
        ),
    }


def fund(session, a, amount, key):
    return ledger.post(
        session,
        kind="fund",
        idempotency_key=key,
        movements=[(a["funding"], -amount), (a["escrow"], amount)],
        deal_id=1,
    )


def test_post_balances_and_is_idempotent(ctx):
    a = accounts(ctx)
    txn, created = fund(ctx, a, 10_000, "pi_1")
    again, created_again = fund(ctx, a, 10_000, "pi_1")
    assert created and not created_again and again.id == txn.id
    assert ledger.balance(ctx, a["escrow"]) == 10_000
    assert ledger.balance(ctx, a["funding"]) == -10_000
    ctx.commit()
    assert ledger.check(ctx) == []


def test_unbalanced_and_empty_postings_are_refused(ctx):
    a = accounts(ctx)
    with pytest.raises(Invalid):
        ledger.post(ctx, kind="x", idempotency_key="k1", movements=[(a["escrow"], 5)])
    with pytest.raises(Invalid):
        ledger.post(ctx, kind="x", idempotency_key="k2", movements=[(a["escrow"], 0)])


def test_escrow_never_goes_negative(ctx):
    a = accounts(ctx)
    fund(ctx, a, 1_000, "f")
    with pytest.raises(Conflict):
        ledger.post(
            ctx,
            kind="release",
            idempotency_key="r",
            movements=[(a["escrow"], -1_001), (a["payable"], 1_001)],
        )
    ledger.post(
        ctx,
        kind="release",
        idempotency_key="r2",
        movements=[(a["escrow"], -1_000), (a["payable"], 1_000)],
    )
    assert ledger.balance(ctx, a["escrow"]) == 0


def test_entries_cannot_be_updated_or_deleted(app):
    with app.app_context():
        a = accounts(db.session)
        fund(db.session, a, 500, "f")
        db.session.commit()
        for statement in (
            "UPDATE ledger_entry SET amount = amount * 2",
            "DELETE FROM ledger_entry",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("DELETE FROM journal_transaction"))
        db.session.rollback()
        assert db.session.query(LedgerEntry).count() == 2


def test_check_reports_an_unbalanced_transaction(app):
    with app.app_context():
        a = accounts(db.session)
        fund(db.session, a, 500, "f")
        db.session.commit()
        # Forge a bad row behind the service's back (inserts are allowed; the check finds it).
        txn_id = db.session.execute(text("SELECT id FROM journal_transaction")).scalar()
        db.session.execute(
            text(
                "INSERT INTO ledger_entry (transaction_id, account_id, amount, currency) VALUES (:t, :a, 7, 'CNY')"
            ),
            {"t": txn_id, "a": a["escrow"].id},
        )
        db.session.commit()
        rules = {v.rule for v in ledger.check(db.session)}
        assert rules == {"balanced"}


@pytest.mark.real_commits  # real threads, each with its own connection
def test_concurrent_releases_never_overdraw_escrow(app):
    with app.app_context():
        a = accounts(db.session)
        fund(db.session, a, 1_000, "f")
        db.session.commit()
        ids = {k: v.id for k, v in a.items()}
    outcomes = []
    barrier = threading.Barrier(6)

    def release(n):
        with app.app_context():
            from marketplace.models import LedgerAccount

            escrow = db.session.get(LedgerAccount, ids["escrow"])
            payable = db.session.get(LedgerAccount, ids["payable"])
            barrier.wait()
            try:
                ledger.post(
                    db.session,
                    kind="release",
                    idempotency_key=f"rel-{n}",
                    movements=[(escrow, -400), (payable, 400)],
                )
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("refused")
            except DBAPIError as exc:  # SQLite: "database is locked" counts as refused
                db.session.rollback()
                outcomes.append(f"refused:{type(exc).__name__}")

    threads = [threading.Thread(target=release, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("ok") == 2, outcomes
    with app.app_context():
        from marketplace.models import LedgerAccount

        assert ledger.balance(db.session, db.session.get(LedgerAccount, ids["escrow"])) == 200
        assert ledger.check(db.session) == []


_examples = itertools.count(1000)
movement = st.tuples(
    st.sampled_from(["fund", "release", "refund"]), st.integers(min_value=1, max_value=10_000)
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(movement, min_size=1, max_size=25))
def test_random_postings_keep_every_invariant(app, steps):
    with app.app_context():
        deal = next(_examples)  # fresh accounts per example; the tables are emptied after the test
        a = accounts(db.session, deal)
        db.session.commit()
        funded = released = refunded = 0
        for n, (kind, amount) in enumerate(steps):
            moves = {
                "fund": [(a["funding"], -amount), (a["escrow"], amount)],
                "release": [
                    (a["escrow"], -amount),
                    (a["payable"], amount - amount // 10),
                    (a["revenue"], amount // 10),
                ],
                "refund": [(a["escrow"], -amount), (a["refunds"], amount)],
            }[kind]
            before = db.session.query(LedgerEntry).count()
            try:
                ledger.post(
                    db.session, kind=kind, idempotency_key=f"{deal}-{kind}-{n}", movements=moves
                )
                db.session.commit()
            except Conflict:
                db.session.rollback()
                assert db.session.query(LedgerEntry).count() == before  # a refusal leaves no trace
                continue
            funded += amount if kind == "fund" else 0
            released += amount if kind == "release" else 0
            refunded += amount if kind == "refund" else 0
            held = ledger.balance(db.session, a["escrow"])
            assert held >= 0
            assert released + refunded + held == funded == -ledger.balance(db.session, a["funding"])
        assert ledger.check(db.session) == []
