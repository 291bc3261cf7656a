"""揭榜挂帅 challenge alerts (issue 17): the notification kind challenge_match (您可能能揭此榜),
alert jobs for challenges, and stored matches of challenges (doc type "challenges")

Revision ID: 0027_challenge_alerts
Revises: 0026_auctions4
Create Date: 2026-12-04 23:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027_challenge_alerts"
down_revision = "0026_auctions4"
branch_labels = None
depends_on = None


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
    "challenge_approved",
    "challenge_rejected",
    "challenge_question",
    "challenge_answer",
    "challenge_outcome",
    "voucher_granted",
    "voucher_refused",
)
CHALLENGE_KINDS = (
    "challenge_approved",
    "challenge_rejected",
    "challenge_question",
    "challenge_answer",
    "challenge_outcome",
)
VOUCHER_KINDS = ("voucher_granted", "voucher_refused")
MATCH_KIND = "challenge_match"
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


def _notification_kinds(kinds, challenge_kinds) -> None:
    has_subject = f"{HAS_SUBJECT} OR {_in(challenge_kinds)} OR {_in(VOUCHER_KINDS)}"
    # SQLite's batch mode rebuilds the table and would lose the expression index.
    op.drop_index("uq_notification_once", table_name="notification")
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_kind"), type_="check")
        batch_op.drop_constraint(op.f("ck_notification_has_subject"), type_="check")
        batch_op.create_check_constraint("kind", _in(kinds))
        batch_op.create_check_constraint("has_subject", has_subject)
    op.create_index("uq_notification_once", "notification", ONCE, unique=True)


TABLES = ("alert_job", "match_state", "stored_match")


def _doc_types(doc_types) -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_doc_type"), type_="check")
            batch_op.create_check_constraint(
                "doc_type", "doc_type IN (" + ", ".join(f"'{v}'" for v in doc_types) + ")"
            )


def upgrade():
    _notification_kinds(NOTIFICATION_KINDS + (MATCH_KIND,), CHALLENGE_KINDS + (MATCH_KIND,))
    _doc_types(("listings", "demands", "challenges"))


def downgrade():
    op.execute(f"DELETE FROM notification WHERE kind = '{MATCH_KIND}'")
    for table in TABLES:
        op.execute(f"DELETE FROM {table} WHERE doc_type = 'challenges'")
    _doc_types(("listings", "demands"))
    _notification_kinds(NOTIFICATION_KINDS, CHALLENGE_KINDS)
