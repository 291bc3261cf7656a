"""Accounts: registration, authentication, roles and personal API tokens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.accounts import sessions, tokens
from marketplace.core.errors import Forbidden, Invalid, Unauthorized
from marketplace.core.messages import N_, Message
from marketplace.core.uow import unit_of_work
from marketplace.models import ApiToken, JoinRequest, LoginSession, Organization, User, UserRole
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
TOKEN_PREFIX = tokens.TOKEN_PREFIX
# A dummy hash to compare against when the e-mail is unknown, so that timing does not
# tell which addresses have accounts: made on first use, with PASSWORD_HASH_METHOD, so
# that it costs what a real user's check costs.
_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    method = PASSWORD_HASH_METHOD
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    return _dummy_hashes[method]


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
        # The first person of an organization administers it (invites the others).
        org_role="member" if has_admin(session, organization) else "admin",
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


def has_admin(session: Session, organization: Organization | None) -> bool:
    """Whether the organization has an admin already (no organization: nothing to run)."""
    if organization is None or organization.id is None:
        return organization is None
    return (
        session.scalar(
            select(User.id)
            .where(User.organization_id == organization.id, User.org_role == "admin")
            .limit(1)
        )
        is not None
    )


def role_fits(role: str, organization_kind: str) -> Message | None:
    """Why a person of this role cannot belong to an organization of this kind, or None."""
    kinds = ROLE_ORG_KINDS.get(role)
    if kinds is not None and organization_kind not in kinds:
        return Message(
            N_("A %(role)s belongs to a %(kinds)s organization."),
            role=role,
            kinds=" or ".join(kinds),
        )
    return None


def existing_organization(session: Session, name: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.name == name.strip()))


def check_registration(
    session: Session,
    *,
    password: str,
    role: str,
    organization_name: str,
    organization_kind: str,
    **_: object,
) -> None:
    """Everything a self-service registration can get wrong, except the e-mail address:
    the answer to these never depends on whether the address has an account. Naming an
    organization that exists asks to join it: the role must fit that organization's kind
    (the kind given in the form is then not used)."""
    errors: dict[str, str] = {}
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = Message(
            N_("At least %(count)s characters."), count=MIN_PASSWORD_LENGTH
        )
    if role not in SELF_SERVICE_ROLES:
        errors["role"] = N_("Choose researcher, enterprise_member or broker.")
    existing = existing_organization(session, organization_name) if organization_name else None
    if existing is not None:
        if role in SELF_SERVICE_ROLES and (why := role_fits(role, existing.kind)):
            errors["role"] = why
    elif organization_kind not in ORGANIZATION_KINDS:
        errors["organization_kind"] = N_("Unknown organization kind.")
    elif role in SELF_SERVICE_ROLES and (why := role_fits(role, organization_kind)):
        errors["organization_kind"] = why
    if not organization_name.strip():
        errors["organization_name"] = N_("Required.")
    if errors:
        raise Invalid(errors)


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
    confirmed: bool = True,
) -> User:
    """Self-service registration: a new person with a new (unverified) organization,
    whose admin they become; or, naming an organization that exists, a person without an
    organization whose join request its admins decide (accounts/members.py). Unless
    ``confirmed``, the person logs in only after opening the mailed link
    (accounts/registration.py); admins see the join request only after that."""
    check_registration(
        session,
        password=password,
        role=role,
        organization_name=organization_name,
        organization_kind=organization_kind,
    )
    existing = existing_organization(session, organization_name)
    org = existing
    if existing is None:
        org = Organization(
            kind=organization_kind, name=organization_name.strip(), region=region.strip()
        )
        session.add(org)
    user = create_user(
        session,
        email=email,
        password=password,
        display_name=display_name,
        roles=[role],
        organization=org if existing is None else None,
    )
    if existing is not None:
        session.add(JoinRequest(organization_id=existing.id, user_id=user.id, message=""))
        session.flush()
    if not confirmed:
        user.confirmed_at = None
        session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_user_by_email(session, email)
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    if user.confirmed_at is None:
        return None  # registered, but the mailed link was not opened yet
    return user


@unit_of_work
def change_password(session: Session, user: User, current: str, new: str) -> User:
    """Set a new password after checking the current one; every login session of the user
    ends (the caller starts a fresh one for the person who changed it)."""
    if not check_password_hash(user.password_hash, current or ""):
        raise Invalid({"current_password": N_("This is not your current password.")})
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise Invalid(
            {
                "new_password": Message(
                    N_("At least %(count)s characters."), count=MIN_PASSWORD_LENGTH
                )
            }
        )
    user.password_hash = hash_password(new)
    sessions.end_all(session, user.id)
    session.flush()
    return user


@unit_of_work
def verify_password(
    session: Session, user: User, login_session: LoginSession | None, password: str
) -> LoginSession:
    """Check the password again in this browser session (before creating a token)."""
    if login_session is None:
        raise Unauthorized(N_("Only a logged-in browser session can be verified."))
    if authenticate(session, user.email, password) is None:
        raise Invalid({"password": N_("This is not your password.")})
    sessions.mark_verified(login_session)
    session.flush()
    return login_session


@unit_of_work
def mark_second_factor(session: Session, login_session: LoginSession) -> None:
    """A second factor was checked in this browser session just now (the login's second
    step): recorded on the session row."""
    sessions.mark_second_factor(login_session)
    session.flush()


@unit_of_work
def create_api_token(session: Session, user: User, name: str, **kw) -> tuple[ApiToken, str]:
    """A personal API token (accounts/tokens.py); the secret is returned once."""
    return tokens.create(session, user, name, **kw)


@unit_of_work
def user_for_token(session: Session, secret: str, ip: str = "") -> User | None:
    """The user a token's secret names (its last use is recorded), or None."""
    token = tokens.authenticate(session, secret, ip)
    return token.user if token is not None else None


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return tokens.live(session, user)


@unit_of_work
def revoke_api_token(session: Session, user: User, token_id: int) -> None:
    tokens.revoke(session, user, token_id)


def require_user(actor: User | None) -> User:
    """The signed-in actor; Unauthorized for nobody."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    return actor


def require_operator(actor: User | None, refusal: str = N_("Only operators may do this.")) -> User:
    """The actor if an operator; Unauthorized for nobody, Forbidden (``refusal``, an
    English template marked N_) for anyone else."""
    actor = require_user(actor)
    if not actor.is_operator:
        raise Forbidden(refusal)
    return actor
