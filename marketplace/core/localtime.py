"""Local time: the marketplace's clock face is Asia/Shanghai.

The database and the API keep instants in UTC (ISO 8601 with an explicit offset). Whatever
a person reads — pages, mails, CSV/XLSX exports, the contract and registration PDFs — shows
the same instant on the marketplace's clock (`BABEL_DEFAULT_TIMEZONE`, Asia/Shanghai), and
every period a person picks ("from 2026-03-01 to 2026-03-31") is made of local calendar
days. This module is the one place that knows how: the Jinja filters `when` and `day`
(views/base.py) and every export call it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

ZONE = "Asia/Shanghai"

MINUTE = "%Y-%m-%d %H:%M"
SECOND = "%Y-%m-%d %H:%M:%S"
DAY = "%Y-%m-%d"


def zone() -> ZoneInfo:
    """The marketplace's zone (the app's BABEL_DEFAULT_TIMEZONE, Asia/Shanghai by default)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or ZONE)


def aware(moment: datetime) -> datetime:
    """An instant with its offset: a naive datetime is UTC (how SQLite hands them back)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local(moment: datetime) -> datetime:
    """The instant on the marketplace's clock."""
    return aware(moment).astimezone(zone())


def local_date(moment: datetime) -> date:
    """The local calendar day an instant falls on."""
    return local(moment).date()


def today() -> date:
    """Today on the marketplace's clock (deadlines and due dates are local days)."""
    return datetime.now(zone()).date()


def fmt(value: datetime | date | str | None, pattern: str = MINUTE) -> str:
    """A time as a person reads it: the local time of an instant, a date as it is.

    An ISO string (what a JSON column or a search document holds) is read first."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return local(value).strftime(pattern)
    return value.strftime(pattern if pattern == DAY else DAY)


def fmt_day(value: datetime | date | str | None) -> str:
    return fmt(value, DAY)


def day_start(day: date) -> datetime:
    """The UTC instant the local day begins (00:00 Asia/Shanghai = 16:00 UTC the day before)."""
    return datetime.combine(day, time(), zone()).astimezone(UTC)


def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """A period of local days as UTC instants [start 00:00 local, the day after end 00:00
    local): both days included; None leaves that side open."""
    lo = day_start(start) if start else None
    hi = day_start(end + timedelta(days=1)) if end else None
    return lo, hi


def from_local_input(raw: str) -> str:
    """A datetime-local form value ('2026-11-20T09:30', on the local clock) as ISO with its
    offset; a value with an offset stays as it is, a malformed one too (the schema says why)."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone())
    return moment.isoformat()


def to_local_input(moment: datetime) -> str:
    """An instant as a datetime-local form value on the local clock."""
    return local(moment).strftime("%Y-%m-%dT%H:%M")
