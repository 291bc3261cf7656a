"""Invitations to an organization, by e-mail (see accounts/members.py for who may).

The mailed link carries an itsdangerous signature of the invitation's id, valid for
``max_age`` seconds; the row decides whether it still counts (pending and not past
``expires_at``), which makes it single-use. Accepting it:
- with no account for the invited address, creates one (confirmed: the link proves the
  address) in the organization, with the invitation's role;
- with an account, the person logs in as that address first; an account without an
  organization joins it; one in another organization is refused (leave that first).
A pending invitation past its expiry counts as expired at once and is recorded as expired
when the address is invited again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts import join_requests, users
from marketplace.accounts.members import (
    ADMIN,
    INVITEE,
    MEMBER,
    SYSTEM,
    administered,
    answered,
    attach,
    check_fit,
)
from marketplace.core import audit
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.lifecycle import Lifecycle
from marketplace.core.locking import begin_write, lock_rows
from marketplace.core.messages import N_, Message
from marketplace.core.uow import unit_of_work
from marketplace.models import Organization, OrganizationInvitation, User
from marketplace.models.types import utcnow
from marketplace.models.vocab import MEMBER_ROLES

SALT = "techmarket.org-invitation.v1"
DEFAULT_INVITATION_MAX_AGE = 7 * 86400
TOKEN_INVALID = N_("This invitation link is not valid.")
TOKEN_EXPIRED = N_("This invitation has expired: ask the organization for a new one.")

INVITATION_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("pending", "accept", INVITEE): "accepted",
    ("pending", "decline", INVITEE): "declined",
    ("pending", "revoke", ADMIN): "revoked",
    ("pending", "expire", SYSTEM): "expired",
}
INVITATION: Lifecycle[OrganizationInvitation] = Lifecycle(
    "organization invitation",
    "status",
    INVITATION_TRANSITIONS,
    initial=("pending",),
    wrong_state=answered,
)


# Invitations -----------------------------------------------------------------------------


def effective_status(invitation: OrganizationInvitation, now: datetime | None = None) -> str:
    return invitation.effective_status(now)


def list_invitations(
    session: Session, actor: User | None, org_id: int, limit: int = 100
) -> list[OrganizationInvitation]:
    org = administered(session, actor, org_id, lock=False)
    return list(
        session.scalars(
            select(OrganizationInvitation)
            .where(OrganizationInvitation.organization_id == org.id)
            .order_by(OrganizationInvitation.id.desc())
            .limit(limit)
        )
    )


@unit_of_work
def invite(
    session: Session,
    actor: User | None,
    org_id: int,
    email: str,
    role: str = MEMBER,
    *,
    max_age: int = DEFAULT_INVITATION_MAX_AGE,
) -> OrganizationInvitation:
    """An admin invites an address with a role; the caller mails the link (make_token)."""
    address = users.normalize_email(email)
    errors = {}
    if "@" not in address or len(address) > 254:
        errors["email"] = N_("Not a valid email address.")
    if role not in MEMBER_ROLES:
        errors["role"] = N_("Choose admin or member.")
    if errors:
        raise Invalid(errors)
    org = administered(session, actor, org_id)
    existing_user = users.find_user_by_email(session, address)
    if existing_user is not None and existing_user.organization_id == org.id:
        raise Conflict(N_("This person is already a member of the organization."))
    pending = session.scalar(
        select(OrganizationInvitation).where(
            OrganizationInvitation.organization_id == org.id,
            OrganizationInvitation.email == address,
            OrganizationInvitation.status == "pending",
        )
    )
    if pending is not None:
        if effective_status(pending) == "pending":
            raise Conflict(N_("This address has a pending invitation: revoke it to invite again."))
        INVITATION.apply(pending, "expire", SYSTEM)
        session.flush()
    now = utcnow()
    invitation = OrganizationInvitation(
        organization_id=org.id,
        email=address,
        role=role,
        status="pending",
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(seconds=max_age),
    )
    begin_write(session)
    try:
        with session.begin_nested():  # two admins inviting the same address at once
            session.add(invitation)
            session.flush()
    except IntegrityError:
        raise Conflict(
            N_("This address has a pending invitation: revoke it to invite again.")
        ) from None
    audit.record(
        session,
        actor,
        "organization.invitation_sent",
        "organization",
        org.id,
        after={"invitation_id": invitation.id, "email": address, "role": role},
    )
    return invitation


def make_token(invitation: OrganizationInvitation, secret_key: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps({"i": invitation.id})


def invitation_for_token(
    session: Session, token: str, secret_key: str, max_age: int
) -> OrganizationInvitation:
    """The invitation the link names, whatever its status; Invalid({'token': …}) for a
    link that is forged or older than ``max_age``."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Invalid({"token": TOKEN_EXPIRED}) from None
    except BadSignature:
        raise Invalid({"token": TOKEN_INVALID}) from None
    invitation_id = data.get("i") if isinstance(data, dict) else None
    invitation = (
        session.get(OrganizationInvitation, invitation_id)
        if isinstance(invitation_id, int)
        else None
    )
    if invitation is None:
        raise Invalid({"token": TOKEN_INVALID})
    return invitation


