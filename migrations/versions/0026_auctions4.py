"""Payout instructions without a deal (issue 16): a refunded auction deposit or challenge
bounty is paid back by an operator like a deal's refund, so payout_instruction.deal_id
becomes nullable and a ``subject`` names what the money was paid for; auction bids record
the user who placed them.

Revision ID: 0026_auctions4
Revises: 0025_vouchers
Create Date: 2026-12-04 20:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026_auctions4"
down_revision = "0025_vouchers"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payout_instruction") as batch:
        batch.add_column(sa.Column("subject", sa.String(length=60), nullable=False, server_default=""))
        batch.alter_column("deal_id", existing_type=sa.Integer(), nullable=True)
    op.execute(
        "UPDATE payout_instruction SET subject = 'deal:' || CAST(deal_id AS VARCHAR(20))"
        " WHERE deal_id IS NOT NULL"
    )
    with op.batch_alter_table("payout_instruction") as batch:
        batch.alter_column("subject", server_default=None)
    with op.batch_alter_table("stripe_request") as batch:
        batch.alter_column("deal_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("auction_registration") as batch:
        batch.add_column(
            sa.Column("payment_intent", sa.String(length=255), nullable=False, server_default="")
        )
    with op.batch_alter_table("auction_registration") as batch:
        batch.alter_column("payment_intent", server_default=None)
    with op.batch_alter_table("auction_bid") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_auction_bid_user_id_user_account"),
            "user_account",
            ["user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("auction_bid") as batch:
        batch.drop_constraint(op.f("fk_auction_bid_user_id_user_account"), type_="foreignkey")
        batch.drop_column("user_id")
    with op.batch_alter_table("auction_registration") as batch:
        batch.drop_column("payment_intent")
    op.execute("DELETE FROM stripe_request WHERE deal_id IS NULL")
    with op.batch_alter_table("stripe_request") as batch:
        batch.alter_column("deal_id", existing_type=sa.Integer(), nullable=False)
    op.execute("DELETE FROM payout_instruction WHERE deal_id IS NULL")
    with op.batch_alter_table("payout_instruction") as batch:
        batch.alter_column("deal_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("subject")
