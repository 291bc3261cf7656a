"""One service call, one transaction: the unit of work.

A service function that changes rows is decorated with ``@unit_of_work``. The outermost
unit of work on a session owns its transaction:

* it ends without an exception → it runs what was registered to happen just before the
  commit (``before_commit``: the notifications of the events it recorded, written once
  the whole unit's events are known), commits, then runs what was registered to happen
  after the commit (``on_commit``: a mail, …);
* it ends with an exception → it rolls back, drops those callbacks, and the exception
  goes on to the caller (a page's form helper, the app's error handler).

A service called by another service joins the caller's unit: nothing commits until the
outermost one ends, so two services composed by a third commit together, and a row lock
taken anywhere inside is held until that commit. Request handlers never commit or roll
back (ARCHITECTURE.md).

Tests may call services with a plain session: each outermost call commits, as a request
would. Code that is not a function (a batch of a bulk import) opens one with
``with UnitOfWork(session):``.

The search outbox does not need registering: its rows are written by a flush hook in the
same transaction, and sent by an ``after_commit`` session hook (discovery/outbox.py)
whoever commits (a unit of work, the worker, the command line).

Shape: invenio-records-resources ``services/uow.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

P = ParamSpec("P")
R = TypeVar("R")

# session.info key: the units of work open on this session, outermost first.
_OPEN = "units_of_work"


class UnitOfWork:
    """``with UnitOfWork(session) as uow:`` — commit at the end of the outermost one."""

    def __init__(self, session: Session):
        self.session = session
        self._before_commit: list[Callable[[], Any]] = []
        self._after_commit: list[Callable[[], Any]] = []

    def before_commit(self, callback: Callable[[], Any]) -> None:
        """Run ``callback()`` inside the transaction, just before the outermost unit
        commits (it may write rows; if it raises, everything rolls back)."""
        self._before_commit.append(callback)

    def on_commit(self, callback: Callable[[], Any]) -> None:
        """Run ``callback()`` once the outermost unit has committed; never if it rolls
        back (nor if this unit ends with an exception that an outer one catches)."""
        self._after_commit.append(callback)

    def __enter__(self) -> UnitOfWork:
        self.session.info.setdefault(_OPEN, []).append(self)
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        units = self.session.info[_OPEN]
        if not units or units[-1] is not self:  # pragma: no cover - a bug in a caller
            raise RuntimeError("units of work must end in the order they began")
        if len(units) == 1 and exc_type is None:
            # Still open while they run: what they register joins this unit.
            try:
                while self._before_commit:
                    self._before_commit.pop(0)()
            except BaseException:
                units.pop()
                self._before_commit, self._after_commit = [], []
                self.session.rollback()
                raise
        units.pop()
        if units:  # nested: the outer unit commits or rolls back
            if exc_type is None:
                units[-1]._before_commit.extend(self._before_commit)
                units[-1]._after_commit.extend(self._after_commit)
            self._before_commit, self._after_commit = [], []
            return False
        callbacks, self._after_commit = self._after_commit, []
        self._before_commit = []
        if exc_type is not None:
            self.session.rollback()
            return False
        try:
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise
        for callback in callbacks:
            callback()
        return False


def current(session: Session) -> UnitOfWork | None:
    """The innermost unit of work open on this session, if any."""
    units = session.info.get(_OPEN)
    return units[-1] if units else None


def on_commit(session: Session, callback: Callable[[], Any]) -> None:
    """Register ``callback`` on the unit of work open on ``session`` (see UnitOfWork)."""
    uow = current(session)
    if uow is None:
        raise RuntimeError("on_commit needs a unit of work: decorate the service function")
    uow.on_commit(callback)


def unit_of_work(fn: Callable[P, R]) -> Callable[P, R]:
    """Make a service function (``fn(session, ...)``) one unit of work."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = args[0] if args else kwargs["session"]
        with UnitOfWork(session):  # type: ignore[arg-type]
            return fn(*args, **kwargs)

    return wrapper


# Changes no unit of work committed ---------------------------------------------------
# session.info key: set by a flush that wrote rows, cleared by the commit or rollback that
# ends the transaction. A request that ends with it set wrote through a service that is
# not a unit of work (or outside any service): its changes would be lost.
_UNFINISHED = "uow_unfinished"


def _flushed(session: Session, _context) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[_UNFINISHED] = True


def _executed(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:  # bulk statements, no flush
        state.session.info[_UNFINISHED] = True


def _ended(session: Session, *_args) -> None:
    session.info.pop(_UNFINISHED, None)


def track_unfinished() -> None:
    """Watch every session for flushed changes that nobody commits (idempotent)."""
    if not event.contains(Session, "after_flush", _flushed):
        event.listen(Session, "after_flush", _flushed)
        event.listen(Session, "do_orm_execute", _executed)
        event.listen(Session, "after_commit", _ended)
        event.listen(Session, "after_soft_rollback", _ended)


def unfinished(session: Session) -> bool:
    """Whether ``session`` holds flushed changes that no commit or rollback has ended."""
    return bool(session.info.get(_UNFINISHED))
