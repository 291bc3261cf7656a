"""Bidding on a lot, serialized per lot: every submission locks the lot's row (SELECT …
FOR UPDATE on PostgreSQL), reads the price, runs the engine (auctions/engine.py), appends
the resulting bids to the hash-chained log and moves the price, the leader and — for a
bid in the last minutes — the end (anti-sniping), all in one transaction. The unique
constraints (lot, seq) and (lot, amount) back the lock: two bids can never be accepted
at the same price or the same place in the log.

The clock is a parameter (``now``) so that tests drive it; the service uses the server's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.auctions import chain, engine
from marketplace.auctions.deposits import registration_of
from marketplace.auctions.lots import lock_lot, require_user
from marketplace.auctions.rules import minimum_bid, pseudonym
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.core.messages import N_
from marketplace.core.money import Amount
from marketplace.core.uow import unit_of_work
from marketplace.models import AuctionBid, AuctionLot, AuctionRegistration, User
from marketplace.models.types import utcnow
from marketplace.notifications.events import notify

# Above this a typed amount is a typing mistake, not a bid (10^12 fen = 100 亿元).
MAX_AMOUNT = 10**12


@dataclass
class Outcome:
    lot: AuctionLot
    bids: list[AuctionBid] = field(default_factory=list)
    leading: bool = False
    extended: bool = False


def _window(lot: AuctionLot, now: datetime) -> None:
    if lot.state != "admitted" or now >= lot.ends_at:
        raise Conflict(N_("Bidding on this lot has closed."), code="bidding_closed")
    if now < lot.session.starts_at:
        raise Conflict(N_("Bidding opens when the session starts."), code="bidding_not_open")


def _check_amount(name: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_AMOUNT:
        raise Invalid({name: N_("A positive amount in minor units.")})
    return value


@unit_of_work
def place_bid(
    session: Session,
    actor: User | None,
    lot_id: int,
    amount: int,
    max_amount: int | None = None,
    *,
    now: datetime | None = None,
) -> Outcome:
    """Bid ``amount`` on the lot, optionally with a maximum the platform bids up to; the
    leader may only raise its maximum. Refusals: 409 bid_too_low (someone bid first: the
    minimum moved), bidding_closed / bidding_not_open, 403 deposit_not_held."""
    actor = require_user(actor)
    amount = _check_amount("amount", amount)
    if max_amount is not None:
        max_amount = _check_amount("max_amount", max_amount)
        if max_amount < amount:
            raise Invalid({"max_amount": N_("The maximum is at least the bid.")})
    now = now or utcnow()
    lot = lock_lot(session, lot_id)
    if lot.state in ("applied", "rejected", "withdrawn"):
        raise NotFound(N_("No auction lot %(lot)s."), lot=lot_id)
    _window(lot, now)
    reg = registration_of(session, lot.id, actor.organization_id)
    if reg is None or reg.deposit_state != "held":
        raise Forbidden(N_("Register and pay the deposit before bidding."), code="deposit_not_held")
    if lot.leader_id != reg.id and amount < next_minimum(lot):
        # Someone bid first (the common refusal under contention): decided before
        # reading the other bidders.
        raise Conflict(
            N_("The minimum bid is now %(minimum)s."),
            code="bid_too_low",
            minimum=Amount(next_minimum(lot), lot.currency),
        )
    regs = {
        r.id: r
        for r in session.scalars(
            select(AuctionRegistration).where(
                AuctionRegistration.lot_id == lot.id, AuctionRegistration.deposit_state == "held"
            )
        )
    }
    outcome = Outcome(lot)
    if lot.leader_id == reg.id:
        if max_amount is None or max_amount <= (reg.proxy_max or 0):
            raise Conflict(
                N_("You are leading; you may only raise your maximum."), code="already_leading"
            )
        reg.proxy_max, reg.proxy_seq = max_amount, lot.last_seq
        outcome.leading = True
        return outcome
    reg.proxy_max, reg.proxy_seq = max(amount, max_amount or 0), lot.last_seq + 1
    contenders = {
        r.id: engine.Contender(r.id, r.proxy_max, r.proxy_seq)
        for r in regs.values()
        if r.proxy_max is not None and r.proxy_seq is not None
    }
    try:
        steps = engine.submit(
            lot.ladder,
            lot.start_price,
            lot.current_price,
            lot.leader_id,
            contenders,
            reg.id,
            amount,
        )
    except engine.TooLow as low:
        raise Conflict(
            N_("The minimum bid is now %(minimum)s."),
            code="bid_too_low",
            minimum=Amount(low.minimum, lot.currency),
        ) from None
    before = lot.leader_id
    before_user = _bidding_user(session, lot.id, before) if before is not None else None
    for step in steps:
        by = actor.id if step.bidder == reg.id else _bidding_user(session, lot.id, step.bidder)
        outcome.bids.append(_append(session, lot, regs[step.bidder], step, now, by))
    if before is not None and lot.leader_id != before:
        _tell_outbid(session, lot, regs[before], before_user, actor)
    if lot.ends_at - now <= timedelta(minutes=lot.extension_minutes):
        lot.ends_at = lot.ends_at + timedelta(minutes=lot.extension_minutes)
        lot.extensions += 1
        outcome.extended = True
    outcome.leading = lot.leader_id == reg.id
    session.flush()
    return outcome


def _bidding_user(session: Session, lot_id: int, registration_id: int) -> int | None:
    """Who bids for a registration: the member who placed its latest bid (the one whose
    maximum a proxy answer spends)."""
    return session.scalar(
        select(AuctionBid.user_id)
        .where(
            AuctionBid.lot_id == lot_id,
            AuctionBid.registration_id == registration_id,
            AuctionBid.user_id.is_not(None),
        )
        .order_by(AuctionBid.seq.desc())
        .limit(1)
    )


def _append(
    session: Session,
    lot: AuctionLot,
    reg: AuctionRegistration,
    step: engine.Step,
    now: datetime,
    user_id: int | None,
) -> AuctionBid:
    bid = AuctionBid(
        lot_id=lot.id,
        seq=lot.last_seq + 1,
        registration_id=reg.id,
        bidder=pseudonym(reg.ordinal),
        amount=step.amount,
        currency=lot.currency,
        kind=step.kind,
        proxy_max=reg.proxy_max,
        user_id=user_id,
        created_at=now,
    )
    chain.seal(bid, lot.last_hash or chain.GENESIS)
    session.add(bid)
    lot.last_seq, lot.last_hash = bid.seq, bid.hash
    lot.current_price, lot.leader_id = step.amount, reg.id
    return bid


def _tell_outbid(
    session: Session,
    lot: AuctionLot,
    reg: AuctionRegistration,
    bidder_id: int | None,
    actor: User,
) -> None:
    """The bidder who led before this submission leads no more: told once, in-app and
    by mail, about the bid that took the lead: the member who placed the leading bid and
    the member who registered the organization, once each. Proxy answers that keep a
    bidder in the lead tell nobody (the leader is the same before and after)."""
    readers = list(dict.fromkeys(u for u in (bidder_id, reg.user_id) if u is not None))
    if not readers:
        return
    notify(
        session,
        "outbid",
        readers,
        event_key=f"auction_lot:{lot.id}:bid:{lot.last_seq}",
        actor_id=actor.id,
        listing_id=lot.listing_id,
        payload={
            "item": lot.listing.title,
            "lot_id": lot.id,
            "amount": lot.current_price,
            "currency": lot.currency,
        },
    )


def next_minimum(lot: AuctionLot) -> int:
    return minimum_bid(lot.ladder, lot.start_price, lot.current_price)


def bids(session: Session, lot_id: int) -> list[AuctionBid]:
    return list(
        session.scalars(
            select(AuctionBid).where(AuctionBid.lot_id == lot_id).order_by(AuctionBid.seq)
        )
    )
