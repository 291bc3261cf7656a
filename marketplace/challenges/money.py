"""The bounty on the ledger (core/ledger.py), the way deals/escrow.py keeps a deal's money:

    challenge:{id}:funding   buyer_funding   credited with what the poster paid in
    challenge:{id}:escrow    escrow          the bounty, held until awarded or refunded
    challenge:{id}:refunds   refunds         owed back to the poster until paid out

"资金已托管" (funds held) is shown only when ``held`` reads the bounty on the escrow
account; the challenge's state is never taken for the money.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core import ledger
from marketplace.deals import escrow as deal_money
from marketplace.models import Challenge, LedgerAccount, Organization, User


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
    """What the ledger holds in the challenge's escrow now (read only: a challenge never
    funded has no account, and reading does not create one)."""
    account = session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.code == f"challenge:{challenge.id}:escrow",
            LedgerAccount.currency == challenge.currency,
        )
    )
    return ledger.balance(session, account) if account is not None else 0


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
        poster = session.get(Organization, challenge.organization_id)
        deal_money.refund_payout(
            session,
            subject=f"challenge:{challenge.id}",
            remark_id=f"C{challenge.id}",
            organization=poster,
            account=refunds_account(session, challenge),
            amount=amount,
            key=f"challenge:{challenge.id}:refund:{why}",
        )
    return amount


# Part of ``flask ledger check``: a challenge's state says where its bounty is. -------------

HOLDING = ("open", "evaluating")  # lifecycle.FUNDED_STATES: the escrow holds the bounty
DECIDED = ("awarded", "not_awarded", "withdrawn")  # the escrow is empty


def bounty_violations(session: Session) -> list[ledger.Violation]:
    """An open or evaluated challenge's escrow holds exactly its bounty, a decided one's
    nothing, and one never funded has no escrow movement at all."""
    violations = []
    for challenge in session.scalars(select(Challenge).order_by(Challenge.id)):
        amount = held(session, challenge)
        if challenge.state in HOLDING and amount != challenge.bounty:
            expected = challenge.bounty
        elif challenge.state in DECIDED and amount != 0:
            expected = 0
        elif challenge.state not in HOLDING + DECIDED and amount != 0:
            expected = 0
        else:
            continue
        violations.append(
            ledger.Violation(
                "challenge_bounty",
                f"challenge {challenge.id} is {challenge.state}: its escrow holds {amount},"
                f" expected {expected}",
            )
        )
    return violations
