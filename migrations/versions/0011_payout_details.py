"""payout bank accounts of organizations; payout instructions carry their details as data

Revision ID: 0011_payout_details
Revises: 0010_credit_code
Create Date: 2026-12-04 06:35:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_payout_details"
down_revision = "0010_credit_code"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("organization") as batch_op:
        batch_op.add_column(
            sa.Column("payout_bank", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "payout_account_holder", sa.String(length=200), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column(
                "payout_account_number", sa.String(length=64), nullable=False, server_default=""
            )
        )
    with op.batch_alter_table("payout_instruction") as batch_op:
        batch_op.add_column(
            sa.Column("details", JSON, nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade():
    with op.batch_alter_table("payout_instruction") as batch_op:
        batch_op.drop_column("details")
    with op.batch_alter_table("organization") as batch_op:
        batch_op.drop_column("payout_account_number")
        batch_op.drop_column("payout_account_holder")
        batch_op.drop_column("payout_bank")
