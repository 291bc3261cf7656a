"""Migration 0014 on existing data: each organization gets one admin, its earliest user;
people without an organization and everyone else are members. And it goes back down."""

from __future__ import annotations

import os
import tempfile

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from marketplace import create_app

BEFORE = "0014_second_factor"
AFTER = "0015_organization_members"


def test_existing_organizations_get_their_earliest_user_as_admin(app):
    """On a database of its own (SQLite file), through its own connections: the test
    session's rolled-back transaction plays no part."""
    url = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="techmarket-migration-"), "m.db")
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "EMBEDDER": "none",
        }
    )
    engine = create_engine(url)
    with other.app_context():
        upgrade(revision=BEFORE)
    with engine.begin() as conn:
        for org_id, name in ((1, "甲"), (2, "乙"), (3, "丙")):
            conn.execute(
                text(
                    "INSERT INTO organization (id, kind, name, region, verification_status,"
                    " verification_note, created_at) VALUES (:id, 'university', :name, '',"
                    " 'unverified', '', CURRENT_TIMESTAMP)"
                ),
                {"id": org_id, "name": name},
            )
        for user_id, org_id in ((1, 2), (2, 1), (3, 1), (4, None), (5, 2)):
            conn.execute(
                text(
                    "INSERT INTO user_account (id, email, password_hash, display_name,"
                    " organization_id, active, created_at) VALUES (:id, :email, 'x', 'x',"
                    " :org, 1, CURRENT_TIMESTAMP)"
                ),
                {"id": user_id, "email": f"u{user_id}@example.org", "org": org_id},
            )
    with other.app_context():
        upgrade(revision=AFTER)
    with engine.connect() as conn:
        roles = dict(conn.execute(text("SELECT id, org_role FROM user_account")).all())
    assert roles == {1: "admin", 2: "admin", 3: "member", 4: "member", 5: "member"}
    with other.app_context():
        downgrade(revision=BEFORE)
    with engine.connect() as conn:
        columns = [r[1] for r in conn.execute(text("PRAGMA table_info(user_account)"))]
        assert "org_role" not in columns
        assert conn.execute(text("SELECT count(*) FROM user_account")).scalar() == 5
    engine.dispose()
