"""Closing a lot when the clock passes its end (``flask auction close``, idempotent).

No bid, or the highest below the hidden reserve → unsold: every deposit refunded.
Otherwise sold: a deal is opened between the lot's owner and the winner, the owner's
terms pre-filled at the hammer price (one milestone, the lot's transfer mode) and
confirmed on the seller's side (applying for the auction accepted the sale at the hammer
price), the winner's deposit applied to the deal's escrow, the runner-up's deposit kept
held (it may buy the lot if the winner does not fund: auctions/settlement.py), the others
refunded. One lot, one unit of work, under the lot's row lock: a second close (or a
concurrent one) finds the lot sold or unsold and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.auctions import deposits
from marketplace.auctions.lots import lock_lot
from marketplace.auctions.rules import DEFAULT_FUNDING_DAYS, LOT, SYSTEM
from marketplace.core import audit
from marketplace.core.errors import Conflict, DomainError
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.models import AuctionBid, AuctionLot, AuctionRegistration, User
from marketplace.models.types import utcnow

CLOSED_STATES = ("sold", "unsold", "defaulted")
HAMMER_MILESTONE = "拍卖成交价款 / Auction hammer price"


@dataclass
class Closed:
    lot_id: int
    state: str
    deal_id: int | None = None
    changed: bool = True
    error: str = ""


@unit_of_work
def close_lot(
    session: Session,
    lot_id: int,
    *,
    now: datetime | None = None,
    funding_days: int = DEFAULT_FUNDING_DAYS,
) -> Closed:
    now = now or utcnow()
    lot = lock_lot(session, lot_id)
    if lot.state in CLOSED_STATES:
        return Closed(lot.id, lot.state, lot.deal_id, changed=False)
    if lot.state != "admitted" or now < lot.ends_at:
        raise Conflict(N_("The lot is still open for bidding."), code="lot_open")
    regs = list(
        session.scalars(
            select(AuctionRegistration)
            .where(AuctionRegistration.lot_id == lot.id)
            .order_by(AuctionRegistration.id)
        )
    )
    winner = next((r for r in regs if r.id == lot.leader_id), None)
    sold = winner is not None and meets_reserve(lot, lot.current_price)
    runner_up = None
    if sold:
        runner_up = find_runner_up(session, lot, regs)
        deal = open_deal(session, lot, winner, lot.current_price)
        deposits.apply_to_deal(session, lot, winner, deal, now)
        lot.deal_id = deal.id
        lot.buyer_id, lot.sale_price = winner.id, lot.current_price
        lot.runner_up_id = runner_up.id if runner_up else None
        lot.funding_due_at = now + timedelta(days=funding_days)
        LOT.apply(lot, "sell", SYSTEM)
    else:
        LOT.apply(lot, "pass", SYSTEM)
    for reg in regs:
        if not sold or reg not in (winner, runner_up):
            deposits.refund(session, lot, reg, now)
    lot.closed_at = now
    audit.record(
        session,
        None,
        f"auction.lot_{lot.state}",
        "auction_lot",
        lot.id,
        before={"state": "admitted"},
        after={
            "state": lot.state,
            "hammer_price": lot.current_price if sold else None,
            "deal_id": lot.deal_id,
            "runner_up_id": lot.runner_up_id,
        },
    )
    session.flush()
    return Closed(lot.id, lot.state, lot.deal_id)


def meets_reserve(lot: AuctionLot, price: int | None) -> bool:
    return price is not None and (lot.reserve_price is None or price >= lot.reserve_price)


def highest_bids(session: Session, lot_id: int) -> dict[int, int]:
    """Each registration's highest accepted bid on the lot."""
    return {
        reg_id: int(amount)
        for reg_id, amount in session.execute(
            select(AuctionBid.registration_id, func.max(AuctionBid.amount))
            .where(AuctionBid.lot_id == lot_id)
            .group_by(AuctionBid.registration_id)
        )
    }


def find_runner_up(
    session: Session, lot: AuctionLot, regs: list[AuctionRegistration]
) -> AuctionRegistration | None:
    """The next highest valid bidder after the winner: the highest bid of another
    registration whose deposit is held, at or above the reserve."""
    best = highest_bids(session, lot.id)
    candidates = [
        r
        for r in regs
        if r.id != lot.leader_id
        and r.deposit_state == "held"
        and r.id in best
        and meets_reserve(lot, best[r.id])
    ]
    return max(candidates, key=lambda r: best[r.id], default=None)


def open_deal(session: Session, lot: AuctionLot, buyer_reg: AuctionRegistration, price: int):
    """The deal between the buyer (the winner, or the runner-up) and the lot's owner, with
    the owner's terms at ``price``, proposed and confirmed by the member who applied for
    the auction: the buyer confirms and funds."""
    buyer = session.get(User, buyer_reg.user_id) if buyer_reg.user_id else None
    seller = session.get(User, lot.applicant_id) if lot.applicant_id else None
    if buyer is None or seller is None:
        raise Conflict(
            N_("The winner or the seller has no member left to sign the deal."), code="lot_parties"
        )
    deal = deal_workflow.open_deal(
        session,
        buyer,
        listing_id=lot.listing_id,
        message=f"竞价成交 Auction lot {lot.id}: price {price} {lot.currency}",
    )
    terms = deal_terms.propose_terms(
        session,
        seller,
        deal.id,
        {
            "price": price,
            "currency": lot.currency,
            "transfer_mode": lot.transfer_mode,
            "milestones": [{"title": HAMMER_MILESTONE, "amount": price, "due_date": None}],
            "note": f"Auction lot {lot.id}; the deposit held is applied to the funding.",
        },
    )
    session.expire(deal, ["terms_versions"])  # loaded (empty) when the deal was opened
    deal_terms.confirm_terms(session, seller, deal.id, terms.terms_hash)
    return deal


def due_lots(session: Session, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(AuctionLot.id)
            .where(AuctionLot.state == "admitted", AuctionLot.ends_at <= now)
            .order_by(AuctionLot.ends_at, AuctionLot.id)
        )
    )


def close_due(
    session: Session, *, now: datetime | None = None, funding_days: int = DEFAULT_FUNDING_DAYS
) -> list[Closed]:
    """Close every lot whose end has passed, each in its own unit of work. A lot that
    cannot close (its listing withdrawn since, the winner's member gone: a refusal) stays
    open for an operator and is reported; the other lots still close."""
    now = now or utcnow()
    done = []
    for lot_id in due_lots(session, now):
        try:
            done.append(close_lot(session, lot_id, now=now, funding_days=funding_days))
        except DomainError as refused:
            done.append(Closed(lot_id, "failed", changed=False, error=str(refused.message)))
    return done
