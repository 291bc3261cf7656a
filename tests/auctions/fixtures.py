"""Helpers shared by the auction tests: a seller, verified bidders with deposits held, a
session and an admitted lot, through the real services. (No tests here.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from marketplace.auctions import deposits, lots
from marketplace.extensions import db
from marketplace.models import AuctionLot, Organization, User
from marketplace.models.types import utcnow

# 10 万元 steps below 500 万元, 20 万元 above (in fen).
LADDER = [{"below": 500_000_000, "step": 10_000_000}, {"below": None, "step": 20_000_000}]
START = 200_000_000  # 200 万元
DEPOSIT = 20_000_000  # 20 万元


@dataclass
class World:
    operator: User
    seller: User
    bidders: list[User]
    lot_id: int
    session_id: int
    opens: datetime
    ends: datetime
    stranger: User | None = None
    extra: dict = field(default_factory=dict)


def fresh(u: User) -> User:
    return db.session.get(User, u.id)


def verified_bidder(make) -> User:
    u = make.user("enterprise_member")
    org = db.session.get(Organization, u.organization_id)
    org.verification_status = "verified"
    db.session.commit()
    return u


def world(
    make,
    session,
    *,
    bidders=2,
    reserve=None,
    held=True,
    minutes=60,
    ladder=LADDER,
    start=START,
    extension=5,
) -> World:
    """A session that opened a minute ago and ends in ``minutes``, one admitted lot, and
    ``bidders`` verified enterprise members registered (deposits held if ``held``)."""
    operator = make.operator()
    seller = make.user("researcher")
    listing = make.listing(seller, status="published")
    now = utcnow()
    opens, ends = now + timedelta(minutes=1), now + timedelta(minutes=1 + minutes)
    auction = lots.schedule_session(
        session,
        fresh(operator),
        title="新能源专场",
        domain="new_energy",
        starts_at=opens,
        ends_at=ends,
        rules="一次性付款",
        now=now,
    )
    lot = lots.apply_lot(
        session,
        fresh(seller),
        auction.id,
        {
            "listing_id": listing.id,
            "transfer_mode": "assignment",
            "start_price": start,
            "ladder": ladder,
            "reserve_price": reserve,
            "deposit": DEPOSIT,
            "extension_minutes": extension,
        },
        now=now,
    )
    lots.decide_lot(session, fresh(operator), lot.id, "admit")
    w = World(operator, seller, [], lot.id, auction.id, opens, ends)
    for _ in range(bidders):
        w.bidders.append(add_bidder(make, session, w, held=held))
    w.stranger = make.user("enterprise_member")
    # End the session's transaction: rows that tests make next are not inside it (a
    # refused service call rolls back only what came after).
    session.commit()
    return w


def add_bidder(make, session, w: World, *, held=True) -> User:
    u = verified_bidder(make)
    reg = deposits.register(session, fresh(u), w.lot_id, now=w.opens - timedelta(seconds=30))
    if held:
        deposits.confirm_deposit(
            session, fresh(w.operator), reg.id, reference=reg.reference, amount=reg.deposit_amount
        )
    session.commit()
    return u


def lot(session, w: World) -> AuctionLot:
    return session.get(AuctionLot, w.lot_id, populate_existing=True)


def fund(session, w: World, buyer: User, deal_id: int) -> None:
    """The buyer confirms the pre-filled terms, asks how to pay the rest and an operator
    confirms its bank transfer: the deal is funded."""
    from marketplace.deals import escrow, terms
    from marketplace.models import Deal

    deal = session.get(Deal, deal_id)
    terms.confirm_terms(session, fresh(buyer), deal_id, deal.current_terms.terms_hash)
    funding = escrow.request_funding(session, fresh(buyer), deal_id)
    escrow.confirm_bank_transfer(
        session, fresh(w.operator), deal_id, reference=funding.reference, amount=funding.amount
    )
