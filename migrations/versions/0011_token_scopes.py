"""personal API tokens: scopes, expiry, last-used address (issue 15)

Revision ID: 0011_token_scopes
Revises: 0010_login_sessions
Create Date: 2026-12-04 06:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_token_scopes"
down_revision = "0010_login_sessions"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("last_used_ip", sa.String(45), nullable=False, server_default=""))
        # Tokens made before scopes existed could do everything: they keep that, for the
        # default lifetime from today, so no integration stops without warning.
        batch.add_column(
            sa.Column(
                "scopes", sa.String(200), nullable=False, server_default="read write deals account"
            )
        )
        batch.add_column(sa.Column("expires_at", TZ, nullable=True))
    op.execute(
        sa.text("UPDATE api_token SET expires_at = :at").bindparams(
            sa.bindparam("at", type_=TZ)
        ).params(at=_in_90_days())
    )
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column("expires_at", existing_type=TZ, nullable=False)
        batch.alter_column("scopes", existing_type=sa.String(200), server_default=None)
        batch.alter_column("last_used_ip", existing_type=sa.String(45), server_default=None)


def _in_90_days():
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(days=90)


def downgrade():
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
        batch.drop_column("last_used_ip")
