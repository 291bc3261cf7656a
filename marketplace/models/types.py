"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB

# JSON on SQLite, JSONB on PostgreSQL.
JSONList = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


# Timezone-aware timestamps everywhere (timestamptz on PostgreSQL).
TZDateTime = DateTime(timezone=True)


def in_list(column: str, values: tuple[str, ...]) -> str:
    """SQL text for a CHECK constraint that pins a column to a vocabulary."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
