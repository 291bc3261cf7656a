"""A deal on a mediated item: a listing or demand whose owner accepted a broker's mediation
offer (brokers/offers.py) has that broker as its mediator, and deals opened on it start
with them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts import brokers
from marketplace.core.errors import Conflict, NotFound
from marketplace.deals import machine as deals
from marketplace.deals.machine import SYSTEM
from marketplace.models import BrokerAssignment, Deal, MediationOffer
from marketplace.models.types import utcnow


def accepted_offer(session: Session, listing_id, demand_id) -> MediationOffer | None:
    stmt = select(MediationOffer).where(MediationOffer.status == "accepted")
    if listing_id is not None:
        stmt = stmt.where(MediationOffer.listing_id == listing_id)
    else:
        stmt = stmt.where(MediationOffer.demand_id == demand_id)
    return session.scalar(stmt)


def item_broker(
    session: Session, *, listing_id: int | None = None, demand_id: int | None = None
) -> MediationOffer | None:
    """The accepted offer of a listing or demand (shown on its page)."""
    return accepted_offer(session, listing_id, demand_id)


def assign_item_broker(session: Session, deal: Deal, *, ip: str | None = None) -> None:
    """A new deal on an item with an accepted mediation offer starts with that broker
    (if still verified and independent of both parties)."""
    offer = accepted_offer(session, deal.listing_id, deal.demand_id)
    if offer is None:
        return
    try:
        profile = brokers.verified_profile(session, offer.broker_id)
    except (NotFound, Conflict):
        return  # no longer a verified broker: the deal starts without one
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
    session.flush()
    session.expire(deal, ["broker_assignments"])
