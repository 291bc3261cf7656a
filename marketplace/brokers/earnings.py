"""A broker's earnings statement, and the CSV/XLSX writers of the broker exports.

Earnings are the broker's commission account in the ledger (``broker:{id}:commission``),
credited by deal_money.release at each milestone release.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.errors import Invalid, NotFound, Unauthorized
from marketplace.core.localtime import SECOND, aware, day_bounds, fmt
from marketplace.core.messages import N_
from marketplace.models import (
    Deal,
    JournalTransaction,
    LedgerAccount,
    LedgerEntry,
    PayoutInstruction,
    User,
)

# What makes a spreadsheet read a text cell as a formula (OWASP's list: = + - @, tab, CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading ``'``; all else (an empty
    cell included: ``""[:1] in "=+-@"`` is true) is written as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: tuple[str, ...], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_cell(v) for v in row])
    return buffer.getvalue()


def to_xlsx(header: tuple[str, ...], rows: list[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append([spreadsheet_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def earnings(
    session: Session,
    actor: User | None,
    broker_id: int,
    *,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """The broker's commission account over a period: opening balance, every posting
    (deal, milestone release, amount), closing balance — per currency."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    if actor.id != broker_id and not actor.is_operator:
        raise NotFound(N_("No earnings statement for %(broker)s."), broker=broker_id)
    if start and end and end < start:
        raise Invalid({"end": N_("The end date comes after the start date.")})
    lo, hi = day_bounds(start, end)
    rows = session.execute(
        select(
            JournalTransaction.created_at,
            JournalTransaction.deal_id,
            JournalTransaction.description,
            JournalTransaction.kind,
            LedgerEntry.amount,
            LedgerEntry.currency,
            Deal.title,
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == JournalTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .outerjoin(Deal, Deal.id == JournalTransaction.deal_id)
        .where(LedgerAccount.code == f"broker:{broker_id}:commission")
        .order_by(JournalTransaction.created_at, JournalTransaction.id)
    )
    currencies: dict[str, dict[str, Any]] = {}
    for at, deal_id, description, kind, amount, currency, title in rows:
        at = aware(at)
        book = currencies.setdefault(
            currency, {"currency": currency, "opening": 0, "earned": 0, "paid": 0, "lines": []}
        )
        amount = int(amount)
        if lo is not None and at < lo:
            book["opening"] += amount
            continue
        if hi is not None and at >= hi:
            continue
        book["earned" if amount > 0 else "paid"] += abs(amount)
        book["lines"].append(
            {
                "at": at,
                "deal_id": deal_id,
                "deal_title": title or "",
                "description": description,
                "kind": kind,
                "amount": amount,
            }
        )
    for book in currencies.values():
        book["closing"] = book["opening"] + book["earned"] - book["paid"]
    return {
        "broker_id": broker_id,
        "start": start,
        "end": end,
        "currencies": [currencies[c] for c in sorted(currencies)],
        "payouts": commission_payouts(session, broker_id),
    }


def commission_payouts(session: Session, broker_id: int) -> list[dict[str, Any]]:
    """Every payout of the broker's commission (to the broker's organization), newest
    first: pending until an operator (or Stripe) paid it, then paid with its reference."""
    rows = session.scalars(
        select(PayoutInstruction)
        .where(
            PayoutInstruction.kind == "commission",
            PayoutInstruction.account_code == f"broker:{broker_id}:commission",
        )
        .order_by(PayoutInstruction.id.desc())
    )
    return [
        {
            "id": p.id,
            "deal_id": p.deal_id,
            "amount": p.amount,
            "currency": p.currency,
            "status": "paid" if p.status == "executed" else "pending",
            "reference": p.reference,
            "beneficiary": p.beneficiary.name,
            "created_at": aware(p.created_at),
            "paid_at": aware(p.executed_at) if p.executed_at else None,
        }
        for p in rows
    ]


EARNINGS_COLUMNS = ("date", "currency", "deal_id", "deal", "description", "amount_minor")


def earnings_rows(statement: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            fmt(line["at"], SECOND),
            book["currency"],
            line["deal_id"],
            line["deal_title"],
            line["description"],
            line["amount"],
        ]
        for book in statement["currencies"]
        for line in book["lines"]
    ]
