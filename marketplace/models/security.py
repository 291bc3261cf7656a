"""Login sessions kept on the server, so that a session can end; the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.outbox import BigId
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
    # When a second factor (TOTP or recovery code) was last checked in this session (None:
    # never): money actions by a person with a second factor need a recent one.
    second_factor_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class AuditEntry(db.Model):
    """One operator or money action: who, when, from where, what, before and after.

    Append-only: the database refuses UPDATE and DELETE on this table with the same
    triggers as the ledger's (migration 0013). The actor is a plain id and a copy of the
    e-mail address (no foreign key), so the entry outlives the account unchanged.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(40), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)


class SecondFactor(db.Model):
    """A person's TOTP second factor (RFC 6238, 30-second steps, 6 digits).

    The shared secret is stored encrypted (Fernet, keys from SECOND_FACTOR_KEYS or derived
    from SECRET_KEY) and shown only while enrolling. ``enabled_at`` is None until the
    first code confirms the enrolment. ``last_step`` is the time step of the last code
    accepted: a code is accepted once, so one seen over a shoulder cannot be replayed.
    """

    __tablename__ = "second_factor"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    enabled_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_step: Mapped[int] = mapped_column(Integer, default=0)


class RecoveryCode(db.Model):
    """A one-time recovery code, for a lost phone: hashed like a password, used once."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    # The code's first characters, not secret (the hash covers the whole code) and
    # different for each code of a set: a code typed is checked against one hash, not
    # ten. None for codes made before migration 0018 (each is checked, as before, until
    # the person makes new ones).
    lookup: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class IdempotentRequest(db.Model):
    """The stored answer to an API write sent with an ``Idempotency-Key`` header
    (web/idempotency.py): a retry with the same key gets it back instead of acting twice.

    Written in the same transaction as the write's changes, so a lost answer to COMMIT
    means both or neither. ``fingerprint`` is the SHA-256 of the method, path and body: the
    same key with another request is refused. Rows expire (``flask deals sweep``).
    """

    __tablename__ = "idempotent_request"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)

    __table_args__ = (UniqueConstraint("user_id", "key"),)
