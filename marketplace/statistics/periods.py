"""Statistics periods and Asia/Shanghai time in SQL.

A period is ``all``, a year (``2026``), a quarter (``2026Q4``) or a month (``2026-11``),
always of Asia/Shanghai days: 2026Q4 is [2026-10-01 00:00 +08:00, 2027-01-01 00:00 +08:00).
Rows are filtered by the period's bounds converted to UTC (the columns are UTC
timestamps), and grouped by their local day or month with ``local_day``/``local_month``:
``to_char(timezone('Asia/Shanghai', t), …)`` on PostgreSQL, ``strftime(…, t, '+8 hours')``
on SQLite (which keeps UTC text and knows no zones; China has kept UTC+8 without
daylight saving since 1991, so the fixed offset is exact for every date the market has).
Constants are literals, not bound parameters: PostgreSQL matches a GROUP BY expression
with the select list's only when they are written alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from marketplace.core.errors import Invalid
from marketplace.core.messages import N_

ZONE_NAME = "Asia/Shanghai"
ZONE = ZoneInfo(ZONE_NAME)
SQLITE_OFFSET = "+8 hours"

PERIOD_RE = re.compile(r"^(?:all|(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?)$")


@dataclass(frozen=True)
class Period:
    key: str
    start: date | None  # first local day, included
    end: date | None  # first local day after the period

    @property
    def lo(self) -> datetime | None:
        return local_midnight(self.start) if self.start else None

    @property
    def hi(self) -> datetime | None:
        return local_midnight(self.end) if self.end else None

    @property
    def kind(self) -> str:
        if self.key == "all":
            return "all"
        if "Q" in self.key:
            return "quarter"
        return "month" if "-" in self.key else "year"

    def months(self, until: date | None = None) -> list[str]:
        """The period's months (``YYYY-MM``) up to ``until`` (a local day), oldest first;
        none for ``all`` (its months are those that have data)."""
        if self.start is None or self.end is None:
            return []
        last = min(self.end, until) if until else self.end
        out, year, month = [], self.start.year, self.start.month
        while date(year, month, 1) < last:
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def previous(self) -> Period | None:
        """The period of the same kind just before this one (None for ``all``)."""
        if self.start is None:
            return None
        return for_day(self.start - timedelta(days=1), self.kind)

    def contains(self, at: datetime) -> bool:
        return (self.lo is None or at >= self.lo) and (self.hi is None or at < self.hi)


def local_midnight(day: date) -> datetime:
    """00:00 of ``day`` in Asia/Shanghai, as a UTC datetime."""
    return datetime.combine(day, time(), ZONE).astimezone(UTC)


def local_today(now: datetime) -> date:
    return now.astimezone(ZONE).date()


def parse(key: str) -> Period:
    """``all``, ``2026``, ``2026Q4`` or ``2026-11``; anything else is Invalid."""
    found = PERIOD_RE.match((key or "").strip())
    if not found or (found.group(1) and not 2000 <= int(found.group(1)) <= 2100):
        raise Invalid(
            {
                "period": N_(
                    "A period is all, a year (2026), a quarter (2026Q4) or a month (2026-11)."
                )
            }
        )
    if key.strip() == "all":
        return Period("all", None, None)
    year = int(found.group(1))
    if found.group(2):
        q = int(found.group(2))
        start = date(year, 3 * q - 2, 1)
        end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
        return Period(f"{year}Q{q}", start, end)
    if found.group(3):
        m = int(found.group(3))
        start = date(year, m, 1)
        end = date(year + 1, 1, 1) if m == 12 else date(year, m + 1, 1)
        return Period(f"{year}-{m:02d}", start, end)
    return Period(str(year), date(year, 1, 1), date(year + 1, 1, 1))


def for_day(day: date, kind: str) -> Period:
    """The period of ``kind`` (year, quarter, month) that holds the local ``day``."""
    if kind == "year":
        return parse(str(day.year))
    if kind == "quarter":
        return parse(f"{day.year}Q{(day.month - 1) // 3 + 1}")
    if kind == "month":
        return parse(f"{day.year}-{day.month:02d}")
    return parse("all")


# SQL ------------------------------------------------------------------------------------


class _LocalText(FunctionElement):
    """The local (Asia/Shanghai) day or month of a UTC timestamp column, as text."""

    type = String()
    inherit_cache = True
    pg_format = ""
    sqlite_format = ""


class local_month(_LocalText):  # noqa: N801 - reads as a SQL function
    name = "local_month"
    inherit_cache = True
    pg_format = "YYYY-MM"
    sqlite_format = "%Y-%m"


class local_day(_LocalText):  # noqa: N801
    name = "local_day"
    inherit_cache = True
    pg_format = "YYYY-MM-DD"
    sqlite_format = "%Y-%m-%d"


@compiles(local_month, "postgresql")
@compiles(local_day, "postgresql")
def _local_pg(element, compiler, **kw):
    (column,) = element.clauses
    return (
        f"to_char(timezone('{ZONE_NAME}', {compiler.process(column, **kw)}), '{element.pg_format}')"
    )


@compiles(local_month)
@compiles(local_day)
def _local_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    fmt = element.sqlite_format
    if compiler.preparer.dialect.paramstyle in ("format", "pyformat"):
        fmt = fmt.replace("%", "%%")
    return f"strftime('{fmt}', {compiler.process(column, **kw)}, '{SQLITE_OFFSET}')"


class days_between(FunctionElement):  # noqa: N801
    """(later − earlier) in days, fractional."""

    name = "days_between"
    type = Float()
    inherit_cache = True


@compiles(days_between, "postgresql")
def _days_pg(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"


@compiles(days_between)
def _days_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({later}) - julianday({earlier}))"
