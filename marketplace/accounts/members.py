"""An organization's members: roles inside it, invitations, join requests, removal.

Who may do what (operators may do everything an admin may, to help an organization that
lost its admins):

- members of the organization see its member list; nobody else does (404, not 403, so
  that another organization's people never learn what exists);
- its admins (``User.org_role == "admin"``) invite by e-mail, revoke invitations, decide
  join requests, change roles and remove members; an organization keeps at least one
  admin (the last one can be neither demoted nor removed, nor leave);
- a member may leave (remove themselves).

A person joins an existing organization only by an invitation or by a join request an
admin approves (registration naming an existing organization files one).

Invitations: the mailed link carries an itsdangerous signature of the invitation's id,
valid for ``max_age`` seconds; the row decides whether it still counts (pending and not
past ``expires_at``), which makes it single-use. Accepting it:
- with no account for the invited address, creates one (confirmed: the link proves the
  address) in the organization, with the invitation's role;
- with an account, the person logs in as that address first; an account without an
  organization joins it; one in another organization is refused (leave that first).
A pending invitation past its expiry counts as expired at once and is recorded as expired
when the address is invited again.

Every status change goes through the lifecycles below, on a locked row; role changes,
removals and joins are written to the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts import users
from marketplace.core import audit
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.lifecycle import Lifecycle
from marketplace.core.locking import begin_write, lock_rows
from marketplace.models import JoinRequest, Organization, OrganizationInvitation, User
from marketplace.models.types import utcnow
from marketplace.models.vocab import MEMBER_ROLES

ADMIN, MEMBER = "admin", "member"
# Lifecycle roles: the organization's admin, the invited address's owner, the person
# asking to join, and the system (a request that lapses when its person joined elsewhere).
INVITEE, REQUESTER, SYSTEM = "invitee", "requester", "system"

SALT = "techmarket.org-invitation.v1"
DEFAULT_INVITATION_MAX_AGE = 7 * 86400
TOKEN_INVALID = "This invitation link is not valid."
TOKEN_EXPIRED = "This invitation has expired: ask the organization for a new one."
LAST_ADMIN = "An organization keeps at least one admin: make someone else admin first."

INVITATION_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("pending", "accept", INVITEE): "accepted",
    ("pending", "decline", INVITEE): "declined",
    ("pending", "revoke", ADMIN): "revoked",
    ("pending", "expire", SYSTEM): "expired",
}
JOIN_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("pending", "approve", ADMIN): "approved",
    ("pending", "decline", ADMIN): "declined",
    ("pending", "withdraw", REQUESTER): "withdrawn",
    ("pending", "lapse", SYSTEM): "withdrawn",  # the person joined by an invitation
}


def _answered(obj, action: str) -> Conflict:
    return Conflict("This was already answered, withdrawn or revoked.")


INVITATION: Lifecycle[OrganizationInvitation] = Lifecycle(
    "organization invitation",
    "status",
    INVITATION_TRANSITIONS,
    initial=("pending",),
    wrong_state=_answered,
)
JOIN_REQUEST: Lifecycle[JoinRequest] = Lifecycle(
    "join request", "status", JOIN_TRANSITIONS, initial=("pending",), wrong_state=_answered
)


# Who is asking ---------------------------------------------------------------------------


def _visible_organization(session: Session, actor: User | None, org_id: int) -> Organization:
    """The organization, for its members and operators; NotFound for everyone else."""
    if actor is None:
        raise Unauthorized("Log in first.")
    org = session.get(Organization, org_id)
    if org is None or not (actor.is_operator or actor.organization_id == org.id):
        raise NotFound(f"No organization {org_id}.")
    return org


def _administered(session: Session, actor: User | None, org_id: int) -> Organization:
    """The organization, locked, for its admins and operators (Forbidden for its other
    members, NotFound for strangers). The lock serialises the admin-count checks."""
    org = _visible_organization(session, actor, org_id)
    if not (actor.is_operator or actor.org_role == ADMIN):
        raise Forbidden("Only the organization's admins may do this.")
    lock_rows(session, Organization, [org.id])
    if not actor.is_operator:
        # An admin demoted or removed by a concurrent request is one no longer.
        session.refresh(actor)
        if actor.organization_id != org.id or actor.org_role != ADMIN:
            raise Forbidden("Only the organization's admins may do this.")
    return org


def is_admin_of(actor: User | None, org_id: int) -> bool:
    return actor is not None and (
        actor.is_operator or (actor.organization_id == org_id and actor.org_role == ADMIN)
    )


def _admin_count(session: Session, org_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.organization_id == org_id, User.org_role == ADMIN, User.active)
        )
        or 0
    )


def _member(session: Session, org: Organization, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.organization_id != org.id:
        raise NotFound(f"No member {user_id} in this organization.")
    session.refresh(user)  # the row as it is now that the organization is locked
    return user


def _fit(user_roles, org: Organization) -> None:
    for role in sorted(user_roles):
        why = users.role_fits(role, org.kind)
        if why:
            raise Conflict(why)


# Members ---------------------------------------------------------------------------------


def list_members(session: Session, actor: User | None, org_id: int) -> list[User]:
    org = _visible_organization(session, actor, org_id)
    return list(
        session.scalars(
            select(User)
            .where(User.organization_id == org.id)
            .order_by(User.org_role, User.display_name, User.id)
        )
    )


def set_member_role(
    session: Session, actor: User | None, org_id: int, user_id: int, role: str
) -> User:
    """An admin makes a member admin or member (never the last admin a member)."""
    if role not in MEMBER_ROLES:
        raise Invalid({"role": "Choose admin or member."})
    org = _administered(session, actor, org_id)
    member = _member(session, org, user_id)
    if member.org_role == role:
        return member
    if member.org_role == ADMIN and _admin_count(session, org.id) <= 1:
        raise Conflict(LAST_ADMIN)
    before = {"user_id": member.id, "role": member.org_role}
    member.org_role = role
    session.flush()
    audit.record(
        session,
        actor,
        "organization.member_role",
        "organization",
        org.id,
        before=before,
        after={"user_id": member.id, "role": role},
    )
    return member


def remove_member(session: Session, actor: User | None, org_id: int, user_id: int) -> User:
    """An admin removes a member, or a member leaves; the last admin stays."""
    if actor is not None and actor.id == user_id and actor.organization_id == org_id:
        org = _visible_organization(session, actor, org_id)
        lock_rows(session, Organization, [org.id])
    else:
        org = _administered(session, actor, org_id)
    member = _member(session, org, user_id)
    if member.org_role == ADMIN and _admin_count(session, org.id) <= 1:
        raise Conflict(LAST_ADMIN)
    before = {"user_id": member.id, "email": member.email, "role": member.org_role}
    member.organization_id = None
    member.org_role = MEMBER
    session.flush()
    audit.record(
        session,
        actor,
        "organization.member_left" if actor.id == member.id else "organization.member_removed",
        "organization",
        org.id,
        before=before,
        after=None,
    )
    return member


def _join(session: Session, actor: User | None, user: User, org: Organization, role: str, via: str):
    """Attach ``user`` (locked by the caller's checks) to ``org``; their other pending
    join requests lapse."""
    user.organization_id = org.id
    user.org_role = role
    for other in session.scalars(
        select(JoinRequest).where(JoinRequest.user_id == user.id, JoinRequest.status == "pending")
    ):
        JOIN_REQUEST.apply(other, "lapse", SYSTEM)
        other.decided_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "organization.member_joined",
        "organization",
        org.id,
        after={"user_id": user.id, "email": user.email, "role": role, "via": via},
    )


# Invitations -----------------------------------------------------------------------------


def effective_status(invitation: OrganizationInvitation, now: datetime | None = None) -> str:
    return invitation.effective_status(now)


def list_invitations(
    session: Session, actor: User | None, org_id: int, limit: int = 100
) -> list[OrganizationInvitation]:
    org = _administered(session, actor, org_id)
    return list(
        session.scalars(
            select(OrganizationInvitation)
            .where(OrganizationInvitation.organization_id == org.id)
            .order_by(OrganizationInvitation.id.desc())
            .limit(limit)
        )
    )


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
        errors["email"] = "Not a valid email address."
    if role not in MEMBER_ROLES:
        errors["role"] = "Choose admin or member."
    if errors:
        raise Invalid(errors)
    org = _administered(session, actor, org_id)
    existing_user = users.find_user_by_email(session, address)
    if existing_user is not None and existing_user.organization_id == org.id:
        raise Conflict("This person is already a member of the organization.")
    pending = session.scalar(
        select(OrganizationInvitation).where(
            OrganizationInvitation.organization_id == org.id,
            OrganizationInvitation.email == address,
            OrganizationInvitation.status == "pending",
        )
    )
    if pending is not None:
        if effective_status(pending) == "pending":
            raise Conflict("This address has a pending invitation: revoke it to invite again.")
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
            "This address has a pending invitation: revoke it to invite again."
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
        raise Invalid({"token": "This invitation was already used, declined or revoked."})
    return invitation


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
                "This invitation is for another e-mail address: log in with that address."
            )
        if actor.is_operator:
            raise Conflict("Operators do not join organizations.")
        lock_rows(session, User, [actor.id])
        session.refresh(actor)
        if actor.organization_id == org.id:
            raise Conflict("You are already a member of this organization.")
        if actor.organization_id is not None:
            raise Conflict("You belong to another organization: leave it first.")
        _fit(actor.roles, org)
        user = actor
    else:
        if users.find_user_by_email(session, invitation.email) is not None:
            raise Unauthorized(
                "This address has an account: log in with it to accept the invitation."
            )
        data = new_account or {}
        errors = {}
        if not (data.get("display_name") or "").strip():
            errors["display_name"] = "Required."
        role = data.get("role") or ""
        if role not in users.SELF_SERVICE_ROLES:
            errors["role"] = "Choose researcher, enterprise_member or broker."
        elif why := users.role_fits(role, org.kind):
            errors["role"] = why
        if len(data.get("password") or "") < users.MIN_PASSWORD_LENGTH:
            errors["password"] = f"At least {users.MIN_PASSWORD_LENGTH} characters."
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
    _join(session, actor or user, user, org, invitation.role, "invitation")
    return user


def decline_invitation(session: Session, token: str, secret_key: str, max_age: int) -> None:
    """The link's holder (the invited address's owner) declines; no login needed."""
    invitation = _open_invitation(session, token, secret_key, max_age)
    INVITATION.apply(invitation, "decline", INVITEE)
    invitation.decided_at = utcnow()
    session.flush()


def revoke_invitation(
    session: Session, actor: User | None, org_id: int, invitation_id: int
) -> OrganizationInvitation:
    org = _administered(session, actor, org_id)
    invitation = session.get(OrganizationInvitation, invitation_id)
    if invitation is None or invitation.organization_id != org.id:
        raise NotFound(f"No invitation {invitation_id} in this organization.")
    lock_rows(session, OrganizationInvitation, [invitation.id])
    session.refresh(invitation)
    INVITATION.apply(invitation, "revoke", INVITATION.check(invitation, "revoke", [ADMIN]))
    invitation.decided_at = utcnow()
    session.flush()
    return invitation


# Join requests ---------------------------------------------------------------------------


def request_to_join(
    session: Session, actor: User | None, org_id: int, message: str = ""
) -> JoinRequest:
    """A logged-in person without an organization asks to join one."""
    if actor is None:
        raise Unauthorized("Log in first.")
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"No organization {org_id}.")
    if actor.is_operator:
        raise Conflict("Operators do not join organizations.")
    if actor.organization_id is not None:
        raise Conflict("You belong to an organization already: leave it first.")
    _fit(actor.roles, org)
    request = JoinRequest(
        organization_id=org.id, user_id=actor.id, message=(message or "").strip()[:2000]
    )
    begin_write(session)
    try:
        with session.begin_nested():  # at most one pending request per person
            session.add(request)
            session.flush()
    except IntegrityError:
        raise Conflict(
            "You have a pending join request: withdraw it to ask another organization."
        ) from None
    return request


def pending_requests_of(session: Session, user: User) -> list[JoinRequest]:
    return list(
        session.scalars(
            select(JoinRequest)
            .where(JoinRequest.user_id == user.id, JoinRequest.status == "pending")
            .order_by(JoinRequest.id)
        )
    )


def requests_of(session: Session, actor: User | None, limit: int = 20) -> list[JoinRequest]:
    """The person's own join requests, newest first (the page shows answers too)."""
    if actor is None:
        raise Unauthorized("Log in first.")
    return list(
        session.scalars(
            select(JoinRequest)
            .where(JoinRequest.user_id == actor.id)
            .order_by(JoinRequest.id.desc())
            .limit(limit)
        )
    )


