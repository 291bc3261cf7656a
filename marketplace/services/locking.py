"""Row locks that mean the same on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session


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
