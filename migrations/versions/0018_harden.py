"""idempotency keys for API writes; a lookup prefix for recovery codes (issue 15)

- ``idempotent_request``: the stored answer to an API write sent with an
  ``Idempotency-Key`` header, one per (user, key), expiring after a day
  (web/idempotency.py).
- ``recovery_code.lookup``: the first characters of a recovery code (not secret), so a
  code typed is checked against one hash instead of every unused one. Existing codes
  cannot get one (only their hashes are stored): they stay NULL and are checked as
  before until their owner makes new codes.

Revision ID: 0018_harden
Revises: 0017_milestone_delivery
Create Date: 2026-12-04 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018_harden"
down_revision = "0017_milestone_delivery"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "idempotent_request",
        sa.Column("id", BigId, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_idempotent_request_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_request")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotent_request_user_id_key")),
    )
    op.create_index(op.f("ix_idempotent_request_expires_at"), "idempotent_request", ["expires_at"])
    with op.batch_alter_table("recovery_code") as batch:
        batch.add_column(sa.Column("lookup", sa.String(4), nullable=True))


def downgrade():
    with op.batch_alter_table("recovery_code") as batch:
        batch.drop_column("lookup")
    op.drop_index(op.f("ix_idempotent_request_expires_at"), "idempotent_request")
    op.drop_table("idempotent_request")
