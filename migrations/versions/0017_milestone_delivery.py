"""milestones delivered before they are accepted (issue 14 point 2): states pending →
delivered → accepted (or rejected back to pending), the delivery's note, files and
acceptance deadline; the acceptance period in the terms (deal_terms.acceptance_days)

An existing milestone in state "open" becomes "pending": the supplier delivers it (with a
note and files) before the buyer accepts it, and the automatic acceptance clock starts at
that delivery, never from this migration. Terms already agreed get the default period
(14 days); their stored hashes stay valid (a version at the default period hashes as
before, deals/terms.py canonical_terms).

Revision ID: 0017_milestone_delivery
Revises: 0016_cancellation_proposals
Create Date: 2026-12-04 08:40:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017_milestone_delivery"
down_revision = "0016_cancellation_proposals"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
NEW = "state IN ('pending', 'delivered', 'accepted', 'disputed', 'resolved', 'cancelled')"
OLD = "state IN ('open', 'accepted', 'disputed', 'resolved', 'cancelled')"


def upgrade():
    with op.batch_alter_table("milestone") as batch_op:
        batch_op.drop_constraint(op.f("ck_milestone_state"), type_="check")
    op.execute("UPDATE milestone SET state = 'pending' WHERE state = 'open'")
    with op.batch_alter_table("milestone") as batch_op:
        batch_op.create_check_constraint("state", NEW)
        batch_op.add_column(sa.Column("delivered_at", TZ, nullable=True))
        batch_op.add_column(
            sa.Column("delivery_note", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("delivery_files", JSON, nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("rejection_reason", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("acceptance_due_at", TZ, nullable=True))
        batch_op.add_column(sa.Column("acceptance_notice_at", TZ, nullable=True))
    with op.batch_alter_table("deal_terms") as batch_op:
        batch_op.add_column(
            sa.Column("acceptance_days", sa.Integer(), nullable=False, server_default="14")
        )


def downgrade():
    with op.batch_alter_table("deal_terms") as batch_op:
        batch_op.drop_column("acceptance_days")
    with op.batch_alter_table("milestone") as batch_op:
        batch_op.drop_constraint(op.f("ck_milestone_state"), type_="check")
        for column in (
            "acceptance_notice_at",
            "acceptance_due_at",
            "rejection_reason",
            "delivery_files",
            "delivery_note",
            "delivered_at",
        ):
            batch_op.drop_column(column)
    op.execute("UPDATE milestone SET state = 'open' WHERE state IN ('pending', 'delivered')")
    with op.batch_alter_table("milestone") as batch_op:
        batch_op.create_check_constraint("state", OLD)
