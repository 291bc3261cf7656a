"""user_account.confirmed_at: registration finishes with a mailed link (issue 15)

Revision ID: 0012_registration_confirmation
Revises: 0011_token_scopes
Create Date: 2026-12-04 06:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_registration_confirmation"
down_revision = "0011_token_scopes"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("confirmed_at", TZ, nullable=True))
    # Everyone registered so far logged in at once: they count as confirmed.
    op.execute("UPDATE user_account SET confirmed_at = created_at")


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("confirmed_at")
