"""An organization's members: who may see and change them, roles, removal.

Who may do what (operators may do everything an admin may, to help an organization that
lost its admins):

- members of the organization see its member list; nobody else does (404, not 403, so
  that another organization's people never learn what exists);
- its admins (``User.org_role == "admin"``) invite by e-mail (invitations.py), decide join
  requests (join_requests.py), change roles and remove members; an organization keeps at
  least one admin (the last one can be neither demoted nor removed, nor leave);
- a member may leave (remove themselves).

A person joins an existing organization only by an invitation or by a join request an
admin approves. Changes of one organization's people lock its row first, so that admin
counts and decisions are never made on a stale read; role changes, removals and joins go
to the audit log."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts import users
from marketplace.core import audit
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.locking import lock_rows
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.models import Organization, User
from marketplace.models.vocab import MEMBER_ROLES

ADMIN, MEMBER = "admin", "member"
# Lifecycle roles (invitations.py, join_requests.py): the organization's admin, the
# invited address's owner, the person asking to join, and the system.
INVITEE, REQUESTER, SYSTEM = "invitee", "requester", "system"
LAST_ADMIN = N_("An organization keeps at least one admin: make someone else admin first.")


def answered(obj, action: str) -> Conflict:
    """The refusal of an invitation's or a request's action once it is decided."""
    return Conflict(N_("This was already answered, withdrawn or revoked."))


# Who is asking ---------------------------------------------------------------------------


def visible_organization(session: Session, actor: User | None, org_id: int) -> Organization:
    """The organization, for its members and operators; NotFound for everyone else."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    org = session.get(Organization, org_id)
    if org is None or not (actor.is_operator or actor.organization_id == org.id):
        raise NotFound(N_("No organization %(org_id)s."), org_id=org_id)
    return org


def administered(
    session: Session, actor: User | None, org_id: int, *, lock: bool = True
) -> Organization:
    """The organization for its admins and operators (Forbidden for its other members,
    NotFound for strangers); locked unless only read. The lock serialises changes of one
    organization's people (the admin count, invitations, requests)."""
    org = visible_organization(session, actor, org_id)
    if not (actor.is_operator or actor.org_role == ADMIN):
        raise Forbidden(N_("Only the organization's admins may do this."))
    if not lock:
        return org
    lock_rows(session, Organization, [org.id])
    if not actor.is_operator:
        # An admin demoted or removed by a concurrent request is one no longer.
        session.refresh(actor)
        if actor.organization_id != org.id or actor.org_role != ADMIN:
            raise Forbidden(N_("Only the organization's admins may do this."))
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
    if user is not None:
        session.refresh(user)  # the row as it is now that the organization is locked
    if user is None or user.organization_id != org.id:
        raise NotFound(N_("No member %(user_id)s in this organization."), user_id=user_id)
    return user


def check_fit(user_roles, org: Organization) -> None:
    for role in sorted(user_roles):
        why = users.role_fits(role, org.kind)
        if why:
            raise Conflict(why)


# Members ---------------------------------------------------------------------------------


def list_members(session: Session, actor: User | None, org_id: int) -> list[User]:
    org = visible_organization(session, actor, org_id)
    return list(
        session.scalars(
            select(User)
            .where(User.organization_id == org.id)
            .order_by(User.org_role, User.display_name, User.id)
        )
    )


@unit_of_work
def set_member_role(
    session: Session, actor: User | None, org_id: int, user_id: int, role: str
) -> User:
    """An admin makes a member admin or member (never the last admin a member)."""
    if role not in MEMBER_ROLES:
        raise Invalid({"role": N_("Choose admin or member.")})
    org = administered(session, actor, org_id)
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


@unit_of_work
def remove_member(session: Session, actor: User | None, org_id: int, user_id: int) -> User:
    """An admin removes a member, or a member leaves; the last admin stays."""
    if actor is not None and actor.id == user_id and actor.organization_id == org_id:
        org = visible_organization(session, actor, org_id)
        lock_rows(session, Organization, [org.id])
    else:
        org = administered(session, actor, org_id)
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


def attach(
    session: Session, actor: User | None, user: User, org: Organization, role: str, via: str
):
    """Make ``user`` (locked and checked by the caller) a member of ``org`` with ``role``;
    the caller lapses their other join requests (join_requests.lapse_pending)."""
    user.organization_id = org.id
    user.org_role = role
    session.flush()
    audit.record(
        session,
        actor,
        "organization.member_joined",
        "organization",
        org.id,
        after={"user_id": user.id, "email": user.email, "role": role, "via": via},
    )


def admins_of(session: Session, org_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.organization_id == org_id, User.org_role == ADMIN, User.active)
            .order_by(User.id)
        )
    )
