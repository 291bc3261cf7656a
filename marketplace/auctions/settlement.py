"""After the close: the sold lot's buyer funds the deal in time, or the sale falls through
(``flask auction close`` runs ``settle_due`` after closing; idempotent).

* The deal is funded: the runner-up's deposit, held until now, is refunded.
* The buyer does not fund by ``funding_due_at`` (AUCTION_FUNDING_DAYS after the close):
  the platform cancels the deal. The winner forfeits the deposit (split by the lot's
  ``forfeit_seller_bp`` between the seller's payable, with a payout instruction, and the
  platform's revenue) — unless the seller holds the deal up (it proposed other terms that
  it has not confirmed), then the deposit is refunded.
* A party cancels the deal before funding (``deal_cancelled_unfunded``, in the same
  transaction): the winner cancelling forfeits; the seller or an operator cancelling
  refunds the deposit.
* A forfeit offers the lot to the runner-up (the next highest valid bidder, whose deposit
  is still held) at its own highest bid: a new deal, its deposit applied, a new deadline.
  The runner-up had not won at the hammer, so its offer is a second chance, not an
  obligation: if it does not fund, its deposit is refunded, not forfeited. Otherwise the
  lot ends defaulted and a held runner-up deposit is refunded.

Each deposit is applied, refunded or forfeited exactly once (deposit lifecycle and the
postings' idempotency keys; ``audit_money`` checks it). Locks: the deal first, then the
lot — the order a party's cancellation takes (deals lock their row, then the signal
reaches here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

import payments
from marketplace.auctions import closing, deposits
from marketplace.auctions.lots import lock_lot
from marketplace.auctions.rules import DEFAULT_FUNDING_DAYS, LOT, SYSTEM
from marketplace.core import audit, signals
from marketplace.core.errors import DomainError
from marketplace.core.locking import lock_rows
from marketplace.core.uow import unit_of_work
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import machine as deal_machine
from marketplace.models import AuctionLot, AuctionRegistration, Deal, DealEvent, Funding
from marketplace.models.types import utcnow

BEFORE_FUNDING = ("inquiry", "negotiating", "agreed")


@dataclass
class Settled:
    lot_id: int
    outcome: str  # funded, forfeited, refunded, reassigned, defaulted, waiting
    deal_id: int | None = None
    changed: bool = True
    error: str = ""


def was_funded(session: Session, deal_id: int) -> bool:
    return (
        session.scalar(
            select(Funding.id).where(Funding.deal_id == deal_id, Funding.status == "confirmed")
        )
        is not None
    )


def _seller_holds_up(deal: Deal) -> bool:
    """The seller replaced the pre-filled terms and has not confirmed its own version."""
    terms = deal.current_terms
    return (
        deal.state == "negotiating"
        and terms is not None
        and deal_machine.SUPPLIER not in {c.role for c in terms.confirmations}
    )


def _settle_buyer(
    session: Session,
    lot: AuctionLot,
    deal: Deal,
    buyer_at_fault: bool,
    now: datetime,
    gateway: payments.Gateway,
) -> str:
    """The buyer's applied deposit, once: forfeited (the winner's fault) or refunded."""
    reg = session.get(AuctionRegistration, lot.buyer_id, populate_existing=True)
    if reg is None or reg.deposit_state != "applied" or reg.deal_id != deal.id:
        return "settled"
    if buyer_at_fault and lot.offer_round == 0:
        deposits.forfeit(session, lot, reg, deal, now, gateway)
        return "forfeited"
    deposits.refund_applied(session, reg, deal, now)
    return "refunded"


@unit_of_work
def settle_lot(
    session: Session,
    lot_id: int,
    *,
    now: datetime | None = None,
    gateway: payments.Gateway | None = None,
    funding_days: int = DEFAULT_FUNDING_DAYS,
) -> Settled:
    now = now or utcnow()
    gateway = gateway or payments.default_gateway()
    deal_id = session.scalar(select(AuctionLot.deal_id).where(AuctionLot.id == lot_id))
    if deal_id is not None:
        lock_rows(session, Deal, [deal_id])
    lot = lock_lot(session, lot_id)
    if lot.state != "sold" or lot.funding_due_at is None or lot.deal_id != deal_id:
        return Settled(lot.id, lot.state, lot.deal_id, changed=False)
    deal = session.get(Deal, deal_id, populate_existing=True)
    runner = session.get(AuctionRegistration, lot.runner_up_id) if lot.runner_up_id else None
    if was_funded(session, deal.id):
        if runner is not None and runner.deposit_state == "held":
            deposits.refund(session, lot, runner, now)
        lot.funding_due_at = None  # nothing left to settle
        _record(session, lot, "funded", deal.id)
        return Settled(lot.id, "funded", deal.id)
    if deal.state in BEFORE_FUNDING:
        if now < lot.funding_due_at:
            return Settled(lot.id, "waiting", deal.id, changed=False)
        at_fault = not _seller_holds_up(deal)
        detail = {"reason": "auction_funding_overdue", "lot_id": lot.id}
        deal_delivery.cancel_unfunded(session, deal, detail)
        outcome = _settle_buyer(session, lot, deal, at_fault, now, gateway)
    else:  # cancelled before funding by a party: the signal settled the deposit
        outcome = _settle_buyer(
            session, lot, deal, _cancelled_by_buyer(session, deal), now, gateway
        )
    buyer = session.get(AuctionRegistration, lot.buyer_id)
    if buyer is not None and buyer.deposit_state == "forfeited" and _offerable(runner):
        price = closing.highest_bids(session, lot.id)[runner.id]
        new_deal = closing.open_deal(session, lot, runner, price)
        deposits.apply_to_deal(session, lot, runner, new_deal, now)
        lot.deal_id, lot.buyer_id, lot.sale_price = new_deal.id, runner.id, price
        lot.runner_up_id, lot.offer_round = None, lot.offer_round + 1
        lot.funding_due_at = now + timedelta(days=funding_days)
        LOT.apply(lot, "reassign", SYSTEM)
        _record(session, lot, "reassigned", deal.id)
        return Settled(lot.id, "reassigned", lot.deal_id)
    if runner is not None and runner.deposit_state == "held":
        deposits.refund(session, lot, runner, now)
    LOT.apply(lot, "default", SYSTEM)
    lot.funding_due_at = None
    _record(session, lot, "defaulted", deal.id, buyer_deposit=outcome)
    return Settled(lot.id, "defaulted", deal.id)


def _offerable(runner: AuctionRegistration | None) -> bool:
    return runner is not None and runner.deposit_state == "held" and runner.user_id is not None


def _cancelled_by_buyer(session: Session, deal: Deal) -> bool:
    role = session.scalar(
        select(DealEvent.role)
        .where(DealEvent.deal_id == deal.id, DealEvent.action == "cancel")
        .order_by(DealEvent.id.desc())
        .limit(1)
    )
    return role == deal_machine.BUYER


def _record(session: Session, lot: AuctionLot, outcome: str, deal_id: int, **extra) -> None:
    audit.record(
        session,
        None,
        f"auction.lot_{outcome}",
        "auction_lot",
        lot.id,
        after={"state": lot.state, "deal_id": lot.deal_id, "previous_deal_id": deal_id} | extra,
    )
    session.flush()


def due_lots(session: Session, now: datetime) -> list[int]:
    """Sold lots not settled yet (``funding_due_at`` is cleared once they are) whose deal
    was funded or cancelled, or whose deadline passed."""
    return list(
        session.scalars(
            select(AuctionLot.id)
            .join(Deal, Deal.id == AuctionLot.deal_id)
            .where(
                AuctionLot.state == "sold",
                AuctionLot.funding_due_at.is_not(None),
                Deal.state.not_in(BEFORE_FUNDING) | (AuctionLot.funding_due_at <= now),
            )
            .order_by(AuctionLot.id)
        )
    )


def settle_due(
    session: Session,
    *,
    now: datetime | None = None,
    gateway: payments.Gateway | None = None,
    funding_days: int = DEFAULT_FUNDING_DAYS,
) -> list[Settled]:
    """Settle every sold lot with something due, each in its own unit of work; a lot that
    cannot (the runner-up's deal cannot be opened: a refusal) is reported and retried."""
    now = now or utcnow()
    done = []
    for lot_id in due_lots(session, now):
        try:
            result = settle_lot(
                session, lot_id, now=now, gateway=gateway, funding_days=funding_days
            )
        except DomainError as refused:
            result = Settled(lot_id, "failed", changed=False, error=str(refused.message))
        if result.changed or result.error:
            done.append(result)
    return done


def on_deal_cancelled_unfunded(
    session: Session, *, deal: Deal, role: str, gateway: payments.Gateway, **_
) -> None:
    """A party cancelled an auction's deal before funding (the deal is locked): the
    deposit applied to it is forfeited (the buyer cancelled) or refunded, in the same
    transaction. Offering the lot to the runner-up is left to the worker (settle_due), so
    that nothing about the runner-up can refuse the party's cancellation."""
    lot_id = session.scalar(
        select(AuctionLot.id).where(AuctionLot.deal_id == deal.id, AuctionLot.state == "sold")
    )
    if lot_id is None:
        return
    lot = lock_lot(session, lot_id)
    _settle_buyer(session, lot, deal, role == deal_machine.BUYER, utcnow(), gateway)


signals.deal_cancelled_unfunded.connect(on_deal_cancelled_unfunded)
