"""second factor: TOTP secrets, recovery codes, sessions' last second-factor check (issue 15)

Revision ID: 0014_second_factor
Revises: 0012_commission_payouts
Create Date: 2026-12-04 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014_second_factor"
down_revision = "0012_commission_payouts"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "second_factor",
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("enabled_at", TZ, nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=False),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("code_hash", sa.String(255), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
    )
    op.create_index("ix_recovery_code_user_id", "recovery_code", ["user_id"])
    with op.batch_alter_table("login_session") as batch:
        batch.add_column(sa.Column("second_factor_at", TZ, nullable=True))


def downgrade():
    with op.batch_alter_table("login_session") as batch:
        batch.drop_column("second_factor_at")
    op.drop_index("ix_recovery_code_user_id", "recovery_code")
    op.drop_table("recovery_code")
    op.drop_table("second_factor")
