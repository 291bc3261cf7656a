"""The statistics cache: one row per period (models/statistics.py) holding every figure,
read by the page, the API and the downloads. A row older than STATS_CACHE_SECONDS is
recomputed on the next read; ``flask stats refresh`` and the search worker recompute the
usual periods ahead of readers (``refresh``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marketplace.core.uow import unit_of_work
from marketplace.models import StatisticsSnapshot
from marketplace.models.types import utcnow
from marketplace.statistics import (  # noqa: F401 - register their figures
    auctions,
    market,
    vouchers,
)
from marketplace.statistics.figures import FIGURES
from marketplace.statistics.periods import Period, for_day, local_today, parse

DEFAULT_MAX_AGE = 900  # seconds


def compute(session: Session, period: Period, now: datetime | None = None) -> dict[str, Any]:
    """Every registered figure of ``period``, freshly computed."""
    now = now or utcnow()
    return {
        "period": period.key,
        "computed_at": now.isoformat(),
        "figures": {key: fig.compute(session, period, now) for key, fig in FIGURES.items()},
    }


@unit_of_work
def store(session: Session, payload: dict[str, Any], computed_at: datetime) -> None:
    """Insert or replace the period's row in one statement (two writers of the same
    period cannot collide on the unique key)."""
    values = {"period": payload["period"], "payload": payload, "computed_at": computed_at}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(StatisticsSnapshot).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["period"],
        set_={"payload": stmt.excluded.payload, "computed_at": stmt.excluded.computed_at},
    )
    session.execute(stmt)


def get(
    session: Session,
    period: Period,
    *,
    max_age: int = DEFAULT_MAX_AGE,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The cached figures of ``period``, recomputed (and stored) when missing, older than
    ``max_age`` seconds or lacking a figure registered since."""
    now = now or utcnow()
    row = session.scalar(select(StatisticsSnapshot).where(StatisticsSnapshot.period == period.key))
    if (
        row is not None
        and row.computed_at > now - timedelta(seconds=max_age)
        and set(FIGURES) <= set(row.payload.get("figures", {}))
    ):
        return row.payload
    payload = compute(session, period, now)
    store(session, payload, now)
    return payload


def usual_periods(now: datetime) -> list[Period]:
    """What the page offers first: all time, this and last year, quarter and month."""
    today = local_today(now)
    out = [parse("all")]
    for kind in ("year", "quarter", "month"):
        current = for_day(today, kind)
        out += [current, current.previous()]
    return out


def refresh(session: Session, now: datetime | None = None) -> list[str]:
    """Recompute the usual periods and every period already cached; returns their keys."""
    now = now or utcnow()
    keys = {p.key: p for p in usual_periods(now)}
    for key in session.scalars(select(StatisticsSnapshot.period)):
        keys.setdefault(key, parse(key))
    for period in keys.values():
        store(session, compute(session, period, now), now)
    return sorted(keys)


def refresh_if_due(session: Session, max_age: int = DEFAULT_MAX_AGE) -> bool:
    """The worker's call: refresh when the all-time row is older than ``max_age``."""
    now = utcnow()
    computed = session.scalar(
        select(StatisticsSnapshot.computed_at).where(StatisticsSnapshot.period == "all")
    )
    if computed is not None and computed > now - timedelta(seconds=max_age):
        return False
    refresh(session, now)
    return True
