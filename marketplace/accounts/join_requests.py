"""Join requests: a person without an organization asks to join one (registration naming
an existing organization files one); its admins approve or decline with a reason (see
accounts/members.py for who may). At most one pending request per person; joining by an
invitation lapses it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts.members import (
    ADMIN,
    MEMBER,
    REQUESTER,
    SYSTEM,
    administered,
    answered,
    attach,
    check_fit,
)
from marketplace.core import audit
from marketplace.core.errors import Conflict, Invalid, NotFound, Unauthorized
from marketplace.core.lifecycle import Lifecycle
from marketplace.core.locking import begin_write, lock_rows
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.models import JoinRequest, Organization, User
from marketplace.models.types import utcnow

JOIN_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("pending", "approve", ADMIN): "approved",
    ("pending", "decline", ADMIN): "declined",
    ("pending", "withdraw", REQUESTER): "withdrawn",
    ("pending", "lapse", SYSTEM): "withdrawn",  # the person joined another way
}
JOIN_REQUEST: Lifecycle[JoinRequest] = Lifecycle(
    "join request", "status", JOIN_TRANSITIONS, initial=("pending",), wrong_state=answered
)


def lapse_pending(session: Session, user: User) -> None:
    """The person joined an organization: their pending requests lapse."""
    for other in session.scalars(
        select(JoinRequest).where(JoinRequest.user_id == user.id, JoinRequest.status == "pending")
    ):
        JOIN_REQUEST.apply(other, "lapse", SYSTEM)
        other.decided_at = utcnow()
    session.flush()


# Join requests ---------------------------------------------------------------------------


@unit_of_work
def request_to_join(
    session: Session, actor: User | None, org_id: int, message: str = ""
) -> JoinRequest:
    """A logged-in person without an organization asks to join one."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(N_("No organization %(org_id)s."), org_id=org_id)
    if actor.is_operator:
        raise Conflict(N_("Operators do not join organizations."))
    if actor.organization_id is not None:
        raise Conflict(N_("You belong to an organization already: leave it first."))
    check_fit(actor.roles, org)
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
            N_("You have a pending join request: withdraw it to ask another organization.")
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
        raise Unauthorized(N_("Log in first."))
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
    org = administered(session, actor, org_id, lock=False)
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


@unit_of_work
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
        raise Invalid({"decision": N_("Use approve or decline.")})
    org = administered(session, actor, org_id)
    request = session.get(JoinRequest, request_id)
    if request is None or request.organization_id != org.id:
        raise NotFound(
            N_("No join request %(request_id)s in this organization."), request_id=request_id
        )
    lock_rows(session, JoinRequest, [request.id])
    session.refresh(request)
    role = JOIN_REQUEST.check(request, decision, [ADMIN])
    reason = (reason or "").strip()
    if decision == "decline" and not reason:
        raise Invalid({"reason": N_("Say why the request is declined.")})
    person = session.get(User, request.user_id)
    if decision == "approve":
        if person.confirmed_at is None:
            raise Conflict(N_("The person has not confirmed their e-mail address yet."))
        lock_rows(session, User, [person.id])
        session.refresh(person)
        if person.organization_id is not None:
            raise Conflict(N_("The person has joined an organization meanwhile."))
        check_fit(person.roles, org)
    JOIN_REQUEST.apply(request, decision, role)
    request.reason = reason
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    if decision == "approve":
        attach(session, actor, person, org, MEMBER, "join_request")
        lapse_pending(session, person)
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


@unit_of_work
def withdraw_join_request(session: Session, actor: User | None, request_id: int) -> JoinRequest:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    request = session.get(JoinRequest, request_id)
    if request is None or request.user_id != actor.id:
        raise NotFound(N_("No join request %(request_id)s."), request_id=request_id)
    lock_rows(session, JoinRequest, [request.id])
    session.refresh(request)
    JOIN_REQUEST.apply(request, "withdraw", JOIN_REQUEST.check(request, "withdraw", [REQUESTER]))
    request.decided_at = utcnow()
    session.flush()
    return request
