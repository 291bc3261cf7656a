"""The vouchers' money on the ledger, and its part of ``flask ledger check``.

Accounts:
    voucher:programme:{id}:bureau   external         the issuing bureau's money (it funds)
    voucher:programme:{id}:budget   voucher_budget   funded, not yet granted
    voucher:wallet:{org}:{id}       voucher_wallet   granted to an enterprise, unspent
and a spent voucher sits in the deal's escrow (``deal:{id}:escrow``) like the buyer's own
money until it is released to the supplier or returned (vouchers/spending.py).

Both holding kinds are non-negative (core/ledger.py NON_NEGATIVE): ``post`` locks them and
refuses a movement that would overdraw them. The check adds, per programme:
budget + wallets + what deals still hold or released (spent, less returned) == funded.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.core import ledger
from marketplace.core.ledger import Violation
from marketplace.models import LedgerAccount, LedgerEntry, VoucherProgramme, VoucherSpend

BUDGET = "voucher_budget"
WALLET = "voucher_wallet"


def bureau_account(session: Session, programme: VoucherProgramme) -> LedgerAccount:
    return ledger.get_account(
        session, f"voucher:programme:{programme.id}:bureau", "external", programme.currency
    )


def budget_account(session: Session, programme: VoucherProgramme) -> LedgerAccount:
    return ledger.get_account(
        session, f"voucher:programme:{programme.id}:budget", BUDGET, programme.currency
    )


def wallet_account(session: Session, org_id: int, programme: VoucherProgramme) -> LedgerAccount:
    return ledger.get_account(
        session,
        f"voucher:wallet:{org_id}:{programme.id}",
        WALLET,
        programme.currency,
        owner_id=org_id,
    )


def peek(session: Session, code: str, currency: str) -> int:
    """The balance of an account that may not exist yet (0), without creating it."""
    account = session.scalar(
        select(LedgerAccount).where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    )
    return ledger.balance(session, account) if account is not None else 0


def funded(session: Session, programme: VoucherProgramme) -> int:
    code = f"voucher:programme:{programme.id}:bureau"
    return -peek(session, code, programme.currency)


def budget_balance(session: Session, programme: VoucherProgramme) -> int:
    return peek(session, f"voucher:programme:{programme.id}:budget", programme.currency)


def wallet_balance(session: Session, org_id: int, programme: VoucherProgramme) -> int:
    return peek(session, f"voucher:wallet:{org_id}:{programme.id}", programme.currency)


def _balances(session: Session, pattern: str) -> dict[str, int]:
    return {
        code: int(total)
        for code, total in session.execute(
            select(LedgerAccount.code, func.coalesce(func.sum(LedgerEntry.amount), 0))
            .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
            .where(LedgerAccount.code.like(pattern))
            .group_by(LedgerAccount.code)
        )
    }


def voucher_violations(session: Session) -> list[Violation]:
    """Per programme: budget + wallets + spent − returned == funded by the bureau; every
    spend's released + returned within its amount (a CHECK too)."""
    funded: dict[int, int] = defaultdict(int)
    held: dict[int, int] = defaultdict(int)
    for code, total in _balances(session, "voucher:programme:%").items():
        _, _, pid, kind = code.split(":")
        if kind == "bureau":
            funded[int(pid)] -= total
        elif kind == "budget":
            held[int(pid)] += total
    for code, total in _balances(session, "voucher:wallet:%").items():
        held[int(code.split(":")[3])] += total
    for pid, amount, returned in session.execute(
        select(
            VoucherSpend.programme_id,
            func.sum(VoucherSpend.amount),
            func.sum(VoucherSpend.returned),
        ).group_by(VoucherSpend.programme_id)
    ):
        held[pid] += int(amount) - int(returned)
    violations = []
    for pid in sorted(set(funded) | set(held) | set(session.scalars(select(VoucherProgramme.id)))):
        if held[pid] != funded[pid]:
            violations.append(
                Violation(
                    "vouchers",
                    f"programme {pid}: budget, wallets and spent vouchers add up to "
                    f"{held[pid]}, the bureau funded {funded[pid]}",
                )
            )
    return violations
