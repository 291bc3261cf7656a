"""Registration that does not tell who has an account.

The answer to a registration is the same whether or not the address is taken: "we sent
a mail to this address". A new address gets an account that logs in only after its
owner opens the mailed link (so nobody learns, by logging in, that the address was new);
a taken address gets no new account, and its owner a mail saying someone tried to
register with it. The link is an itsdangerous signature (no table), single-use because
confirming changes what it checks.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from marketplace.accounts import users
from marketplace.core.errors import Invalid
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.models import User
from marketplace.models.types import utcnow

SALT = "techmarket.registration.v1"
INVALID = N_("This link is not valid, or the account is confirmed already: log in.")
EXPIRED = N_("This link has expired: register again to get a new one.")


@unit_of_work
def register(session: Session, **data) -> tuple[User, bool]:
    """``(user, created)``: the new, unconfirmed account, or the address's existing one."""
    users.check_registration(session, **data)
    existing = users.find_user_by_email(session, data["email"])
    if existing is not None:
        return existing, False
    try:
        return users.register(session, **data, confirmed=False), True
    except Invalid as exc:
        if "email" not in exc.fields:
            raise
        # Another registration of this address won the race.
        existing = users.find_user_by_email(session, data["email"])
        if existing is None:
            raise
        return existing, False


def make_token(user: User, secret_key: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps({"u": user.id})


@unit_of_work
def confirm(session: Session, token: str, secret_key: str, max_age: int) -> User:
    """Confirm the account the link names; Invalid({'token': ...}) otherwise."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Invalid({"token": EXPIRED}) from None
    except BadSignature:
        raise Invalid({"token": INVALID}) from None
    user = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or user.confirmed_at is not None:
        raise Invalid({"token": INVALID})
    user.confirmed_at = utcnow()
    session.flush()
    return user
