"""notifications of deal events, broker events and reviews (issue 14 point 1): a
notification may point at a deal, names the event it announces (event_key, part of the
once-only index), and preferences gain one switch per group of events

Revision ID: 0018_notify
Revises: 0018_harden
Create Date: 2026-12-04 11:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018_notify"
down_revision = "0018_harden"
branch_labels = None
depends_on = None

ALERTS = ("match_listing", "match_demand", "saved_search")
KINDS = ALERTS + (
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


def _in(values) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    op.drop_index("uq_notification_once", table_name="notification")
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_kind"), type_="check")
        batch_op.drop_constraint(op.f("ck_notification_has_subject"), type_="check")
        batch_op.add_column(sa.Column("deal_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("event_key", sa.String(length=80), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            op.f("fk_notification_deal_id_deal"), "deal", ["deal_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_check_constraint("kind", _in(KINDS))
        batch_op.create_check_constraint(
            "has_subject",
            "listing_id IS NOT NULL OR demand_id IS NOT NULL OR deal_id IS NOT NULL",
        )
    op.create_index(op.f("ix_notification_deal_id"), "notification", ["deal_id"])
    op.create_index(
        "uq_notification_once",
        "notification",
        [
            "user_id",
            "kind",
            sa.text("coalesce(listing_id, 0)"),
            sa.text("coalesce(demand_id, 0)"),
            sa.text("coalesce(deal_id, 0)"),
            "event_key",
        ],
        unique=True,
    )
    with op.batch_alter_table("notification_preference") as batch_op:
        for name in ("deal_events", "broker_events", "publication_events"):
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.true())
            )


def downgrade():
    with op.batch_alter_table("notification_preference") as batch_op:
        for name in ("deal_events", "broker_events", "publication_events"):
            batch_op.drop_column(name)
    op.execute("DELETE FROM notification WHERE " + _in(KINDS[len(ALERTS) :]))
    op.drop_index("uq_notification_once", table_name="notification")
    op.drop_index(op.f("ix_notification_deal_id"), table_name="notification")
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_kind"), type_="check")
        batch_op.drop_constraint(op.f("ck_notification_has_subject"), type_="check")
        batch_op.drop_constraint(op.f("fk_notification_deal_id_deal"), type_="foreignkey")
        batch_op.drop_column("event_key")
        batch_op.drop_column("deal_id")
        batch_op.create_check_constraint("kind", _in(ALERTS))
        batch_op.create_check_constraint(
            "has_subject", "listing_id IS NOT NULL OR demand_id IS NOT NULL"
        )
    op.create_index(
        "uq_notification_once",
        "notification",
        [
            "user_id",
            "kind",
            sa.text("coalesce(listing_id, 0)"),
            sa.text("coalesce(demand_id, 0)"),
        ],
        unique=True,
    )
