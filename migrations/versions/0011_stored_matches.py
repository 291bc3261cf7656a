"""precomputed matches (match_state, stored_match), kept current by the search worker

Revision ID: 0011_stored_matches
Revises: 0010_embeddings
Create Date: 2026-12-04 06:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_stored_matches"
down_revision = "0010_embeddings"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DOC_TYPE = "doc_type IN ('listings', 'demands')"


def upgrade():
    op.create_table(
        "match_state",
        sa.Column("id", BigId, nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("variant", sa.String(length=40), nullable=False),
        sa.CheckConstraint(DOC_TYPE, name=op.f("ck_match_state_doc_type")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_state")),
        sa.UniqueConstraint("doc_type", "doc_id", name=op.f("uq_match_state_doc_type_doc_id")),
    )
    op.create_index("ix_match_state_stale", "match_state", ["stale", "requested_at"])
    op.create_table(
        "stored_match",
        sa.Column("id", BigId, nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("label", sa.String(length=10), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(DOC_TYPE, name=op.f("ck_stored_match_doc_type")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_match")),
        sa.UniqueConstraint(
            "doc_type", "doc_id", "other_id", name=op.f("uq_stored_match_doc_type_doc_id_other_id")
        ),
    )
    op.create_index("ix_stored_match_item", "stored_match", ["doc_type", "doc_id", "rank"])
    op.create_index("ix_stored_match_other", "stored_match", ["doc_type", "other_id"])


def downgrade():
    op.drop_index("ix_stored_match_other", table_name="stored_match")
    op.drop_index("ix_stored_match_item", table_name="stored_match")
    op.drop_table("stored_match")
    op.drop_index("ix_match_state_stale", table_name="match_state")
    op.drop_table("match_state")
