"""stored document vectors (embedding), one per listing/demand and model

Revision ID: 0010_embeddings
Revises: 0008_notifications
Create Date: 2026-12-02 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_embeddings"
down_revision = "0008_notifications"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "embedding",
        sa.Column("id", BigId, nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "doc_type IN ('listings', 'demands')", name=op.f("ck_embedding_doc_type")
        ),
        sa.CheckConstraint("dimensions > 0", name=op.f("ck_embedding_dimensions_positive")),
        sa.CheckConstraint(
            "length(vector) = 4 * dimensions", name=op.f("ck_embedding_vector_size")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embedding")),
        sa.UniqueConstraint(
            "doc_type", "doc_id", "model_id", name=op.f("uq_embedding_doc_type_doc_id_model_id")
        ),
    )


def downgrade():
    op.drop_table("embedding")
