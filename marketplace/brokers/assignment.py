"""Putting a broker on a deal.

Two ways in, both for verified brokers only (services/brokers.py):

* **Invitation**: a party of a deal (buyer or supplier) invites a broker before the
  contract is agreed; the broker accepts (becoming the deal's active broker) or declines.
* **Mediation offer** (broker_offers.py): a broker offers to mediate a published listing
  or demand; the item's owner accepts or declines. Deals opened on an item with an
  accepted offer start with that broker.

At most one active broker per deal (a partial unique index, so two concurrent accepts
cannot both win). Letting the active broker go takes both parties' consent
(``consent_release``); only then can another broker be invited and accept. Assignment
changes happen before the contract is agreed: the contract names its broker and the
commission, and it cannot change afterwards.

Every change locks the deal row first (deals.lock_deal) and is written to the timeline.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts import brokers
from marketplace.core.errors import Conflict, Forbidden, NotFound, Unauthorized
from marketplace.core.lifecycle import Lifecycle
from marketplace.core.locking import begin_write, flush_or_conflict, lock_rows
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.deals import labels
from marketplace.deals import machine as deals
from marketplace.deals.machine import BROKER, BUYER, SUPPLIER, SYSTEM
from marketplace.models import BrokerAssignment, Deal, User
from marketplace.models.types import utcnow

# The contract names its broker: assignments change only while terms are negotiated.
OPEN_STATES = ("inquiry", "negotiating")

# An assignment's (state, action, role) → next state. Nothing else changes its status.
INVITATION_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("invited", "accept", BROKER): "active",
    ("invited", "decline", BROKER): "declined",
    ("invited", "withdraw", BUYER): "withdrawn",
    ("invited", "withdraw", SUPPLIER): "withdrawn",
    ("invited", "lapse", SYSTEM): "withdrawn",  # another broker of the deal accepted first
    ("active", "release", SYSTEM): "released",  # both parties consented
}


def _answered(assignment: BrokerAssignment, action: str) -> Conflict:
    return Conflict(N_("The invitation was already answered or withdrawn."))


INVITATION: Lifecycle[BrokerAssignment] = Lifecycle(
    "invitation",
    "status",
    INVITATION_TRANSITIONS,
    # active: a deal opened on an item whose owner accepted a broker's mediation offer
    # starts with that broker (deals/mediation.py).
    initial=("invited", "active"),
    wrong_state=_answered,
    words={
        "name": _l("invitation"),
        "role": labels.LABELS["role"],
        "action": {
            "accept": _l("accept the invitation"),
            "decline": _l("decline the invitation"),
            "withdraw": _l("withdraw the invitation"),
            "lapse": _l("let the invitation lapse"),
            "release": _l("release the broker"),
        },
    },
)


def _insert(session: Session, row, message: str) -> None:
    """Add and flush in a savepoint: a unique index refusing the row is a Conflict."""
    begin_write(session)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(message) from None


def _party_role(deal: Deal, actor: User | None) -> str:
    roles = deals.actor_roles(deal, actor)
    for role in (BUYER, SUPPLIER):
        if role in roles:
            return role
    raise Forbidden(N_("Only the deal's buyer or supplier decide who mediates it."))


def _check_open(deal: Deal) -> None:
    if deal.state not in OPEN_STATES:
        raise Conflict(N_("Brokers join or leave a deal before its contract is agreed."))


def _check_independent(deal: Deal, broker: User) -> None:
    if broker.organization_id in (deal.buyer_org_id, deal.supplier_org_id):
        raise Conflict(N_("A broker cannot mediate a deal of their own organization."))


def _active(session: Session, deal: Deal) -> BrokerAssignment | None:
    return session.scalar(
        select(BrokerAssignment)
        .where(BrokerAssignment.deal_id == deal.id, BrokerAssignment.status == "active")
        .execution_options(populate_existing=True)
    )


def _expire(session: Session, deal: Deal) -> None:
    session.flush()
    session.expire(deal, ["broker_assignments"])


# Invitations ---------------------------------------------------------------------------


@unit_of_work
def invite(
    session: Session,
    actor: User | None,
    deal_id: int,
    broker_id: int,
    message: str = "",
    *,
    ip: str | None = None,
) -> BrokerAssignment:
    deal = deals.lock_deal(session, actor, deal_id)
    role = _party_role(deal, actor)
    _check_open(deal)
    profile = brokers.verified_profile(session, broker_id)
    _check_independent(deal, profile.user)
    if _active(session, deal) is not None:
        raise Conflict(
            N_(
                "The deal already has a broker. Replacing a broker takes both parties' consent: "
                "release the current broker first."
            )
        )
    assignment = BrokerAssignment(
        deal_id=deal.id,
        broker_id=broker_id,
        status="invited",
        source="invitation",
        invited_by_id=actor.id,
        invited_by_role=role,
        message=(message or "").strip(),
        created_at=utcnow(),
    )
    _insert(session, assignment, N_("This broker is already invited to the deal."))
    deals.record(
        session,
        deal,
        "broker_invited",
        role,
        actor,
        ip=ip,
        detail={"broker_id": broker_id, "broker": profile.display_name},
    )
    _expire(session, deal)
    return assignment


def _assignment(session: Session, assignment_id: int) -> BrokerAssignment:
    assignment = session.get(BrokerAssignment, assignment_id)
    if assignment is None:
        raise NotFound(N_("No invitation %(invitation)s."), invitation=assignment_id)
    return assignment


@unit_of_work
def respond(
    session: Session,
    actor: User | None,
    assignment_id: int,
    accept: bool,
    *,
    ip: str | None = None,
) -> BrokerAssignment:
    """The invited broker accepts (becoming the deal's broker) or declines."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    assignment = _assignment(session, assignment_id)
    if assignment.broker_id != actor.id:
        raise NotFound(N_("No invitation %(invitation)s."), invitation=assignment_id)
    lock_rows(session, Deal, [assignment.deal_id])
    deal = session.get(Deal, assignment.deal_id, populate_existing=True)
    session.refresh(assignment)
    INVITATION.check(assignment, "accept" if accept else "decline", [BROKER])
    if not accept:
        INVITATION.apply(assignment, "decline", BROKER)
        assignment.ended_at = utcnow()
        deals.record(session, deal, "broker_declined", BROKER, actor, ip=ip)
        flush_or_conflict(session)
        return assignment
    _check_open(deal)
    brokers.verified_profile(session, actor.id)
    if _active(session, deal) is not None:
        raise Conflict(N_("The deal already has a broker."))
    INVITATION.apply(assignment, "accept", BROKER)
    assignment.accepted_at = utcnow()
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # another broker was accepted at the same moment
        raise Conflict(N_("The deal already has a broker.")) from None
    # Other open invitations of this deal lapse: the deal has its broker.
    for other in session.scalars(
        select(BrokerAssignment).where(
            BrokerAssignment.deal_id == deal.id,
            BrokerAssignment.status == "invited",
            BrokerAssignment.id != assignment.id,
        )
    ):
        INVITATION.apply(other, "lapse", SYSTEM)
        other.ended_at = utcnow()
    deals.record(
        session, deal, "broker_assigned", BROKER, actor, ip=ip, detail={"broker_id": actor.id}
    )
    _expire(session, deal)
    return assignment


@unit_of_work
def withdraw_invitation(
    session: Session, actor: User | None, assignment_id: int, *, ip: str | None = None
) -> BrokerAssignment:
    assignment = _assignment(session, assignment_id)
    deal = deals.lock_deal(session, actor, assignment.deal_id)
    role = _party_role(deal, actor)
    session.refresh(assignment)
    INVITATION.check(assignment, "withdraw", [role])
    INVITATION.apply(assignment, "withdraw", role)
    assignment.ended_at = utcnow()
    deals.record(
        session,
        deal,
        "broker_invitation_withdrawn",
        role,
        actor,
        ip=ip,
        detail={"broker_id": assignment.broker_id},
    )
    flush_or_conflict(session)
    return assignment


@unit_of_work
def consent_release(
    session: Session, actor: User | None, deal_id: int, *, ip: str | None = None
) -> BrokerAssignment:
    """A party agrees to let the active broker go; with both parties' consent the broker
    leaves the deal and another can be invited. Consenting twice changes nothing."""
    deal = deals.lock_deal(session, actor, deal_id)
    role = _party_role(deal, actor)
    _check_open(deal)
    assignment = _active(session, deal)
    if assignment is None:
        raise Conflict(N_("The deal has no broker."))
    flag = "buyer_release_consent" if role == BUYER else "supplier_release_consent"
    if getattr(assignment, flag):
        return assignment
    setattr(assignment, flag, True)
    deals.record(
        session,
        deal,
        "broker_release_consent",
        role,
        actor,
        ip=ip,
        detail={"broker_id": assignment.broker_id},
    )
    if assignment.buyer_release_consent and assignment.supplier_release_consent:
        INVITATION.apply(assignment, "release", SYSTEM)
        assignment.ended_at = utcnow()
        deals.record(
            session,
            deal,
            "broker_released",
            SYSTEM,
            actor,
            ip=ip,
            detail={"broker_id": assignment.broker_id},
        )
    flush_or_conflict(session)
    _expire(session, deal)
    return assignment


def deal_assignments(session: Session, actor: User | None, deal_id: int) -> list[BrokerAssignment]:
    """Every broker invited to or assigned on the deal (whoever may see the deal)."""
    deal = deals.get_deal(session, actor, deal_id)
    return list(
        session.scalars(
            select(BrokerAssignment)
            .where(BrokerAssignment.deal_id == deal.id)
            .order_by(BrokerAssignment.id)
        )
    )


def my_invitations(session: Session, actor: User | None) -> list[BrokerAssignment]:
    """Open invitations waiting for this broker's answer."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    return list(
        session.scalars(
            select(BrokerAssignment)
            .where(BrokerAssignment.broker_id == actor.id, BrokerAssignment.status == "invited")
            .order_by(BrokerAssignment.id)
        )
    )
