"""Accounts: registration, authentication, roles and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.messages import N_, Message
from marketplace.core.uow import unit_of_work
from marketplace.models import ApiToken, Organization, User, UserRole
from marketplace.models.types import utcnow
from marketplace.models.vocab import ORGANIZATION_KINDS, ROLES

# Roles a person may give themselves at registration; operators are appointed.
SELF_SERVICE_ROLES = ("researcher", "enterprise_member", "broker")
ROLE_ORG_KINDS = {
    "researcher": ("university", "institute"),
    "enterprise_member": ("enterprise",),
    "broker": ("agency", "university", "institute", "enterprise"),
}
MIN_PASSWORD_LENGTH = 8
# werkzeug's scrypt with its default cost (n=2**15, r=8, p=1); tests lower it.
PASSWORD_HASH_METHOD = "scrypt"
TOKEN_PREFIX = "tm_"
# A dummy hash to compare against when the e-mail is unknown, so that timing does not
# tell which addresses have accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


@unit_of_work
def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    roles: list[str] | tuple[str, ...],
    organization: Organization | None = None,
) -> User:
    """Create a user with the given roles (no self-service checks: callers decide who may)."""
    errors: dict[str, str] = {}
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = Message(
            N_("At least %(count)s characters."), count=MIN_PASSWORD_LENGTH
        )
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        errors["roles"] = Message(N_("Unknown role(s): %(roles)s"), roles=", ".join(unknown))
    if errors:
        raise Invalid(errors)
    if find_user_by_email(session, email):
        raise Invalid({"email": N_("This e-mail address is already registered.")})
    user = User(
        email=normalize_email(email),
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        organization=organization,
        role_rows=[UserRole(role=r) for r in dict.fromkeys(roles)],
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        # Two registrations with the same address raced; the unique constraint decided
        # (the unit of work rolls the failed flush back).
        raise Invalid({"email": N_("This e-mail address is already registered.")}) from None
    return user


@unit_of_work
def register(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    role: str,
    organization_name: str,
    organization_kind: str,
    region: str = "",
) -> User:
    """Self-service registration: a new person with a new (unverified) organization."""
    errors: dict[str, str] = {}
    if role not in SELF_SERVICE_ROLES:
        errors["role"] = N_("Choose researcher, enterprise_member or broker.")
    if organization_kind not in ORGANIZATION_KINDS:
        errors["organization_kind"] = N_("Unknown organization kind.")
    elif role in ROLE_ORG_KINDS and organization_kind not in ROLE_ORG_KINDS[role]:
        errors["organization_kind"] = Message(
            N_("A %(role)s belongs to a %(kinds)s organization."),
            role=role,
            kinds=" or ".join(ROLE_ORG_KINDS[role]),
        )
    if not organization_name.strip():
        errors["organization_name"] = N_("Required.")
    if errors:
        raise Invalid(errors)
    name = organization_name.strip()
    if session.scalar(select(Organization.id).where(Organization.name == name)):
        raise Conflict(
            N_(
                "An organization with this name is already registered: ask one of its members"
                " or an operator to add you."
            ),
            {"organization_name": [N_("Already registered.")]},
        )
    org = Organization(kind=organization_kind, name=name, region=region.strip())
    session.add(org)
    return create_user(
        session,
        email=email,
        password=password,
        display_name=display_name,
        roles=[role],
        organization=org,
    )


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_user_by_email(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@unit_of_work
def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the secret is returned once and only its digest is stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip() or "token",
        prefix=secret[:10],
        token_hash=_digest(secret),
    )
    session.add(token)
    session.flush()
    return token, secret


@unit_of_work
def user_for_token(session: Session, secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
        )
    )


@unit_of_work
def revoke_api_token(session: Session, user: User, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(N_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def require_operator(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    if not actor.is_operator:
        raise Forbidden(N_("Only operators may do this."))
    return actor
