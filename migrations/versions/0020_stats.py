"""market statistics (issue 18 points 3, 5, 6): the cache of computed figures per period
and the owners' daily view counters

Revision ID: 0018_stats
Revises: 0018_notify
Create Date: 2026-12-04 11:30:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018_stats"
down_revision = "0018_notify"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "statistics_snapshot",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("computed_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_snapshot")),
        sa.UniqueConstraint("period", name=op.f("uq_statistics_snapshot_period")),
    )
    op.create_table(
        "item_view_count",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "doc_type IN ('listings', 'demands')", name=op.f("ck_item_view_count_doc_type")
        ),
        sa.CheckConstraint("views >= 0", name=op.f("ck_item_view_count_views_nonnegative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_view_count")),
        sa.UniqueConstraint(
            "doc_type", "doc_id", "day", name=op.f("uq_item_view_count_doc_type_doc_id_day")
        ),
    )
    op.create_index("ix_item_view_count_day", "item_view_count", ["day"])


def downgrade():
    op.drop_index("ix_item_view_count_day", table_name="item_view_count")
    op.drop_table("item_view_count")
    op.drop_table("statistics_snapshot")
