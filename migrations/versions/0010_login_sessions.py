"""login sessions kept on the server (issue 15: sessions that end)

Revision ID: 0010_login_sessions
Revises: 0008_notifications
Create Date: 2026-12-04 06:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_login_sessions"
down_revision = "0011_stored_matches"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    # Sessions begun before this revision name no row and end: everyone logs in once more.
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("verified_at", TZ, nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_login_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("key_digest", name=op.f("uq_login_session_key_digest")),
    )
    op.create_index(op.f("ix_login_session_user_id"), "login_session", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_login_session_user_id"), table_name="login_session")
    op.drop_table("login_session")
