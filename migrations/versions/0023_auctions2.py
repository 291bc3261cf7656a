"""auctions after the close (issue 16): the buyer of a sold lot, its sale price and
funding deadline, the runner-up, the forfeit split; deposits forfeited; lots defaulted;
the outbid notification and its preference switch

Revision ID: 0023_auctions2
Revises: 0018_auctions
Create Date: 2026-12-04 16:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023_auctions2"
down_revision = "0018_auctions"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
OLD_LOT = "state IN ('applied', 'admitted', 'rejected', 'withdrawn', 'sold', 'unsold')"
NEW_LOT = (
    "state IN ('applied', 'admitted', 'rejected', 'withdrawn', 'sold', 'unsold', 'defaulted')"
)
OLD_DEPOSIT = "deposit_state IN ('pending', 'held', 'applied', 'refunded', 'lapsed')"
NOTIFICATION_KINDS = (
    "match_listing",
    "match_demand",
    "saved_search",
    "deal_opened",
    "deal_message",
    "terms_proposed",
    "terms_confirmed",
    "terms_agreed",
    "deal_funded",
    "milestone_delivered",
    "milestone_rejected",
    "milestone_accepted",
    "acceptance_due",
    "dispute_opened",
    "dispute_resolved",
    "cancel_proposed",
    "cancel_accepted",
    "cancel_declined",
    "deal_cancelled",
    "deal_completed",
    "payout_executed",
    "broker_invited",
    "broker_joined",
    "mediation_offered",
    "mediation_answered",
    "item_approved",
    "item_rejected",
)
AUCTION_KINDS = ("outbid",)
ONCE = [
    "user_id",
    "kind",
    sa.text("coalesce(listing_id, 0)"),
    sa.text("coalesce(demand_id, 0)"),
    sa.text("coalesce(deal_id, 0)"),
    "event_key",
]


def _in(values) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _notification_kinds(kinds) -> None:
    # SQLite's batch mode rebuilds the table and would lose the expression index.
    op.drop_index("uq_notification_once", table_name="notification")
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_kind"), type_="check")
        batch_op.create_check_constraint("kind", _in(kinds))
    op.create_index("uq_notification_once", "notification", ONCE, unique=True)


NEW_DEPOSIT = (
    "deposit_state IN ('pending', 'held', 'applied', 'refunded', 'lapsed', 'forfeited')"
)


def upgrade():
    with op.batch_alter_table("auction_lot", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("forfeit_seller_bp", sa.Integer(), server_default="5000", nullable=False)
        )
        batch_op.add_column(sa.Column("buyer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sale_price", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("funding_due_at", TZ, nullable=True))
        batch_op.add_column(sa.Column("runner_up_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("offer_round", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_auction_lot_funding_due_at"), ["funding_due_at"], unique=False
        )
        batch_op.drop_constraint(batch_op.f("ck_auction_lot_state"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_auction_lot_state"), NEW_LOT)
        batch_op.create_check_constraint(
            batch_op.f("ck_auction_lot_forfeit_split"), "forfeit_seller_bp BETWEEN 0 AND 10000"
        )
    with op.batch_alter_table("auction_registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deal_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_auction_registration_deposit_state"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_auction_registration_deposit_state"), NEW_DEPOSIT
        )
    _notification_kinds(NOTIFICATION_KINDS + AUCTION_KINDS)
    with op.batch_alter_table("notification_preference") as batch_op:
        batch_op.add_column(
            sa.Column("auction_events", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    # Deposits applied before: to their lot's deal.
    op.execute(
        "UPDATE auction_registration SET deal_id = (SELECT deal_id FROM auction_lot"
        " WHERE auction_lot.id = auction_registration.lot_id)"
        " WHERE deposit_state = 'applied'"
    )
    op.execute(
        "UPDATE auction_lot SET buyer_id = leader_id, sale_price = current_price"
        " WHERE state = 'sold'"
    )


def downgrade():
    with op.batch_alter_table("notification_preference") as batch_op:
        batch_op.drop_column("auction_events")
    op.execute("DELETE FROM notification WHERE " + _in(AUCTION_KINDS))
    _notification_kinds(NOTIFICATION_KINDS)
    with op.batch_alter_table("auction_registration", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_auction_registration_deposit_state"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_auction_registration_deposit_state"), OLD_DEPOSIT
        )
        batch_op.drop_column("deal_id")
    with op.batch_alter_table("auction_lot", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_auction_lot_forfeit_split"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_auction_lot_state"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_auction_lot_state"), OLD_LOT)
        batch_op.drop_index(batch_op.f("ix_auction_lot_funding_due_at"))
        batch_op.drop_column("offer_round")
        batch_op.drop_column("runner_up_id")
        batch_op.drop_column("funding_due_at")
        batch_op.drop_column("sale_price")
        batch_op.drop_column("buyer_id")
        batch_op.drop_column("forfeit_seller_bp")
