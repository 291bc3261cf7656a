"""Stored document vectors: one row per listing or demand and embedding model.

A vector is computed once per content version (``content_hash`` is the sha256 of the
text the embedder saw) and reused by every reindex, the outbox and the matcher. A row
whose hash no longer matches the item's text is stale and is recomputed; rows of another
``model_id`` are simply not used (a model change is a reindex, not a migration) and
``flask search embed --prune`` removes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.outbox import DOC_TYPES
from marketplace.models.types import TZDateTime, in_list, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Embedding(db.Model):
    __tablename__ = "embedding"
    __table_args__ = (
        UniqueConstraint("doc_type", "doc_id", "model_id"),
        CheckConstraint(in_list("doc_type", DOC_TYPES), name="doc_type"),
        CheckConstraint("dimensions > 0", name="dimensions_positive"),
        # float32: four bytes per dimension.
        CheckConstraint("length(vector) = 4 * dimensions", name="vector_size"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    doc_id: Mapped[int] = mapped_column(Integer)  # a listing's or demand's id
    model_id: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the embedded text
    dimensions: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # little-endian float32, unit length
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
