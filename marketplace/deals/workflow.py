"""Deal use cases beside the state machine: opening a deal on an item, my deals, the
negotiation thread, starting work."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from marketplace.catalog.publication import PUBLICATION, get_visible
from marketplace.core.errors import Conflict, Forbidden, Invalid, Unauthorized
from marketplace.core.messages import N_
from marketplace.core.paging import Page, paginate
from marketplace.core.uow import unit_of_work
from marketplace.deals import mediation, notices
from marketplace.deals.machine import (
    BROKER,
    BUYER,
    SUPPLIER,
    apply,
    check,
    get_deal,
    lock_deal,
    record,
    speaking_role,
)
from marketplace.models import BrokerAssignment, Deal, DealMessage, Demand, Listing, User


@unit_of_work
def open_deal(
    session: Session,
    actor: User | None,
    *,
    listing_id: int | None = None,
    demand_id: int | None = None,
    message: str = "",
    ip: str | None = None,
) -> Deal:
    """An enterprise member asks about a published listing (their organization buys), or a
    university/institute member answers a published demand (their organization supplies)."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    if (listing_id is None) == (demand_id is None):
        raise Invalid({"listing_id": N_("Give either a listing_id or a demand_id.")})
    org = actor.organization
    if listing_id is not None:
        item = get_visible(session, Listing, listing_id, actor)
        if org is None or not actor.has_role("enterprise_member"):
            raise Forbidden(N_("Only enterprise members open a deal on a listing."))
        role, buyer_id, supplier_id = BUYER, org.id, item.organization_id
    else:
        item = get_visible(session, Demand, demand_id, actor)
        if org is None or not org.is_supply_side:
            raise Forbidden(N_("Only members of a university or institute answer a demand."))
        role, buyer_id, supplier_id = SUPPLIER, item.organization_id, org.id
    if item.status != "published":
        raise Conflict(
            N_("Deals are opened on published items; this one is %(status)s."),
            code="item_state",
            status=PUBLICATION.term("state", item.status),
        )
    if buyer_id == supplier_id:
        raise Forbidden(N_("You cannot open a deal on your own organization's item."))
    deal = Deal(
        state="inquiry",
        title=item.title,
        listing_id=listing_id,
        demand_id=demand_id,
        buyer_org_id=buyer_id,
        supplier_org_id=supplier_id,
        opened_by_id=actor.id,
        opened_by_role=role,
    )
    session.add(deal)
    session.flush()
    event = record(session, deal, "open", role, actor, ip=ip, detail={"message": bool(message)})
    event.from_state = None
    if message.strip():
        session.add(DealMessage(deal_id=deal.id, author_id=actor.id, role=role, body=message))
    session.flush()
    # A broker whose mediation offer the item's owner accepted mediates its deals.
    mediation.assign_item_broker(session, deal, ip=ip)
    return deal


def open_awarded_deal(
    session: Session,
    actor: User,
    *,
    challenge_id: int,
    title: str,
    buyer_org_id: int,
    supplier_org_id: int,
    message: str = "",
) -> Deal:
    """The deal an awarded challenge opens between its poster (buyer) and a winner
    (supplier); the challenges domain has checked who awards and holds the challenge's
    lock. The caller proposes the pre-filled terms and moves the bounty into escrow."""
    deal = Deal(
        state="inquiry",
        title=title,
        challenge_id=challenge_id,
        buyer_org_id=buyer_org_id,
        supplier_org_id=supplier_org_id,
        opened_by_id=actor.id,
        opened_by_role=BUYER,
    )
    session.add(deal)
    session.flush()
    event = record(session, deal, "open", BUYER, actor, detail={"challenge_id": challenge_id})
    event.from_state = None
    if message.strip():
        session.add(DealMessage(deal_id=deal.id, author_id=actor.id, role=BUYER, body=message))
    session.flush()
    return deal


def list_deals(
    session: Session,
    actor: User | None,
    *,
    state: str | None = None,
    role: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """My deals: those of my organization (as buyer, supplier, or both) and those I mediate
    as their broker; operators see all."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    stmt = select(Deal).order_by(Deal.updated_at.desc(), Deal.id.desc())
    org_id = actor.organization_id
    if role == BUYER:
        stmt = stmt.where(Deal.buyer_org_id == org_id)
    elif role == SUPPLIER:
        stmt = stmt.where(Deal.supplier_org_id == org_id)
    elif role == BROKER:
        stmt = stmt.where(Deal.id.in_(_mediated_by(actor)))
    elif not actor.is_operator:
        stmt = stmt.where(
            or_(
                Deal.buyer_org_id == org_id,
                Deal.supplier_org_id == org_id,
                Deal.id.in_(_mediated_by(actor)),
            )
        )
    if state:
        stmt = stmt.where(Deal.state == state)
    return paginate(session, stmt, page, per_page)


def _mediated_by(actor: User):
    return select(BrokerAssignment.deal_id).where(
        BrokerAssignment.broker_id == actor.id, BrokerAssignment.status == "active"
    )


def list_messages(session: Session, actor: User | None, deal_id: int) -> list[DealMessage]:
    deal = get_deal(session, actor, deal_id)
    return list(
        session.scalars(
            select(DealMessage).where(DealMessage.deal_id == deal.id).order_by(DealMessage.id)
        )
    )


@unit_of_work
def post_message(session: Session, actor: User | None, deal_id: int, body: str) -> DealMessage:
    """A message in the negotiation thread (parties and operators; any state, the thread
    stays open for questions after completion). Attachments: not yet."""
    deal = get_deal(session, actor, deal_id)
    body = (body or "").strip()
    if not body:
        raise Invalid({"body": N_("Write something.")})
    message = DealMessage(
        deal_id=deal.id, author_id=actor.id, role=speaking_role(deal, actor), body=body
    )
    session.add(message)
    session.flush()
    notices.message_posted(session, deal, message)
    return message


@unit_of_work
def start_work(
    session: Session, actor: User | None, deal_id: int, *, ip: str | None = None
) -> Deal:
    """The supplier says delivery has begun (optional: accepting a milestone also starts it)."""
    deal = lock_deal(session, actor, deal_id)
    role = check(deal, "start_work", actor)
    return apply(session, deal, "start_work", role, actor, ip=ip)
