"""揭榜挂帅 award and NDA (issue 17): a deal may be opened on an awarded challenge
(deal.challenge_id, the one-item check widened to three kinds of item), and the NDA
click-through of a challenge's details is recorded per user

Revision ID: 0023_challenges2
Revises: 0023_auctions2
Create Date: 2026-12-04 16:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023_challenges2"
down_revision = "0023_auctions2"
branch_labels = None
depends_on = None

ONE_ITEM = (
    "(CASE WHEN listing_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN demand_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN challenge_id IS NULL THEN 0 ELSE 1 END) = 1"
)


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
    "outbid",
)
CHALLENGE_KINDS = (
    "challenge_approved",
    "challenge_rejected",
    "challenge_question",
    "challenge_answer",
    "challenge_outcome",
)
HAS_SUBJECT = "listing_id IS NOT NULL OR demand_id IS NOT NULL OR deal_id IS NOT NULL"
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


def _notification_kinds(kinds, has_subject: str) -> None:
    # SQLite's batch mode rebuilds the table and would lose the expression index.
    op.drop_index("uq_notification_once", table_name="notification")
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_kind"), type_="check")
        batch_op.drop_constraint(op.f("ck_notification_has_subject"), type_="check")
        batch_op.create_check_constraint("kind", _in(kinds))
        batch_op.create_check_constraint("has_subject", has_subject)
    op.create_index("uq_notification_once", "notification", ONCE, unique=True)


def upgrade():
    _notification_kinds(
        NOTIFICATION_KINDS + CHALLENGE_KINDS, f"{HAS_SUBJECT} OR {_in(CHALLENGE_KINDS)}"
    )
    with op.batch_alter_table("notification_preference") as batch_op:
        batch_op.add_column(
            sa.Column("challenge_events", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("challenge_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_deal_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_deal_challenge_id_challenge"),
            "challenge",
            ["challenge_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_constraint(batch_op.f("ck_deal_one_item"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_deal_one_item"), ONE_ITEM)

    with op.batch_alter_table("challenge_proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awarded_amount", sa.BigInteger(), nullable=True))

    op.create_table(
        "challenge_nda_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
            name=op.f("fk_challenge_nda_acceptance_challenge_id_challenge"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_nda_acceptance_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_nda_acceptance")),
        sa.UniqueConstraint(
            "challenge_id", "user_id", name=op.f("uq_challenge_nda_acceptance_challenge_id_user_id")
        ),
    )
    with op.batch_alter_table("challenge_nda_acceptance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_nda_acceptance_challenge_id"), ["challenge_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("notification_preference") as batch_op:
        batch_op.drop_column("challenge_events")
    op.execute("DELETE FROM notification WHERE " + _in(CHALLENGE_KINDS))
    _notification_kinds(NOTIFICATION_KINDS, HAS_SUBJECT)
    with op.batch_alter_table("challenge_nda_acceptance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_nda_acceptance_challenge_id"))
    op.drop_table("challenge_nda_acceptance")
    with op.batch_alter_table("challenge_proposal", schema=None) as batch_op:
        batch_op.drop_column("awarded_amount")
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_deal_one_item"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_deal_one_item"), "(listing_id IS NULL) <> (demand_id IS NULL)"
        )
        batch_op.drop_constraint(batch_op.f("fk_deal_challenge_id_challenge"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_deal_challenge_id"))
        batch_op.drop_column("challenge_id")
