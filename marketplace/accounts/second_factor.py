"""The second factor: TOTP codes from an authenticator app, and recovery codes.

Required for operators and brokers (web/second_factor.py sends them to enrol first),
optional for everyone. Enrolment stores a new secret (encrypted) and shows it once, as a
QR code and as text; the first code confirms it and gives ten recovery codes, hashed like
passwords and each usable once. A code is accepted for the current 30-second step and one
step either side (clock drift), and only once: the step of the last accepted code is kept,
and a code of that step or an earlier one is refused. Disabling needs the password and a
code. Enrolment, disabling, new recovery codes and each use of a recovery code go into the
audit log.

The encryption keys come from the caller (the web layer reads SECOND_FACTOR_KEYS or
derives one from SECRET_KEY): services do not read the app's configuration.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from marketplace.accounts import sessions, users
from marketplace.core import audit
from marketplace.core.errors import Conflict, Invalid
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.models import LoginSession, RecoveryCode, SecondFactor, User
from marketplace.models.types import utcnow

ISSUER = "TechMarket 科技大市场"
RECOVERY_CODE_COUNT = 10
# Recovery codes: 10 characters of an alphabet without look-alikes (0/o, 1/l), shown as
# xxxxx-xxxxx; 50 bits each.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# The first characters of a code, stored in clear to find its row (RecoveryCode.lookup):
# 2 of 30 letters leave 8 (~39 bits) that only the slow hash can tell.
RECOVERY_LOOKUP_LENGTH = 2
DRIFT_STEPS = 1


class WrongCode(Invalid):
    """Raised with a field message when a code is wrong, missing or replayed."""


def cipher(keys: Sequence[str]) -> MultiFernet:
    """Fernet keys derived from the configured key strings; the first one encrypts."""
    if not keys:
        raise ValueError("No key to encrypt second-factor secrets with.")
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"tm-2fa:" + k.encode()).digest()))
            for k in keys
        ]
    )


def _secret(row: SecondFactor, keys: Sequence[str]) -> str:
    try:
        return cipher(keys).decrypt(row.secret_encrypted.encode()).decode()
    except InvalidToken as exc:  # the keys changed without keeping the old one
        raise RuntimeError("The second-factor secret cannot be decrypted with these keys.") from exc


def factor(session: Session, user: User) -> SecondFactor | None:
    return session.get(SecondFactor, user.id)


def is_enabled(session: Session, user: User) -> bool:
    row = factor(session, user)
    return row is not None and row.enabled_at is not None


def required(user: User, roles: Sequence[str]) -> bool:
    """Does this person's role make a second factor compulsory?"""
    return bool(user.roles & set(roles))


def status(session: Session, user: User, roles: Sequence[str]) -> dict:
    row = factor(session, user)
    enabled = row is not None and row.enabled_at is not None
    return {
        "enabled": enabled,
        "enabled_at": row.enabled_at if enabled else None,
        "required": required(user, roles),
        "recovery_codes_left": recovery_codes_left(session, user) if enabled else 0,
    }


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


@unit_of_work
def begin_enrolment(session: Session, user: User, keys: Sequence[str]) -> tuple[str, str]:
    """A new secret for ``user`` (replacing an unconfirmed one); returns it and its
    otpauth:// URI, to show once. Refused while a second factor is enabled."""
    row = factor(session, user)
    if row is not None and row.enabled_at is not None:
        raise Conflict(N_("A second factor is already set up: disable it first to set up another."))
    secret = pyotp.random_base32()
    encrypted = cipher(keys).encrypt(secret.encode()).decode()
    if row is None:
        row = SecondFactor(user_id=user.id, secret_encrypted=encrypted, last_step=0)
        session.add(row)
    else:
        row.secret_encrypted, row.created_at, row.last_step = encrypted, utcnow(), 0
    session.flush()
    return secret, provisioning_uri(user, secret)


def pending_enrolment(session: Session, user: User, keys: Sequence[str]) -> tuple[str, str] | None:
    """The secret of an enrolment begun but not confirmed yet (to show the QR code again
    after a mistyped code), or None."""
    row = factor(session, user)
    if row is None or row.enabled_at is not None:
        return None
    secret = _secret(row, keys)
    return secret, provisioning_uri(user, secret)


def enable_with_secret(session: Session, user: User, secret: str, keys: Sequence[str]) -> None:
    """Turn a second factor on with a given secret, without a code: for the demo data only
    (its operator and broker use secrets published in the README). Recovery codes are
    made but not shown; the person can make new ones with a code."""
    if factor(session, user) is not None:
        return
    encrypted = cipher(keys).encrypt(secret.encode()).decode()
    session.add(
        SecondFactor(user_id=user.id, secret_encrypted=encrypted, enabled_at=utcnow(), last_step=0)
    )
    _new_recovery_codes(session, user)


