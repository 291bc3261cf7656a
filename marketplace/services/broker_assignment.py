"""Putting a broker on a deal.

Two ways in, both for verified brokers only (services/brokers.py):

* **Invitation**: a party of a deal (buyer or supplier) invites a broker before the
  contract is agreed; the broker accepts (becoming the deal's active broker) or declines.
* **Mediation offer**: a broker offers to mediate a published listing or demand; the
  item's owner accepts or declines. Deals opened on an item with an accepted offer start
  with that broker (``assign_item_broker``, called by deals.open_deal).

At most one active broker per deal (a partial unique index, so two concurrent accepts
cannot both win). Letting the active broker go takes both parties' consent
(``consent_release``); only then can another broker be invited and accept. Assignment
changes happen before the contract is agreed: the contract names its broker and the
commission, and it cannot change afterwards.

Every change locks the deal row first (deals.lock_deal) and is written to the timeline.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.models import BrokerAssignment, Deal, Demand, Listing, MediationOffer, User
from marketplace.models.types import utcnow
from marketplace.services import brokers, deals
from marketplace.services.deals import BROKER, BUYER, SUPPLIER, SYSTEM
from marketplace.services.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.services.locking import begin_write, lock_rows
from marketplace.services.publication import flush_or_conflict, get_visible

# The contract names its broker: assignments change only while terms are negotiated.
OPEN_STATES = ("inquiry", "negotiating")


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
    raise Forbidden("Only the deal's buyer or supplier decide who mediates it.")


def _check_open(deal: Deal) -> None:
    if deal.state not in OPEN_STATES:
        raise Conflict("Brokers join or leave a deal before its contract is agreed.")


def _check_independent(deal: Deal, broker: User) -> None:
    if broker.organization_id in (deal.buyer_org_id, deal.supplier_org_id):
        raise Conflict("A broker cannot mediate a deal of their own organization.")


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
            "The deal already has a broker. Replacing a broker takes both parties' consent: "
            "release the current broker first."
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
    _insert(session, assignment, "This broker is already invited to the deal.")
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
        raise NotFound(f"No invitation {assignment_id}.")
    return assignment


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
        raise Unauthorized("Log in first.")
    assignment = _assignment(session, assignment_id)
    if assignment.broker_id != actor.id:
        raise NotFound(f"No invitation {assignment_id}.")
    lock_rows(session, Deal, [assignment.deal_id])
    deal = session.get(Deal, assignment.deal_id, populate_existing=True)
    session.refresh(assignment)
    if assignment.status != "invited":
        raise Conflict("The invitation was already answered or withdrawn.")
    if not accept:
        assignment.status = "declined"
        assignment.ended_at = utcnow()
        deals.record(session, deal, "broker_declined", BROKER, actor, ip=ip)
        flush_or_conflict(session)
        return assignment
    _check_open(deal)
    brokers.verified_profile(session, actor.id)
    if _active(session, deal) is not None:
        raise Conflict("The deal already has a broker.")
    assignment.status = "active"
    assignment.accepted_at = utcnow()
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # another broker was accepted at the same moment
        raise Conflict("The deal already has a broker.") from None
    # Other open invitations of this deal lapse: the deal has its broker.
    for other in session.scalars(
        select(BrokerAssignment).where(
            BrokerAssignment.deal_id == deal.id,
            BrokerAssignment.status == "invited",
            BrokerAssignment.id != assignment.id,
        )
    ):
        other.status = "withdrawn"
        other.ended_at = utcnow()
    deals.record(
        session, deal, "broker_assigned", BROKER, actor, ip=ip, detail={"broker_id": actor.id}
    )
    _expire(session, deal)
    return assignment


def withdraw_invitation(
    session: Session, actor: User | None, assignment_id: int, *, ip: str | None = None
) -> BrokerAssignment:
    assignment = _assignment(session, assignment_id)
    deal = deals.lock_deal(session, actor, assignment.deal_id)
    role = _party_role(deal, actor)
    session.refresh(assignment)
    if assignment.status != "invited":
        raise Conflict("The invitation was already answered or withdrawn.")
    assignment.status = "withdrawn"
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
        raise Conflict("The deal has no broker.")
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
        assignment.status = "released"
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
        raise Unauthorized("Log in first.")
    return list(
        session.scalars(
            select(BrokerAssignment)
            .where(BrokerAssignment.broker_id == actor.id, BrokerAssignment.status == "invited")
            .order_by(BrokerAssignment.id)
        )
    )


# Mediation offers on listings and demands ----------------------------------------------


def _item(session: Session, actor: User | None, listing_id, demand_id):
    if (listing_id is None) == (demand_id is None):
        raise Invalid({"listing_id": "Give either a listing_id or a demand_id."})
    if listing_id is not None:
        return get_visible(session, Listing, listing_id, actor)
    return get_visible(session, Demand, demand_id, actor)


def _accepted_offer(session: Session, listing_id, demand_id) -> MediationOffer | None:
    stmt = select(MediationOffer).where(MediationOffer.status == "accepted")
    if listing_id is not None:
        stmt = stmt.where(MediationOffer.listing_id == listing_id)
    else:
        stmt = stmt.where(MediationOffer.demand_id == demand_id)
    return session.scalar(stmt)


def offer_mediation(
    session: Session,
    actor: User | None,
    *,
    listing_id: int | None = None,
    demand_id: int | None = None,
    message: str = "",
) -> MediationOffer:
    if actor is None:
        raise Unauthorized("Log in first.")
    brokers.verified_profile(session, actor.id)
    item = _item(session, actor, listing_id, demand_id)
    if item.status != "published":
        raise Conflict("Brokers mediate published items only.")
    if item.organization_id == actor.organization_id:
        raise Conflict("A broker cannot mediate their own organization's item.")
    if _accepted_offer(session, listing_id, demand_id) is not None:
        raise Conflict("The owner already accepted a broker for this item.")
    pending = session.scalar(
        select(MediationOffer).where(
            MediationOffer.broker_id == actor.id,
            MediationOffer.status == "pending",
            MediationOffer.listing_id == listing_id
            if listing_id is not None
            else MediationOffer.demand_id == demand_id,
        )
    )
    if pending is not None:
        raise Conflict("You already offered to mediate this item; wait for the owner's answer.")
    offer = MediationOffer(
        broker_id=actor.id,
        listing_id=listing_id,
        demand_id=demand_id,
        message=(message or "").strip(),
        status="pending",
        created_at=utcnow(),
    )
    session.add(offer)
    session.flush()
    return offer


def _offer_item(session: Session, offer: MediationOffer):
    if offer.listing_id is not None:
        return session.get(Listing, offer.listing_id)
    return session.get(Demand, offer.demand_id)


def decide_offer(
    session: Session, actor: User | None, offer_id: int, accept: bool, reason: str = ""
) -> MediationOffer:
    """The item's owner (a member of its organization) accepts or declines an offer."""
    if actor is None:
        raise Unauthorized("Log in first.")
    lock_rows(session, MediationOffer, [offer_id])
    offer = session.get(MediationOffer, offer_id, populate_existing=True)
    if offer is None:
        raise NotFound(f"No mediation offer {offer_id}.")
    item = _offer_item(session, offer)
    if actor.organization_id is None or item.organization_id != actor.organization_id:
        raise Forbidden("Only the item's owner decides on mediation offers.")
    if offer.status != "pending":
        raise Conflict("The offer was already decided or withdrawn.")
    offer.decided_by_id = actor.id
    offer.decided_at = utcnow()
    offer.decision_reason = (reason or "").strip()
    if not accept:
        offer.status = "declined"
        flush_or_conflict(session)
        return offer
    if item.status != "published":
        raise Conflict("Brokers mediate published items only.")
    brokers.verified_profile(session, offer.broker_id)
    offer.status = "accepted"
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("A broker was already accepted for this item.") from None
    return offer


