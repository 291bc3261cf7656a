"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# JSON on SQLite, JSONB on PostgreSQL.
JSONList = JSON().with_variant(JSONB(), "postgresql")


# Primary keys are INTEGER columns (int4 on PostgreSQL): no row has an id above this.
MAX_ROW_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware timestamps everywhere: timestamptz on PostgreSQL. SQLite keeps no
    offset, so values are stored there in UTC and read back as UTC-aware datetimes; without
    this they came back naive and the API printed times without an offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None and dialect.name == "sqlite":
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        # Always UTC, whatever the PostgreSQL session's TimeZone: the API prints these
        # with their offset, and pages convert them to the local clock (core/localtime.py).
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


TZDateTime = UTCDateTime()


def in_list(column: str, values: tuple[str, ...]) -> str:
    """SQL text for a CHECK constraint that pins a column to a vocabulary."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
