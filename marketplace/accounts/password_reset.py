"""Password reset by e-mailed link, without a table.

A reset token is an itsdangerous signature (with the app's secret and a purpose salt)
over the user's id and a fingerprint of the user's *current* password hash, with a
timestamp. It therefore

* expires: ``max_age`` seconds after it was made;
* is single-use: setting the new password changes the hash, so the fingerprint in every
  earlier token (this one included) no longer matches;
* dies when the password changes any other way, and when the account is deactivated.

Setting the new password also ends every login session (``accounts/sessions.py``; the
session also names the password's fingerprint: ``User.get_id``), and revokes every
personal API token unless the person ticks "keep my API tokens" on the reset page (or
sends ``keep_tokens: true``); the confirmation mail lists the tokens that stay active.

Nothing is stored, so there is nothing to clean up and nothing to steal from the database.
"""

from __future__ import annotations

import hmac

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from marketplace.accounts import sessions, tokens
from marketplace.accounts import users as accounts
from marketplace.core.errors import Invalid
from marketplace.core.locking import lock_rows
from marketplace.core.messages import N_, Message
from marketplace.core.uow import unit_of_work
from marketplace.models import User
from marketplace.models.types import utcnow

SALT = "techmarket.password-reset.v1"
EXPIRED = N_("This reset link has expired. Ask for a new one.")
INVALID = N_("This reset link is not valid, or it has been used already. Ask for a new one.")


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_token(user: User, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"u": user.id, "f": user.password_fingerprint})


def reset_token_for(session: Session, email: str, secret_key: str) -> tuple[User, str] | None:
    """The user with this address and a fresh token for them, or None (unknown, inactive).

    Callers answer the same either way, so the form never tells which addresses exist.
    """
    user = accounts.find_user_by_email(session, email)
    if user is None or not user.active:
        return None
    return user, make_token(user, secret_key)


def _load(token: str, secret_key: str, max_age: int) -> tuple[int, str]:
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Invalid({"token": EXPIRED}) from None
    except BadSignature:
        raise Invalid({"token": INVALID}) from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise Invalid({"token": INVALID})
    return data["u"], str(data.get("f", ""))


def _check(user: User | None, fingerprint: str) -> User:
    if (
        user is None
        or not user.active
        or not hmac.compare_digest(fingerprint, user.password_fingerprint)
    ):
        raise Invalid({"token": INVALID})
    return user


def user_for_token(session: Session, token: str, secret_key: str, max_age: int) -> User:
    """The user a token is valid for, or Invalid({'token': ...})."""
    user_id, fingerprint = _load(token, secret_key, max_age)
    return _check(session.get(User, user_id), fingerprint)


@unit_of_work
def reset_password(
    session: Session,
    token: str,
    new_password: str,
    secret_key: str,
    max_age: int,
    *,
    keep_tokens: bool = False,
) -> User:
    """Set a new password with a valid token; the token (and any other) is then spent.

    Every login session ends, and every personal API token is revoked unless the person
    chose to keep them (whoever knew the old password may have made some)."""
    user_id, fingerprint = _load(token, secret_key, max_age)
    if len(new_password or "") < accounts.MIN_PASSWORD_LENGTH:
        raise Invalid(
            {
                "password": Message(
                    N_("At least %(count)s characters."), count=accounts.MIN_PASSWORD_LENGTH
                )
            }
        )
    # Under a row lock, so two uses of the same token cannot both pass the check.
    lock_rows(session, User, [user_id])
    user = _check(session.get(User, user_id, populate_existing=True), fingerprint)
    user.password_hash = accounts.hash_password(new_password)
    sessions.end_all(session, user.id)
    if not keep_tokens:
        tokens.revoke_all(session, user.id)
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()  # the reset link proved the mailbox, as confirming does
    session.flush()
    return user