def withdraw_offer(session: Session, actor: User | None, offer_id: int) -> MediationOffer:
    """The broker takes back a pending offer, or stops mediating an accepted one (deals
    already opened keep their broker)."""
    if actor is None:
        raise Unauthorized("Log in first.")
    lock_rows(session, MediationOffer, [offer_id])
    offer = session.get(MediationOffer, offer_id, populate_existing=True)
    if offer is None or offer.broker_id != actor.id:
        raise NotFound(f"No mediation offer {offer_id}.")
    if offer.status not in ("pending", "accepted"):
        raise Conflict("The offer was already decided or withdrawn.")
    offer.status = "withdrawn"
    flush_or_conflict(session)
    return offer


def offers_for_owner(session: Session, actor: User | None) -> list[MediationOffer]:
    """Offers on the actor's organization's listings and demands, newest first."""
    if actor is None:
        raise Unauthorized("Log in first.")
    if actor.organization_id is None:
        return []
    org = actor.organization_id
    return list(
        session.scalars(
            select(MediationOffer)
            .outerjoin(Listing, Listing.id == MediationOffer.listing_id)
            .outerjoin(Demand, Demand.id == MediationOffer.demand_id)
            .where((Listing.organization_id == org) | (Demand.organization_id == org))
            .order_by(MediationOffer.id.desc())
        )
    )


def offers_of_broker(session: Session, actor: User | None) -> list[MediationOffer]:
    if actor is None:
        raise Unauthorized("Log in first.")
    return list(
        session.scalars(
            select(MediationOffer)
            .where(MediationOffer.broker_id == actor.id)
            .order_by(MediationOffer.id.desc())
        )
    )


def item_broker(
    session: Session, *, listing_id: int | None = None, demand_id: int | None = None
) -> MediationOffer | None:
    """The accepted offer of a listing or demand (shown on its page)."""
    return _accepted_offer(session, listing_id, demand_id)


def assign_item_broker(session: Session, deal: Deal, *, ip: str | None = None) -> None:
    """A new deal on an item with an accepted mediation offer starts with that broker
    (if still verified and independent of both parties)."""
    offer = _accepted_offer(session, deal.listing_id, deal.demand_id)
    if offer is None:
        return
    profile = brokers.profile_of(session, offer.broker_id)
    if profile is None or profile.status != "verified":
        return
    if profile.user.organization_id in (deal.buyer_org_id, deal.supplier_org_id):
        return
    now = utcnow()
    session.add(
        BrokerAssignment(
            deal_id=deal.id,
            broker_id=offer.broker_id,
            status="active",
            source="offer",
            created_at=now,
            accepted_at=now,
        )
    )
    deals.record(
        session,
        deal,
        "broker_assigned",
        SYSTEM,
        None,
        ip=ip,
        detail={"broker_id": offer.broker_id, "offer_id": offer.id},
    )
    _expire(session, deal)
