"""The bounty on the ledger (core/ledger.py), the way deals/escrow.py keeps a deal's money:

    challenge:{id}:funding   buyer_funding   credited with what the poster paid in
    challenge:{id}:escrow    escrow          the bounty, held until awarded or refunded
    challenge:{id}:refunds   refunds         owed back to the poster until paid out

"资金已托管" (funds held) is shown only when ``held`` reads the bounty on the escrow
account; the challenge's state is never taken for the money.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.core import ledger
from marketplace.models import Challenge, LedgerAccount, User


def funding_account(session: Session, challenge: Challenge) -> LedgerAccount:
    return ledger.get_account(
        session, f"challenge:{challenge.id}:funding", "buyer_funding", challenge.currency
    )


def escrow_account(session: Session, challenge: Challenge) -> LedgerAccount:
    return ledger.get_account(
        session, f"challenge:{challenge.id}:escrow", "escrow", challenge.currency
    )


def refunds_account(session: Session, challenge: Challenge) -> LedgerAccount:
    return ledger.get_account(
        session,
        f"challenge:{challenge.id}:refunds",
        "refunds",
        challenge.currency,
        owner_id=challenge.organization_id,
    )


def funding_reference(challenge: Challenge) -> str:
    """The remark the poster writes on the bounty's bank transfer: stable per challenge."""
    return f"CH{challenge.id:06d}"


def held(session: Session, challenge: Challenge) -> int:
    """What the ledger holds in the challenge's escrow now."""
    return ledger.balance(session, escrow_account(session, challenge))


def fund(session: Session, challenge: Challenge, reference: str, actor: User | None) -> None:
    """The poster's payment arrived: funding → escrow, once per challenge."""
    ledger.post(
        session,
        kind="fund",
        idempotency_key=f"challenge:{challenge.id}:fund",
        movements=[
            (funding_account(session, challenge), -challenge.bounty),
            (escrow_account(session, challenge), challenge.bounty),
        ],
        actor_id=actor.id if actor else None,
        description=f"Challenge bounty {reference}",
    )


def refund(session: Session, challenge: Challenge, actor: User | None, why: str) -> int:
    """Everything still held goes to the poster's refunds account; returns the amount."""
    amount = held(session, challenge)
    if amount > 0:
        ledger.post(
            session,
            kind="refund",
            idempotency_key=f"challenge:{challenge.id}:refund:{why}",
            movements=[
                (escrow_account(session, challenge), -amount),
                (refunds_account(session, challenge), amount),
            ],
            actor_id=actor.id if actor else None,
            description=f"Challenge bounty refunded ({why})",
        )
    return amount
