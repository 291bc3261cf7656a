"""Personal API tokens: scoped, with a lifetime, used from a recorded address.

A token's secret is shown once; only its SHA-256 digest is stored. Each token carries
scopes — ``read`` (GET) and ``write`` (everything else) plus an area scope for the two
areas a stolen token would hurt most: ``deals`` (deals, escrow, payouts, brokers on deals,
payout accounts, earnings) and ``account`` (the account's tokens, sessions, password). A
request needs its method's scope and, in those areas, the area's scope too.

Tokens are created only from a logged-in browser session whose password (or second factor)
was checked recently — never with a token — so a stolen token cannot mint a successor that
outlives its revocation. A password reset revokes every token unless the person chooses to
keep them (accounts/password_reset.py).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.core import audit
from marketplace.core.errors import Forbidden, Invalid, NotFound
from marketplace.core.messages import N_, Message
from marketplace.core.uow import unit_of_work
from marketplace.models import ApiToken, User
from marketplace.models.types import utcnow

TOKEN_PREFIX = "tm_"
SCOPES = ("read", "write", "deals", "account")
DEFAULT_SCOPES = ("read", "write")
DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 366

# Area scopes by blueprint (all its routes) or by single endpoint.
AREA_BLUEPRINTS = {
    "deals": "deals",
    "deal_files": "deals",
    "broker_deals": "deals",
    "auth": "account",
}
AREA_ENDPOINTS = {
    "organizations.set_payout_account": "deals",
    "brokers.my_earnings": "deals",
    "brokers.earnings": "deals",
    # Deposits and bids commit money: the same area as deals.
    "auctions.register": "deals",
    "auctions.confirm_deposit": "deals",
    "auctions.place_bid": "deals",
    # The bounty's funding and its award move money too.
    "challenges.confirm_funding": "deals",
    "challenges.award_challenge": "deals",
    # Who the token belongs to, and ending the request: no area needed.
    "auth.me": None,
    "auth.logout": None,
}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class InsufficientScope(Forbidden):
    code = "insufficient_scope"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_scopes(scopes) -> str:
    chosen = [s for s in SCOPES if s in set(scopes or ())]
    unknown = sorted(set(scopes or ()) - set(SCOPES))
    if unknown:
        raise Invalid(
            {"scopes": Message(N_("Unknown scope(s): %(scopes)s"), scopes=", ".join(unknown))}
        )
    if not {"read", "write"} & set(chosen):
        raise Invalid({"scopes": N_("Choose read, write or both.")})
    return " ".join(chosen)


@unit_of_work
def create(
    session: Session,
    user: User,
    name: str,
    scopes=DEFAULT_SCOPES,
    lifetime_days: int = DEFAULT_LIFETIME_DAYS,
) -> tuple[ApiToken, str]:
    """Create a token; the secret is returned once and only its digest is stored."""
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        raise Invalid(
            {"expires_in_days": Message(N_("Between 1 and %(max)s days."), max=MAX_LIFETIME_DAYS)}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip() or "token",
        prefix=secret[:10],
        token_hash=_digest(secret),
        scopes=normalise_scopes(scopes),
        expires_at=utcnow() + timedelta(days=lifetime_days),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        user,
        "token.created",
        "api_token",
        token.id,
        after={
            "name": token.name,
            "prefix": token.prefix,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, secret


@unit_of_work
def authenticate(session: Session, secret: str, ip: str = "") -> ApiToken | None:
    """The live token with this secret (recording when and from where it was used)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.expires_at <= now:
        return None
    token.last_used_at = now
    token.last_used_ip = (ip or "")[:45]
    return token


def required_scopes(blueprint: str | None, endpoint: str | None, method: str) -> set[str]:
    """What a token needs to call this route with this method."""
    needed = {"read" if method in SAFE_METHODS else "write"}
    if endpoint in AREA_ENDPOINTS:
        area = AREA_ENDPOINTS[endpoint]
    else:
        area = AREA_BLUEPRINTS.get(blueprint or "")
    if area:
        needed.add(area)
    return needed


def check_scopes(token: ApiToken, blueprint, endpoint, method) -> None:
    missing = required_scopes(blueprint, endpoint, method) - set(token.scope_list)
    if missing:
        names = ", ".join(s for s in SCOPES if s in missing)
        raise InsufficientScope(
            N_("This token lacks the scope(s) this call needs: %(scopes)s."), scopes=names
        )


def live(session: Session, user: User, now: datetime | None = None) -> list[ApiToken]:
    now = now or utcnow()
    return list(
        session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now,
            )
            .order_by(ApiToken.id)
        )
    )


@unit_of_work
def revoke(session: Session, user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(N_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


@unit_of_work
def revoke_all(session: Session, user_id: int) -> int:
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0
