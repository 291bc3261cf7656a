"""Deposits against the ledger (part of ``flask ledger check``): every deposit's state
says where its money is, and the ledger must agree, exactly once.

* pending / lapsed: nothing posted for it;
* held: its deposit posting, nothing out yet;
* applied / refunded: its deposit posting and exactly that one way out;
* each lot's deposits account holds exactly the sum of its held deposits.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.core.ledger import Violation
from marketplace.models import AuctionRegistration, JournalTransaction, LedgerAccount, LedgerEntry

OUT = {"applied": "apply", "refunded": "refund"}
EVENTS = ("deposit", "apply", "refund")


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
        expected = (
            set()
            if state in ("pending", "lapsed")
            else {"deposit"}
            if state == "held"
            else {"deposit", OUT[state]}
        )
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
