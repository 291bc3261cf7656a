"""Posting to the double-entry ledger, balances, and the invariant check.

Every money event is one ``post``: a journal transaction whose entries sum to zero per
currency, keyed by an idempotency key so that a retried request or a repeated webhook
posts once. Accounts that hold money for someone (escrow, payables, refunds) may never go
negative: ``post`` locks them (SELECT … FOR UPDATE on PostgreSQL) and checks the balance
they would have before writing anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.core.errors import Conflict, Invalid
from marketplace.core.locking import begin_write, lock_rows
from marketplace.core.messages import N_, Message
from marketplace.models.ledger import JournalTransaction, LedgerAccount, LedgerEntry

# Accounts that hold money owed to someone: their balance is never below zero.
NON_NEGATIVE = (
    "escrow",
    "supplier_payable",
    "platform_revenue",
    "broker_commission",
    "refunds",
    "voucher_budget",
    "voucher_wallet",
)


def get_account(
    session: Session,
    code: str,
    kind: str,
    currency: str,
    *,
    deal_id: int | None = None,
    owner_id: int | None = None,
) -> LedgerAccount:
    """The account with this code and currency, created on first use."""
    found = session.scalar(
        select(LedgerAccount).where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    )
    if found:
        return found
    account = LedgerAccount(
        code=code, kind=kind, currency=currency, deal_id=deal_id, owner_id=owner_id
    )
    begin_write(session)
    try:
        with session.begin_nested():
            session.add(account)
    except IntegrityError:
        # Created concurrently by another transaction: use theirs.
        return session.scalars(
            select(LedgerAccount).where(
                LedgerAccount.code == code, LedgerAccount.currency == currency
            )
        ).one()
    return account


def balance(session: Session, account: LedgerAccount) -> int:
    session.flush()
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.account_id == account.id
        )
    )
    return int(total)  # PostgreSQL sums BIGINT as NUMERIC


def find(session: Session, idempotency_key: str) -> JournalTransaction | None:
    return session.scalar(
        select(JournalTransaction).where(JournalTransaction.idempotency_key == idempotency_key)
    )


def post(
    session: Session,
    *,
    kind: str,
    idempotency_key: str,
    movements: Sequence[tuple[LedgerAccount, int]],
    deal_id: int | None = None,
    actor_id: int | None = None,
    description: str = "",
) -> tuple[JournalTransaction, bool]:
    """Post one balanced transaction; returns (transaction, created).

    A second call with the same idempotency key returns the first transaction and posts
    nothing. Raises Invalid for an unbalanced or empty posting, Conflict when an account
    that holds money would go negative."""
    existing = find(session, idempotency_key)
    if existing is not None:
        return existing, False
    moves = [(acc, int(amount)) for acc, amount in movements if int(amount) != 0]
    if not moves:
        raise Invalid({"amount": N_("Nothing to post.")})
    totals: dict[str, int] = defaultdict(int)
    for account, amount in moves:
        totals[account.currency] += amount
    unbalanced = {c: t for c, t in totals.items() if t != 0}
    if unbalanced:
        raise Invalid(
            {"amount": Message(N_("Entries do not balance: %(totals)s"), totals=unbalanced)}
        )

    session.flush()
    guarded = sorted({acc.id for acc, _ in moves if acc.kind in NON_NEGATIVE})
    if guarded:
        # Lock in id order (no deadlocks between two postings on the same accounts).
        lock_rows(session, LedgerAccount, guarded)
        delta: dict[int, int] = defaultdict(int)
        for account, amount in moves:
            delta[account.id] += amount
        current = {
            account_id: int(total)
            for account_id, total in session.execute(
                select(LedgerEntry.account_id, func.sum(LedgerEntry.amount))
                .where(LedgerEntry.account_id.in_(guarded))
                .group_by(LedgerEntry.account_id)
            )
        }
        for account_id in guarded:
            if current.get(account_id, 0) + delta[account_id] < 0:
                code = next(a.code for a, _ in moves if a.id == account_id)
                raise Conflict(
                    N_("Not enough money in %(account)s for this movement."), account=code
                )
        # Someone may have posted the same event while we waited for the lock.
        existing = find(session, idempotency_key)
        if existing is not None:
            return existing, False

    begin_write(session)
    txn = JournalTransaction(
        kind=kind,
        idempotency_key=idempotency_key,
        deal_id=deal_id,
        actor_id=actor_id,
        description=description,
    )
    session.add(txn)
    try:
        with session.begin_nested():
            session.flush()
            session.add_all(
                LedgerEntry(
                    transaction_id=txn.id, account_id=acc.id, amount=amount, currency=acc.currency
                )
                for acc, amount in moves
            )
            session.flush()
    except IntegrityError:
        # The same idempotency key committed concurrently: the event happened once.
        session.expunge(txn)
        existing = find(session, idempotency_key)
        if existing is None:
            raise
        return existing, False
    return txn, True


@dataclass
class Violation:
    rule: str
    detail: str


def check(session: Session) -> list[Violation]:
    """Every ledger invariant over the whole database."""
    violations: list[Violation] = []
    for txn_id, currency, total in session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(func.sum(LedgerEntry.amount) != 0)
    ):
        violations.append(Violation("balanced", f"transaction {txn_id} sums to {total} {currency}"))
    for txn_id in session.scalars(
        select(JournalTransaction.id).where(~JournalTransaction.entries.any())
    ):
        violations.append(Violation("entries", f"transaction {txn_id} has no entries"))
    for entry_id, entry_currency, account_currency in session.execute(
        select(LedgerEntry.id, LedgerEntry.currency, LedgerAccount.currency)
        .join(LedgerAccount, LedgerEntry.account_id == LedgerAccount.id)
        .where(LedgerEntry.currency != LedgerAccount.currency)
    ):
        violations.append(
            Violation(
                "currency", f"entry {entry_id} in {entry_currency} on a {account_currency} account"
            )
        )
    for code, kind, total in session.execute(
        select(LedgerAccount.code, LedgerAccount.kind, func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(LedgerAccount.kind.in_(NON_NEGATIVE))
        .group_by(LedgerAccount.id, LedgerAccount.code, LedgerAccount.kind)
        .having(func.sum(LedgerEntry.amount) < 0)
    ):
        violations.append(Violation("non_negative", f"{kind} account {code} is at {total}"))
    return violations
