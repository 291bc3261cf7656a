"""The audit log: operator and money actions recorded append-only, read by operators."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from marketplace.accounts import organizations
from marketplace.core import audit
from marketplace.extensions import db
from marketplace.models import AuditEntry, User

API = "/api/v1/audit"


def entries(app, **where):
    with app.app_context():
        return [
            (e.action, e.actor_id, e.target_type, e.target_id, e.before, e.after, e.ip)
            for e in db.session.query(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
        ]


def test_a_review_is_recorded_with_who_what_before_and_after(app, make):
    owner, operator = make.user(), make.operator()
    item = make.listing(owner, status="pending_review")
    client = app.test_client(user=operator)
    r = client.post(
        f"/api/v1/listings/{item.id}/reject",
        json={"reason": "资料不全"},
        environ_base={"REMOTE_ADDR": "203.0.113.5"},
    )
    assert r.status_code == 200, r.json
    [(action, actor_id, target_type, target_id, before, after, ip)] = entries(app)
    assert (action, actor_id, target_type, target_id) == (
        "listing.reject",
        operator.id,
        "listing",
        str(item.id),
    )
    assert before == {"status": "pending_review"}
    assert after == {"status": "rejected", "reason": "资料不全"}
    assert ip == "203.0.113.5"


def test_an_owners_own_actions_are_not_operator_actions(app, make):
    owner = make.user()
    item = make.listing(owner)
    assert app.test_client(user=owner).post(f"/api/v1/listings/{item.id}/submit").status_code == 200
    assert entries(app) == []


def test_verification_and_payout_account_and_token_creation_are_recorded(app, make):
    operator = make.operator()
    member = make.user()
    org_id = member.organization.id
    with app.app_context():
        s = db.session
        organizations.set_verification(s, s.get(User, member.id), org_id, "request")
        organizations.set_verification(s, s.get(User, operator.id), org_id, "verify")
        organizations.set_payout_account(s, s.get(User, operator.id), org_id, "acct_1AbCdEf")
        s.commit()
    app.test_client(user=member).post("/api/v1/auth/tokens", json={"name": "ci"})
    actions = [(a, actor) for a, actor, *_ in entries(app)]
    assert actions == [
        ("organization.verify", operator.id),
        ("organization.payout_account", operator.id),
        ("token.created", member.id),
    ]
    payout = entries(app, action="organization.payout_account")[0]
    assert payout[4] == {"stripe_account_id": None}
    assert payout[5] == {"stripe_account_id": "acct_1AbCdEf"}


def test_entries_cannot_be_changed_or_deleted(app, make):
    operator = make.operator()
    with app.app_context():
        audit.record(db.session, db.session.get(User, operator.id), "test.action", "x", 1)
        db.session.commit()
        for statement in (
            "UPDATE audit_entry SET action = 'forged'",
            "DELETE FROM audit_entry",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.query(AuditEntry).one().action == "test.action"


def test_operators_search_and_export(app, make):
    operator, other = make.operator(), make.operator()
    with app.app_context():
        s = db.session
        for n in range(3):
            audit.record(s, s.get(User, operator.id), "deal.bank_transfer_confirmed", "deal", n)
        audit.record(s, s.get(User, other.id), "payout.executed", "payout", 9, after={"x": "=1+1"})
        s.commit()
    client = app.test_client(user=operator)
    everything = client.get(API).json
    assert [e["action"] for e in everything][:1] == ["payout.executed"]  # newest first
    assert len(everything) == 4
    deals = client.get(API, query_string={"action": "deal."}).json
    assert len(deals) == 3 and {e["actor_id"] for e in deals} == {operator.id}
    assert len(client.get(API, query_string={"actor_id": other.id}).json) == 1
    assert len(client.get(API, query_string={"target_type": "deal", "target_id": "2"}).json) == 1
    older = client.get(API, query_string={"before_id": everything[1]["id"]}).json
    assert [e["id"] for e in older] == [e["id"] for e in everything[2:]]
    csv = client.get(API, query_string={"format": "csv"})
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,at,actor_id") and len(lines) == 5
    page = client.get("/operator/audit", query_string={"action": "payout"})
    assert page.status_code == 200 and "payout.executed" in page.get_data(as_text=True)
    export = client.get("/operator/audit", query_string={"format": "xlsx"})
    assert export.status_code == 200 and "spreadsheetml" in export.mimetype


def test_only_operators_read_the_log(app, make, client):
    assert client.get(API).status_code == 401
    assert client.get("/operator/audit").status_code == 302
    researcher = app.test_client(user=make.user())
    assert researcher.get(API).status_code == 403
    assert researcher.get("/operator/audit").status_code == 403


def test_money_actions_are_recorded(app, make):
    from tests.security.world import build_world

    world = build_world(app, make)
    operator = world.users["operator"]
    # The world's operator confirmed deal 1's bank transfer while it was built.
    confirmed = next(
        e
        for e in entries(app, action="deal.bank_transfer_confirmed")
        if e[3] == str(world.ids["deal"])
    )
    assert confirmed[1] == operator.id and confirmed[3] == str(world.ids["deal"])
    assert confirmed[5]["amount"] > 0 and confirmed[5]["reference"]

    op = world.client("operator")
    r = op.post(f"/api/v1/deals/payouts/{world.ids['payout']}/execute", json={"reference": "B-7"})
    assert r.status_code == 200, r.json
    [paid] = entries(app, action="payout.executed")
    assert paid[5]["reference"] == "B-7" and paid[4] == {"status": "pending"}

    deal, milestone = world.ids["deal"], world.ids["milestone"]
    buyer = world.client("enterprise")
    url = f"/api/v1/deals/{deal}/milestones/{milestone}"
    assert buyer.post(f"{url}/dispute", json={"reason": "样品不合格"}).status_code == 200
    assert op.post(f"{url}/resolve", json={"outcome": "refund"}).status_code == 200
    [resolved] = entries(app, action="milestone.dispute_resolved")
    assert resolved[1] == operator.id and resolved[5]["outcome"] == "refund"
    assert resolved[5]["released"] == 0
