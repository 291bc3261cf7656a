"""The search outbox: one row per change of a listing or demand, written in the same
transaction as the change, sent to Elasticsearch after commit and marked done only once
Elasticsearch acknowledged it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.types import TZDateTime, in_list, utcnow

DOC_TYPES = ("listings", "demands")
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class SearchOutbox(db.Model):
    __tablename__ = "search_outbox"
    __table_args__ = (
        CheckConstraint(in_list("doc_type", DOC_TYPES), name="doc_type"),
        # The dispatcher's scan: pending rows in order.
        Index("ix_search_outbox_pending", "done_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    doc_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    done_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