def _check_totp(row: SecondFactor, code: str, keys: Sequence[str], at: datetime | None) -> bool:
    """Is ``code`` right for now (±1 step) and newer than the last accepted one? Records
    its step, so that the same code is refused the second time."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return False
    totp = pyotp.TOTP(_secret(row, keys))
    now_step = totp.timecode(at or utcnow())
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step > row.last_step and hmac.compare_digest(totp.generate_otp(step), code):
            row.last_step = step
            return True
    return False


@unit_of_work
def confirm_enrolment(
    session: Session,
    user: User,
    code: str,
    keys: Sequence[str],
    *,
    at: datetime | None = None,
    login_session: LoginSession | None = None,
) -> list[str]:
    """The first code from the app proves it holds the secret: the second factor is on.
    Returns the recovery codes, to show once."""
    row = factor(session, user)
    if row is None:
        raise Invalid({"code": N_("Start the set-up first.")})
    if row.enabled_at is not None:
        raise Conflict(N_("A second factor is already set up."))
    if not _check_totp(row, code, keys, at):
        raise WrongCode({"code": N_("This code is not right. Check the app and try again.")})
    row.enabled_at = utcnow()
    codes = _new_recovery_codes(session, user)
    audit.record(session, user, "second_factor.enabled", "user", user.id)
    if login_session is not None:
        sessions.mark_second_factor(login_session)
        session.flush()
    return codes


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes: list[str] = []
    lookups: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        lookup = raw[:RECOVERY_LOOKUP_LENGTH]
        if lookup in lookups:  # each code of a set starts differently: one hash per try
            continue
        lookups.add(lookup)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(
            RecoveryCode(user_id=user.id, code_hash=users.hash_password(raw), lookup=lookup)
        )
    session.flush()
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def _use_recovery_code(session: Session, user: User, code: str) -> bool:
    raw = _normalise_recovery(code)
    if len(raw) != 10:
        return False
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    # The code that starts like this one (one hash to check, ~0.3 s), and codes made
    # before they had a lookup (migration 0018), which can only be found by trying each.
    candidates = [
        row for row in unused if row.lookup is None or row.lookup == raw[:RECOVERY_LOOKUP_LENGTH]
    ]
    for row in candidates:
        if check_password_hash(row.code_hash, raw):
            row.used_at = utcnow()
            left = len(unused) - 1
            audit.record(
                session,
                user,
                "second_factor.recovery_code_used",
                "user",
                user.id,
                after={"recovery_codes_left": left},
            )
            return True
    return False


@unit_of_work
def verify(
    session: Session,
    user: User,
    keys: Sequence[str],
    *,
    code: str = "",
    recovery_code: str = "",
    at: datetime | None = None,
    login_session: LoginSession | None = None,
) -> str:
    """Check a TOTP code or a recovery code of a person with a second factor on; returns
    which kind passed ("totp" or "recovery_code"), raises WrongCode if none."""
    row = factor(session, user)
    if row is None or row.enabled_at is None:
        raise Invalid({"code": N_("No second factor is set up for this account.")})
    kind = None
    if code and _check_totp(row, code, keys, at):
        kind = "totp"
    elif recovery_code and _use_recovery_code(session, user, recovery_code):
        kind = "recovery_code"
    if kind is not None:
        if login_session is not None:  # a pass counts in this browser session
            sessions.mark_second_factor(login_session)
        session.flush()
        return kind
    if recovery_code and not code:
        raise WrongCode({"recovery_code": N_("This recovery code is not valid or was used.")})
    raise WrongCode(
        {"code": N_("This code is not right, or was used already. Wait for the next one.")}
    )


@unit_of_work
def regenerate_recovery_codes(
    session: Session, user: User, code: str, keys: Sequence[str], *, at: datetime | None = None
) -> list[str]:
    """Ten new recovery codes (the old ones stop working), after a current TOTP code."""
    verify(session, user, keys, code=code, at=at)
    codes = _new_recovery_codes(session, user)
    audit.record(session, user, "second_factor.recovery_codes_renewed", "user", user.id)
    return codes


@unit_of_work
def disable(
    session: Session,
    user: User,
    password: str,
    code: str,
    keys: Sequence[str],
    roles: Sequence[str] = (),
    *,
    at: datetime | None = None,
) -> None:
    """Turn the second factor off: the password and a code (TOTP or a recovery code, for a
    lost phone). A person whose role requires one is sent to enrol again at once."""
    if not check_password_hash(user.password_hash, password or ""):
        raise Invalid({"password": N_("This is not your password.")})
    verify(session, user, keys, code=code, recovery_code=code, at=at)
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.delete(factor(session, user))
    session.flush()
    audit.record(
        session,
        user,
        "second_factor.disabled",
        "user",
        user.id,
        after={"required_by_role": required(user, roles)},
    )