def list_join_requests(session: Session, actor: User | None, org_id: int) -> list[JoinRequest]:
    """Pending requests of people who confirmed their address (an unconfirmed
    registration's request waits until its mailed link is opened)."""
    org = _administered(session, actor, org_id)
    return list(
        session.scalars(
            select(JoinRequest)
            .join(User, User.id == JoinRequest.user_id)
            .where(
                JoinRequest.organization_id == org.id,
                JoinRequest.status == "pending",
                User.confirmed_at.is_not(None),
                User.active,
            )
            .order_by(JoinRequest.id)
        )
    )


def decide_join_request(
    session: Session,
    actor: User | None,
    org_id: int,
    request_id: int,
    decision: str,
    reason: str = "",
) -> JoinRequest:
    """An admin approves (the person joins as a member) or declines with a reason."""
    if decision not in ("approve", "decline"):
        raise Invalid({"decision": "Use approve or decline."})
    org = _administered(session, actor, org_id)
    request = session.get(JoinRequest, request_id)
    if request is None or request.organization_id != org.id:
        raise NotFound(f"No join request {request_id} in this organization.")
    lock_rows(session, JoinRequest, [request.id])
    session.refresh(request)
    role = JOIN_REQUEST.check(request, decision, [ADMIN])
    reason = (reason or "").strip()
    if decision == "decline" and not reason:
        raise Invalid({"reason": "Say why the request is declined."})
    person = session.get(User, request.user_id)
    if decision == "approve":
        if person.confirmed_at is None:
            raise Conflict("The person has not confirmed their e-mail address yet.")
        lock_rows(session, User, [person.id])
        session.refresh(person)
        if person.organization_id is not None:
            raise Conflict("The person has joined an organization meanwhile.")
        _fit(person.roles, org)
    JOIN_REQUEST.apply(request, decision, role)
    request.reason = reason
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    if decision == "approve":
        _join(session, actor, person, org, MEMBER, "join_request")
    else:
        session.flush()
        audit.record(
            session,
            actor,
            "organization.join_declined",
            "organization",
            org.id,
            after={"request_id": request.id, "user_id": person.id, "reason": reason},
        )
    return request


def withdraw_join_request(session: Session, actor: User | None, request_id: int) -> JoinRequest:
    if actor is None:
        raise Unauthorized("Log in first.")
    request = session.get(JoinRequest, request_id)
    if request is None or request.user_id != actor.id:
        raise NotFound(f"No join request {request_id}.")
    lock_rows(session, JoinRequest, [request.id])
    session.refresh(request)
    JOIN_REQUEST.apply(request, "withdraw", JOIN_REQUEST.check(request, "withdraw", [REQUESTER]))
    request.decided_at = utcnow()
    session.flush()
    return request


def admins_of(session: Session, org_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.organization_id == org_id, User.org_role == ADMIN, User.active)
            .order_by(User.id)
        )
    )