def _open_invitation(
    session: Session, token: str, secret_key: str, max_age: int
) -> OrganizationInvitation:
    """The invitation, locked and still pending; Invalid otherwise."""
    invitation = invitation_for_token(session, token, secret_key, max_age)
    lock_rows(session, OrganizationInvitation, [invitation.id])
    session.refresh(invitation)
    status = effective_status(invitation)
    if status == "expired":
        raise Invalid({"token": TOKEN_EXPIRED})
    if status != "pending":
        raise Invalid({"token": N_("This invitation was already used, declined or revoked.")})
    return invitation


@unit_of_work
def accept_invitation(
    session: Session,
    token: str,
    secret_key: str,
    max_age: int,
    *,
    actor: User | None,
    new_account: dict | None = None,
) -> User:
    """Accept: the logged-in owner of the invited address joins, or, when the address has
    no account yet, one is created from ``new_account`` (display_name, password, role).
    Returns the member."""
    invitation = _open_invitation(session, token, secret_key, max_age)
    org = session.get(Organization, invitation.organization_id)
    if actor is not None:
        if actor.email != invitation.email:
            raise Forbidden(
                N_("This invitation is for another e-mail address: log in with that address.")
            )
        if actor.is_operator:
            raise Conflict(N_("Operators do not join organizations."))
        lock_rows(session, User, [actor.id])
        session.refresh(actor)
        if actor.organization_id == org.id:
            raise Conflict(N_("You are already a member of this organization."))
        if actor.organization_id is not None:
            raise Conflict(N_("You belong to another organization: leave it first."))
        check_fit(actor.roles, org)
        user = actor
    else:
        if users.find_user_by_email(session, invitation.email) is not None:
            raise Unauthorized(
                N_("This address has an account: log in with it to accept the invitation.")
            )
        data = new_account or {}
        errors = {}
        if not (data.get("display_name") or "").strip():
            errors["display_name"] = N_("Required.")
        role = data.get("role") or ""
        if role not in users.SELF_SERVICE_ROLES:
            errors["role"] = N_("Choose researcher, enterprise_member or broker.")
        elif why := users.role_fits(role, org.kind):
            errors["role"] = why
        if len(data.get("password") or "") < users.MIN_PASSWORD_LENGTH:
            errors["password"] = Message(
                N_("At least %(count)s characters."), count=users.MIN_PASSWORD_LENGTH
            )
        if errors:
            raise Invalid(errors)
        user = users.create_user(
            session,
            email=invitation.email,
            password=data["password"],
            display_name=data["display_name"],
            roles=[role],
        )
    role = INVITATION.check(invitation, "accept", [INVITEE])
    INVITATION.apply(invitation, "accept", role)
    invitation.user_id = user.id
    invitation.decided_at = utcnow()
    attach(session, actor or user, user, org, invitation.role, "invitation")
    join_requests.lapse_pending(session, user)
    return user


@unit_of_work
def decline_invitation(session: Session, token: str, secret_key: str, max_age: int) -> None:
    """The link's holder (the invited address's owner) declines; no login needed."""
    invitation = _open_invitation(session, token, secret_key, max_age)
    INVITATION.apply(invitation, "decline", INVITEE)
    invitation.decided_at = utcnow()
    session.flush()


@unit_of_work
def revoke_invitation(
    session: Session, actor: User | None, org_id: int, invitation_id: int
) -> OrganizationInvitation:
    org = administered(session, actor, org_id)
    invitation = session.get(OrganizationInvitation, invitation_id)
    if invitation is None or invitation.organization_id != org.id:
        raise NotFound(
            N_("No invitation %(invitation_id)s in this organization."), invitation_id=invitation_id
        )
    lock_rows(session, OrganizationInvitation, [invitation.id])
    session.refresh(invitation)
    INVITATION.apply(invitation, "revoke", INVITATION.check(invitation, "revoke", [ADMIN]))
    invitation.decided_at = utcnow()
    session.flush()
    return invitation
