"""Row locks that mean the same on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from marketplace.core.errors import Conflict
from marketplace.core.messages import N_


def lock_rows(session: Session, model, ids: Iterable[int]) -> None:
    """Hold a write lock on these rows until the transaction ends.

    PostgreSQL: SELECT … FOR UPDATE, in id order so two lockers cannot deadlock.
    SQLite has no row locks and starts its write transaction lazily; a no-op UPDATE takes
    the database's write lock now, so a concurrent writer waits here instead of both
    reading the same state and both acting on it.
    """
    ordered = sorted(set(ids))
    if not ordered:
        return
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(model).where(model.id.in_(ordered)).values(id=model.id),
            execution_options={"synchronize_session": False},
        )
    else:
        session.execute(
            select(model.id).where(model.id.in_(ordered)).order_by(model.id).with_for_update()
        )


def begin_write(session: Session) -> None:
    """Make sure a real transaction is open before a SAVEPOINT.

    pysqlite (in its default mode) opens a transaction only before a data-changing
    statement, so a SAVEPOINT issued first would be released as a commit of its own. A
    no-op UPDATE opens the transaction; PostgreSQL needs nothing.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))


def flush_or_conflict(session: Session) -> None:
    """Flush; a row changed by a concurrent writer since we read it becomes a 409."""
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            N_("Someone else changed this at the same time; reload and try again."),
            code="concurrent_change",
        ) from None
