"""揭榜挂帅 proposal attachments (issue 17 point 3): files a proposing team attaches to its
proposal, checked and stored like deal files

Revision ID: 0028_proposal_files
Revises: 0027_challenge_alerts
Create Date: 2026-12-04 23:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_proposal_files"
down_revision = "0027_challenge_alerts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "challenge_proposal_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_challenge_proposal_file_size_positive")),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["challenge_proposal.id"],
            name=op.f("fk_challenge_proposal_file_proposal_id_challenge_proposal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_proposal_file_uploaded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_proposal_file")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_challenge_proposal_file_storage_key")),
    )
    with op.batch_alter_table("challenge_proposal_file", schema=None) as batch_op:
        batch_op.create_index(
            "ix_challenge_proposal_file_proposal", ["proposal_id", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("challenge_proposal_file", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_proposal_file_proposal")
    op.drop_table("challenge_proposal_file")
