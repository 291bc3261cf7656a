"""organization payout account (Stripe Connect)

Revision ID: 0007_payout_account
Revises: 0006
Create Date: 2026-11-29 07:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007_payout_account"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organization") as batch_op:
        batch_op.add_column(sa.Column("stripe_account_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_organization_stripe_account_id", ["stripe_account_id"]
        )


def downgrade():
    with op.batch_alter_table("organization") as batch_op:
        batch_op.drop_constraint("uq_organization_stripe_account_id", type_="unique")
        batch_op.drop_column("stripe_account_id")
