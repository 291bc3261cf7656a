"""payout instructions for brokers' commission

Revision ID: 0012_commission_payouts
Revises: 0011_payout_details
Create Date: 2026-12-04 06:50:00

"""

from alembic import op

revision = "0012_commission_payouts"
down_revision = "0011_payout_details"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payout_instruction") as batch_op:
        batch_op.drop_constraint(op.f("ck_payout_instruction_kind"), type_="check")
        batch_op.create_check_constraint("kind", "kind IN ('release', 'refund', 'commission')")


def downgrade():
    with op.batch_alter_table("payout_instruction") as batch_op:
        batch_op.drop_constraint(op.f("ck_payout_instruction_kind"), type_="check")
        batch_op.create_check_constraint("kind", "kind IN ('release', 'refund')")
