"""notifications, notification preferences, saved searches, alert jobs

Revision ID: 0008_notifications
Revises: 0007_brokers
Create Date: 2026-11-29 07:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_notifications"
down_revision = "0007_brokers"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "saved_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("alerts", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("last_notified_at", TZ, nullable=True),
        sa.CheckConstraint(
            "doc_type IN ('listings', 'demands')", name=op.f("ck_saved_search_doc_type")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_saved_search_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_search")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_search_user_id_name")),
    )
    op.create_index(op.f("ix_saved_search_user_id"), "saved_search", ["user_id"])

    op.create_table(
        "notification",
        sa.Column("id", BigId, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("saved_search_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("read_at", TZ, nullable=True),
        sa.Column("email_state", sa.String(length=10), nullable=False),
        sa.Column("email_error", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('match_listing', 'match_demand', 'saved_search')",
            name=op.f("ck_notification_kind"),
        ),
        sa.CheckConstraint(
            "email_state IN ('none', 'pending', 'sent', 'failed')",
            name=op.f("ck_notification_email_state"),
        ),
        sa.CheckConstraint(
            "listing_id IS NOT NULL OR demand_id IS NOT NULL",
            name=op.f("ck_notification_has_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_notification_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demand.id"],
            name=op.f("fk_notification_demand_id_demand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_search_id"],
            ["saved_search.id"],
            name=op.f("fk_notification_saved_search_id_saved_search"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    # Once per (user, kind, listing, demand): NULLs read as 0 so they compare equal.
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
    op.create_index("ix_notification_user", "notification", ["user_id", "read_at", "id"])
    op.create_index("ix_notification_email_pending", "notification", ["email_state", "id"])
    op.create_index(op.f("ix_notification_listing_id"), "notification", ["listing_id"])
    op.create_index(op.f("ix_notification_demand_id"), "notification", ["demand_id"])
    op.create_index(op.f("ix_notification_saved_search_id"), "notification", ["saved_search_id"])

    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("match_alerts", sa.Boolean(), nullable=False),
        sa.Column("saved_search_alerts", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_preference_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preference")),
    )

    op.create_table(
        "alert_job",
        sa.Column("id", BigId, nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("published_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=True),
        sa.Column("done_at", TZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "doc_type IN ('listings', 'demands')", name=op.f("ck_alert_job_doc_type")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_job")),
        sa.UniqueConstraint(
            "doc_type",
            "doc_id",
            "published_at",
            name=op.f("uq_alert_job_doc_type_doc_id_published_at"),
        ),
    )
    op.create_index("ix_alert_job_pending", "alert_job", ["done_at", "id"])


def downgrade():
    op.drop_table("alert_job")
    op.drop_table("notification_preference")
    op.drop_table("notification")
    op.drop_table("saved_search")
