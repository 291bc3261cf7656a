"""organization credit code (统一社会信用代码)

Revision ID: 0010_credit_code
Revises: 0008_notifications
Create Date: 2026-12-04 06:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_credit_code"
down_revision = "0013_audit_log"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organization") as batch_op:
        batch_op.add_column(sa.Column("credit_code", sa.String(length=18), nullable=True))
        batch_op.create_unique_constraint("uq_organization_credit_code", ["credit_code"])


def downgrade():
    with op.batch_alter_table("organization") as batch_op:
        batch_op.drop_constraint("uq_organization_credit_code", type_="unique")
        batch_op.drop_column("credit_code")
