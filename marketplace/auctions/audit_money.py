"""Deposits against the ledger (part of ``flask ledger check``): every deposit's state
says where its money is, and the ledger must agree, exactly once.

* pending / lapsed: nothing posted for it;
* held: its deposit posting, nothing out yet;
* applied: its deposit posting and its application to a deal that is not cancelled (a
  deal cancelled before funding must have refunded or forfeited it);
* refunded: its deposit posting and one refund (after its application, if it was applied);
* forfeited: its deposit posting, its application and one forfeit;
* each lot's deposits account holds exactly the sum of its held deposits.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.core.ledger import Violation
from marketplace.models import (
    AuctionRegistration,
    Deal,
    Funding,
    JournalTransaction,
    LedgerAccount,
    LedgerEntry,
)


def expected_events(reg: AuctionRegistration) -> set[str]:
    """The postings (idempotency key suffixes) a deposit in its state must have, once."""
    state = reg.deposit_state
    if state in ("pending", "lapsed"):
        return set()
    events = {"deposit"}
    if state in ("applied", "forfeited") or (state == "refunded" and reg.deal_id):
        events.add("apply")
    if state in ("refunded", "forfeited"):
        events.add("refund" if state == "refunded" else "forfeit")
    return events


def deposit_violations(session: Session) -> list[Violation]:
    posted: dict[int, set[str]] = defaultdict(set)
    prefix = "auction:registration:"
    for key in session.scalars(
        select(JournalTransaction.idempotency_key).where(
            JournalTransaction.idempotency_key.like(prefix + "%")
        )
    ):
        reg_id, event = key[len(prefix) :].split(":", 1)
        posted[int(reg_id)].add(event)
    violations: list[Violation] = []
    held: dict[int, int] = defaultdict(int)
    for reg in session.scalars(select(AuctionRegistration).order_by(AuctionRegistration.id)):
        events = posted.get(reg.id, set())
        state = reg.deposit_state
        expected = expected_events(reg)
        if events != expected:
            violations.append(
                Violation(
                    "deposit",
                    f"registration {reg.id} is {state} but the ledger has "
                    f"{sorted(events) or 'nothing'}",
                )
            )
        if state == "held":
            held[reg.lot_id] += reg.deposit_amount
        if state == "applied" and stranded(session, reg):
            violations.append(
                Violation(
                    "deposit",
                    f"registration {reg.id} is applied to deal {reg.deal_id}, which was "
                    "cancelled: it is neither refunded nor forfeited",
                )
            )
    balances = {
        code: int(total)
        for code, total in session.execute(
            select(LedgerAccount.code, func.sum(LedgerEntry.amount))
            .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
            .where(LedgerAccount.code.like("auction:lot:%:deposits"))
            .group_by(LedgerAccount.code)
        )
    }
    for code, total in balances.items():
        lot_id = int(code.split(":")[2])
        if total != held.get(lot_id, 0):
            violations.append(
                Violation(
                    "deposit",
                    f"{code} holds {total}, its held deposits sum to {held.get(lot_id, 0)}",
                )
            )
    for lot_id, total in held.items():
        if f"auction:lot:{lot_id}:deposits" not in balances:
            violations.append(Violation("deposit", f"lot {lot_id} has {total} held, no account"))
    return violations


def stranded(session: Session, reg: AuctionRegistration) -> bool:
    """Applied to a deal cancelled before it was funded (a funded deal's cancellation
    refunds its whole escrow, the deposit with it)."""
    deal = session.get(Deal, reg.deal_id) if reg.deal_id else None
    if deal is None:
        return True
    funded = session.scalar(
        select(Funding.id).where(Funding.deal_id == deal.id, Funding.status == "confirmed")
    )
    return deal.state == "cancelled" and funded is None
