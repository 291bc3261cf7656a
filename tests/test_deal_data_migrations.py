"""Deals already in the database when migrations 0016 (cancellation proposals) and 0017
(milestone delivery) run: a funded deal's one-sided cancellation request becomes an open
proposal, its open milestones become pending (the supplier delivers them; no automatic
acceptance clock starts), and a request in a dispute is dropped. Then back down again."""

from __future__ import annotations

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from marketplace import create_app

NOW = "2026-11-30 08:00:00+00:00"


def _insert(conn, table: str, **values) -> None:
    names = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


def _deal(conn, deal_id: int, state: str, buyer_asked: bool) -> None:
    _insert(
        conn,
        "deal",
        id=deal_id,
        state=state,
        title="一项技术",
        listing_id=1,
        buyer_org_id=1,
        supplier_org_id=2,
        opened_by_role="buyer",
        buyer_cancel_requested=buyer_asked,
        supplier_cancel_requested=False,
        created_at=NOW,
        updated_at=NOW,
        version=1,
    )
    for position, milestone_state in enumerate(("accepted", "open"), start=1):
        _insert(
            conn,
            "milestone",
            id=deal_id * 10 + position,
            deal_id=deal_id,
            position=position,
            title=f"交付 {position}",
            amount=500_000,
            state=milestone_state,
            released_amount=500_000 if milestone_state == "accepted" else 0,
            refunded_amount=0,
            fee_amount=0,
            commission_amount=0,
            dispute_reason="",
            resolution="",
            version=1,
        )
    _insert(
        conn,
        "deal_event",
        deal_id=deal_id,
        role="buyer",
        action="request_cancellation",
        from_state=state,
        to_state=state,
        detail=json.dumps({"reason": "预算调整"}),
        created_at=NOW,
    )


def test_funded_deals_migrate(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    engine = create_engine(url)
    with app.app_context():
        upgrade(revision="0015_organization_members")
        with engine.begin() as conn:
            _deal(conn, 1, "in_progress", buyer_asked=True)
            _deal(conn, 2, "disputed", buyer_asked=True)
        upgrade(revision="0017_milestone_delivery")
        with engine.begin() as conn:
            proposals = conn.execute(
                text("SELECT deal_id, status, proposed_by_role, reason FROM cancellation_proposal")
            ).all()
            states = conn.execute(text("SELECT id, state FROM milestone ORDER BY id")).all()
            clocks = conn.execute(
                text("SELECT count(*) FROM milestone WHERE acceptance_due_at IS NOT NULL")
            ).scalar()
            days = conn.execute(text("SELECT acceptance_days FROM deal_terms")).all()
        assert proposals == [(1, "open", "buyer", "预算调整")]
        assert states == [(11, "accepted"), (12, "pending"), (21, "accepted"), (22, "pending")]
        assert clocks == 0 and days == []
        columns = {c["name"] for c in inspect(engine).get_columns("deal")}
        assert "buyer_cancel_requested" not in columns
        downgrade(revision="0015_organization_members")
        with engine.begin() as conn:
            rows = conn.execute(
                text("SELECT id, buyer_cancel_requested FROM deal ORDER BY id")
            ).all()
            states = conn.execute(text("SELECT state FROM milestone ORDER BY id")).scalars().all()
        assert [(i, bool(asked)) for i, asked in rows] == [(1, True), (2, False)]
        assert states == ["accepted", "open", "accepted", "open"]
    engine.dispose()
