"""Mediation offers: a verified broker offers to mediate a published listing or demand;
the item's owner (a member of its organization) accepts or declines. At most one accepted
offer per item (a partial unique index). Deals opened on an item with an accepted offer
start with that broker (deals/mediation.py).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts import brokers
from marketplace.catalog.publication import OWNER, get_visible
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.lifecycle import Lifecycle
from marketplace.core.locking import flush_or_conflict, lock_rows
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.deals import mediation
from marketplace.deals.machine import BROKER
from marketplace.models import Demand, Listing, MediationOffer, User
from marketplace.models.types import utcnow
from marketplace.notifications import events

# An offer's (state, action, role) → next state. Nothing else changes its status.
OFFER_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("pending", "accept", OWNER): "accepted",
    ("pending", "decline", OWNER): "declined",
    ("pending", "withdraw", BROKER): "withdrawn",
    ("accepted", "withdraw", BROKER): "withdrawn",  # deals already opened keep their broker
}


def _decided(offer: MediationOffer, action: str) -> Conflict:
    return Conflict(N_("The offer was already decided or withdrawn."))


OFFER: Lifecycle[MediationOffer] = Lifecycle(
    "offer",
    "status",
    OFFER_TRANSITIONS,
    initial=("pending",),
    wrong_state=_decided,
    words={
        "name": _l("mediation offer"),
        "role": {OWNER: _l("owner"), BROKER: _l("Broker")},
        "action": {
            "accept": _l("accept the offer"),
            "decline": _l("decline the offer"),
            "withdraw": _l("withdraw the offer"),
        },
    },
)

# Mediation offers on listings and demands ----------------------------------------------


def _item(session: Session, actor: User | None, listing_id, demand_id):
    if (listing_id is None) == (demand_id is None):
        raise Invalid({"listing_id": N_("Give either a listing_id or a demand_id.")})
    if listing_id is not None:
        return get_visible(session, Listing, listing_id, actor)
    return get_visible(session, Demand, demand_id, actor)


@unit_of_work
def offer_mediation(
    session: Session,
    actor: User | None,
    *,
    listing_id: int | None = None,
    demand_id: int | None = None,
    message: str = "",
) -> MediationOffer:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    brokers.verified_profile(session, actor.id)
    item = _item(session, actor, listing_id, demand_id)
    if item.status != "published":
        raise Conflict(N_("Brokers mediate published items only."))
    if item.organization_id == actor.organization_id:
        raise Conflict(N_("A broker cannot mediate their own organization's item."))
    if mediation.accepted_offer(session, listing_id, demand_id) is not None:
        raise Conflict(N_("The owner already accepted a broker for this item."))
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
        raise Conflict(N_("You already offered to mediate this item; wait for the owner's answer."))
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
    events.notify(
        session,
        "mediation_offered",
        events.members(session, [item.organization_id]),
        event_key=f"offer:{offer.id}",
        actor_id=actor.id,
        listing_id=listing_id,
        demand_id=demand_id,
        payload={"item": item.title, "actor": actor.display_name, "text": offer.message},
    )
    return offer


def _answered(session: Session, offer: MediationOffer, item, actor: User) -> None:
    """The broker learns the owner's answer."""
    events.notify(
        session,
        "mediation_answered",
        {offer.broker_id},
        event_key=f"offer:{offer.id}:{offer.status}",
        actor_id=actor.id,
        listing_id=offer.listing_id,
        demand_id=offer.demand_id,
        payload={
            "item": item.title,
            "accepted": offer.status == "accepted",
            "text": offer.decision_reason,
        },
    )


def _offer_item(session: Session, offer: MediationOffer):
    if offer.listing_id is not None:
        return session.get(Listing, offer.listing_id)
    return session.get(Demand, offer.demand_id)


@unit_of_work
def decide_offer(
    session: Session, actor: User | None, offer_id: int, accept: bool, reason: str = ""
) -> MediationOffer:
    """The item's owner (a member of its organization) accepts or declines an offer."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    lock_rows(session, MediationOffer, [offer_id])
    offer = session.get(MediationOffer, offer_id, populate_existing=True)
    if offer is None:
        raise NotFound(N_("No mediation offer %(offer)s."), offer=offer_id)
    item = _offer_item(session, offer)
    if actor.organization_id is None or item.organization_id != actor.organization_id:
        if actor.id == offer.broker_id or actor.is_operator:
            raise Forbidden(N_("Only the item's owner decides on mediation offers."))
        # Anyone else learns nothing, not even that the offer exists.
        raise NotFound(N_("No mediation offer %(offer)s."), offer=offer_id)
    action = "accept" if accept else "decline"
    OFFER.check(offer, action, [OWNER])
    offer.decided_by_id = actor.id
    offer.decided_at = utcnow()
    offer.decision_reason = (reason or "").strip()
    if not accept:
        OFFER.apply(offer, action, OWNER)
        flush_or_conflict(session)
        _answered(session, offer, item, actor)
        return offer
    if item.status != "published":
        raise Conflict(N_("Brokers mediate published items only."))
    brokers.verified_profile(session, offer.broker_id)
    OFFER.apply(offer, action, OWNER)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(N_("A broker was already accepted for this item.")) from None
    _answered(session, offer, item, actor)
    return offer


@unit_of_work
def withdraw_offer(session: Session, actor: User | None, offer_id: int) -> MediationOffer:
    """The broker takes back a pending offer, or stops mediating an accepted one (deals
    already opened keep their broker)."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    lock_rows(session, MediationOffer, [offer_id])
    offer = session.get(MediationOffer, offer_id, populate_existing=True)
    if offer is None or offer.broker_id != actor.id:
        raise NotFound(N_("No mediation offer %(offer)s."), offer=offer_id)
    OFFER.check(offer, "withdraw", [BROKER])
    OFFER.apply(offer, "withdraw", BROKER)
    flush_or_conflict(session)
    return offer


def offers_for_owner(session: Session, actor: User | None) -> list[MediationOffer]:
    """Offers on the actor's organization's listings and demands, newest first."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
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
        raise Unauthorized(N_("Log in first."))
    return list(
        session.scalars(
            select(MediationOffer)
            .where(MediationOffer.broker_id == actor.id)
            .order_by(MediationOffer.id.desc())
        )
    )
