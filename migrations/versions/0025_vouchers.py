"""科技创新券 innovation vouchers (issue 18): programmes, applications, vouchers spent on
deals and their redemptions; ledger account kinds voucher_budget and voucher_wallet; the
notification kinds voucher_granted and voucher_refused

Revision ID: 0025_vouchers
Revises: 0023_challenges2
Create Date: 2026-12-04 19:18:38.602146

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0025_vouchers"
down_revision = "0023_challenges2"
branch_labels = None
depends_on = None


LEDGER_KINDS = (
    "external",
    "buyer_funding",
    "escrow",
    "supplier_payable",
    "platform_revenue",
    "broker_commission",
    "refunds",
)
VOUCHER_LEDGER_KINDS = ("voucher_budget", "voucher_wallet")
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
)
CHALLENGE_KINDS = (
    "challenge_approved",
    "challenge_rejected",
    "challenge_question",
    "challenge_answer",
    "challenge_outcome",
)
VOUCHER_KINDS = ("voucher_granted", "voucher_refused")
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


def _ledger_kinds(kinds) -> None:
    with op.batch_alter_table("ledger_account") as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_account_kind"), type_="check")
        batch_op.create_check_constraint("kind", _in(kinds))


def upgrade():
    _ledger_kinds(LEDGER_KINDS + VOUCHER_LEDGER_KINDS)
    _notification_kinds(
        NOTIFICATION_KINDS + VOUCHER_KINDS,
        f"{HAS_SUBJECT} OR {_in(CHALLENGE_KINDS)} OR {_in(VOUCHER_KINDS)}",
    )
    op.create_table(
        "voucher_programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issuing_body", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("per_application_cap", sa.BigInteger(), nullable=False),
        sa.Column("per_year_cap", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column(
            "transfer_modes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "domains",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "supplier_kinds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("max_share_bp", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "max_share_bp > 0 AND max_share_bp <= 10000",
            name=op.f("ck_voucher_programme_max_share_bp"),
        ),
        sa.CheckConstraint(
            "per_application_cap > 0",
            name=op.f("ck_voucher_programme_per_application_cap_positive"),
        ),
        sa.CheckConstraint(
            "per_year_cap >= per_application_cap", name=op.f("ck_voucher_programme_per_year_cap")
        ),
        sa.CheckConstraint("valid_to >= valid_from", name=op.f("ck_voucher_programme_validity")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_voucher_programme_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_programme")),
        sa.UniqueConstraint("name", name=op.f("uq_voucher_programme_name")),
    )
    op.create_table(
        "voucher_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column(
            "documents",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("granted_amount", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('submitted', 'granted', 'refused')",
            name=op.f("ck_voucher_application_state"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_voucher_application_amount_positive")),
        sa.CheckConstraint(
            "granted_amount IS NULL OR (granted_amount > 0 AND granted_amount <= amount)",
            name=op.f("ck_voucher_application_granted_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["user_account.id"],
            name=op.f("fk_voucher_application_applicant_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deal.id"],
            name=op.f("fk_voucher_application_deal_id_deal"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_voucher_application_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_voucher_application_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["voucher_programme.id"],
            name=op.f("fk_voucher_application_programme_id_voucher_programme"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_application")),
    )
    with op.batch_alter_table("voucher_application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voucher_application_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_voucher_application_programme_id"), ["programme_id"], unique=False
        )
        batch_op.create_index("ix_voucher_application_state", ["state", "id"], unique=False)

    op.create_table(
        "voucher_spend",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("settled_gross", sa.BigInteger(), nullable=False),
        sa.Column("released", sa.BigInteger(), nullable=False),
        sa.Column("returned", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_voucher_spend_amount_positive")),
        sa.CheckConstraint(
            "released + returned <= amount", name=op.f("ck_voucher_spend_settled_within")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deal.id"],
            name=op.f("fk_voucher_spend_deal_id_deal"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_voucher_spend_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["voucher_programme.id"],
            name=op.f("fk_voucher_spend_programme_id_voucher_programme"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_spend")),
        sa.UniqueConstraint("deal_id", name=op.f("uq_voucher_spend_deal_id")),
    )
    with op.batch_alter_table("voucher_spend", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voucher_spend_programme_id"), ["programme_id"], unique=False
        )

    op.create_table(
        "voucher_redemption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spend_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("supplier_org_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("released_gross", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_voucher_redemption_amount_positive")),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deal.id"],
            name=op.f("fk_voucher_redemption_deal_id_deal"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestone.id"],
            name=op.f("fk_voucher_redemption_milestone_id_milestone"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["voucher_programme.id"],
            name=op.f("fk_voucher_redemption_programme_id_voucher_programme"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["spend_id"],
            ["voucher_spend.id"],
            name=op.f("fk_voucher_redemption_spend_id_voucher_spend"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_org_id"],
            ["organization.id"],
            name=op.f("fk_voucher_redemption_supplier_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_redemption")),
    )
    with op.batch_alter_table("voucher_redemption", schema=None) as batch_op:
        batch_op.create_index(
            "ix_voucher_redemption_programme", ["programme_id", "released_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_voucher_redemption_spend_id"), ["spend_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_voucher_redemption_supplier_org_id"), ["supplier_org_id"], unique=False
        )


def downgrade():
    op.execute("DELETE FROM notification WHERE " + _in(VOUCHER_KINDS))
    _notification_kinds(NOTIFICATION_KINDS, f"{HAS_SUBJECT} OR {_in(CHALLENGE_KINDS)}")
    with op.batch_alter_table("voucher_redemption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voucher_redemption_supplier_org_id"))
        batch_op.drop_index(batch_op.f("ix_voucher_redemption_spend_id"))
        batch_op.drop_index("ix_voucher_redemption_programme")

    op.drop_table("voucher_redemption")
    with op.batch_alter_table("voucher_spend", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voucher_spend_programme_id"))

    op.drop_table("voucher_spend")
    with op.batch_alter_table("voucher_application", schema=None) as batch_op:
        batch_op.drop_index("ix_voucher_application_state")
        batch_op.drop_index(batch_op.f("ix_voucher_application_programme_id"))
        batch_op.drop_index(batch_op.f("ix_voucher_application_organization_id"))

    op.drop_table("voucher_application")
    op.drop_table("voucher_programme")
    # The ledger is append-only: a database that holds voucher accounts cannot go back.
    _ledger_kinds(LEDGER_KINDS)
