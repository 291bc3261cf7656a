"""Login sessions kept on the server, so that a session can end."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.types import TZDateTime, utcnow


class LoginSession(db.Model):
    """One login (a browser, or an API client using the session cookie).

    The cookie names the row by a random key (only its SHA-256 digest is stored); a row
    with ``ended_at`` set no longer logs anyone in, so a cookie saved before logout, a
    password change or "log out everywhere" is refused when it is replayed.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # When the person last proved who they are in this session (password, second factor):
    # creating tokens and money actions ask for a recent one.
    verified_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)
