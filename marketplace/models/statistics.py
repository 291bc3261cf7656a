"""Market statistics (市场统计): the cache of computed figures and the owners' view
counters. The figures themselves are computed by SQL from the other tables
(marketplace/statistics/); these rows only keep results and counts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.outbox import DOC_TYPES, BigId
from marketplace.models.types import JSONList, TZDateTime, in_list, utcnow


class StatisticsSnapshot(db.Model):
    """The figures of one period (``all``, ``2026``, ``2026Q4``, ``2026-11``) as computed at
    ``computed_at``: the public page and API read this row instead of aggregating on every
    request; ``flask stats refresh`` and the worker recompute it."""

    __tablename__ = "statistics_snapshot"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    period: Mapped[str] = mapped_column(String(20), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONList, default=dict)
    computed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class ItemViewCount(db.Model):
    """Views of a listing's or demand's page on one Asia/Shanghai day, added in batches
    from the web processes' in-memory buffers (statistics/item_views.py): one row per item
    and day, bots and the owner's own views left out."""

    __tablename__ = "item_view_count"
    __table_args__ = (
        UniqueConstraint("doc_type", "doc_id", "day"),
        CheckConstraint(in_list("doc_type", DOC_TYPES), name="doc_type"),
        CheckConstraint("views >= 0", name="views_nonnegative"),
        Index("ix_item_view_count_day", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    doc_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer, default=0)
