"""Login sessions that end: begun at login, ended by logout, a password change or
"log out everywhere". The cookie carries a random key; the database, its digest."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.core.errors import Forbidden, NotFound, Unauthorized
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.models import LoginSession, User
from marketplace.models.types import utcnow


class ReauthenticationRequired(Forbidden):
    """The action needs a password (or second factor) checked in the last few minutes."""

    code = "reauthentication_required"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@unit_of_work
def begin(session: Session, user: User, *, ip: str = "", user_agent: str = "") -> str:
    """A new login session for ``user`` (just authenticated); returns its key, which
    goes into the signed session cookie and nowhere else."""
    key = secrets.token_urlsafe(24)
    session.add(
        LoginSession(
            user_id=user.id,
            key_digest=_digest(key),
            ip=(ip or "")[:45],
            user_agent=(user_agent or "")[:200],
        )
    )
    session.flush()
    return key


def find(session: Session, user_id: int, key: str) -> LoginSession | None:
    """The live session this key names for this user, or None."""
    if not key:
        return None
    row = session.scalar(select(LoginSession).where(LoginSession.key_digest == _digest(key)))
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return None
    return row


@unit_of_work
def end(session: Session, row: LoginSession | None) -> None:
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()


@unit_of_work
def end_all(session: Session, user_id: int) -> int:
    """End every live session of the user (log out everywhere); returns how many."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def live(session: Session, user: User) -> list[LoginSession]:
    return list(
        session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
            .order_by(LoginSession.id)
        )
    )


@unit_of_work
def end_one(session: Session, user: User, session_id: int) -> None:
    row = session.get(LoginSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound(N_("No such session."))
    end(session, row)


def mark_verified(row: LoginSession) -> None:
    """The person proved who they are again (password or second factor) just now."""
    row.verified_at = utcnow()


def mark_second_factor(row: LoginSession) -> None:
    """A second factor was checked in this session just now: it counts as a recent
    password check too (creating tokens), and opens money actions for a few minutes."""
    row.second_factor_at = row.verified_at = utcnow()


def second_factor_recent(row: LoginSession | None, max_age: timedelta) -> bool:
    return (
        row is not None
        and row.second_factor_at is not None
        and utcnow() - row.second_factor_at <= max_age
    )


def recently_verified(row: LoginSession | None, max_age: timedelta) -> bool:
    return row is not None and utcnow() - row.verified_at <= max_age


def require_recent(row: LoginSession | None, max_age: timedelta, what: str) -> LoginSession:
    """The browser session, verified within ``max_age``; a token is refused outright.
    ``what`` names the action in the refusal (a Message, so that pages translate it)."""
    if row is None:
        raise Unauthorized(
            N_("Only a logged-in browser session can %(what)s, not an API token."), what=what
        )
    if not recently_verified(row, max_age):
        raise ReauthenticationRequired(
            N_(
                "Confirm your password or second-factor code first"
                " (POST /api/v1/auth/verify) to %(what)s."
            ),
            what=what,
        )
    return row
