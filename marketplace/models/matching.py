"""Precomputed matches: each published item's best matches on the other side, kept up to
date by the search worker (marketplace/discovery/match_store.py) so that pages read them
instead of running the matcher on every view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.outbox import DOC_TYPES, BigId
from marketplace.models.types import TZDateTime, in_list, utcnow

# Items whose matches are stored: listings and demands, and 揭榜挂帅 challenges (their
# related listings, discovery/challenge_matching.py).
MATCHED_DOC_TYPES = DOC_TYPES + ("challenges",)


class MatchState(db.Model):
    """Whether an item's stored matches are current: ``stale`` items are recomputed by
    the worker (the item changed, or a candidate on the other side did)."""

    __tablename__ = "match_state"
    __table_args__ = (
        UniqueConstraint("doc_type", "doc_id"),
        CheckConstraint(in_list("doc_type", MATCHED_DOC_TYPES), name="doc_type"),
        Index("ix_match_state_stale", "stale", "requested_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))  # the item whose matches these are
    doc_id: Mapped[int] = mapped_column()
    stale: Mapped[bool] = mapped_column(default=True)
    requested_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    computed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    variant: Mapped[str] = mapped_column(String(40), default="")  # the matcher that ran


class StoredMatch(db.Model):
    """One of an item's matches: the other side's id, its rank, the calibrated
    probability, the label and the explanation (the matcher's Match, as JSON)."""

    __tablename__ = "stored_match"
    __table_args__ = (
        UniqueConstraint("doc_type", "doc_id", "other_id"),
        CheckConstraint(in_list("doc_type", MATCHED_DOC_TYPES), name="doc_type"),
        Index("ix_stored_match_item", "doc_type", "doc_id", "rank"),
        Index("ix_stored_match_other", "doc_type", "other_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    doc_id: Mapped[int] = mapped_column()
    other_id: Mapped[int] = mapped_column()
    rank: Mapped[int] = mapped_column()
    probability: Mapped[float] = mapped_column(Float)
    label: Mapped[str | None] = mapped_column(String(10))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
