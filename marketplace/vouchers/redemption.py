"""兑付: what the bureau owes suppliers for vouchers, per supplier and period.

A voucher's part of each release (vouchers/spending.py: pro rata, cumulatively rounded
down) is one VoucherRedemption row; the bureau pays suppliers what was released in a
period — an Asia/Shanghai month (``2026-12``) or quarter (``2026Q4``) — per programme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.errors import Invalid
from marketplace.core.localtime import day_start, local_date
from marketplace.core.messages import N_
from marketplace.models import User, VoucherRedemption, VoucherSpend
from marketplace.vouchers.programmes import require_operator

PERIOD = re.compile(r"^(19\d\d|2\d\d\d)(?:-(0[1-9]|1[0-2])|Q([1-4]))$")


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date  # exclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return day_start(self.start), day_start(self.end)


def parse_period(key: str) -> Period:
    """``2026-12`` (a month) or ``2026Q4`` (a quarter), local days."""
    match = PERIOD.match((key or "").strip())
    if not match:
        raise Invalid({"period": N_("A month (2026-12) or a quarter (2026Q4).")})
    year = int(match.group(1))
    if match.group(2):
        first = int(match.group(2))
        months = 1
    else:
        first = (int(match.group(3)) - 1) * 3 + 1
        months = 3
    start = date(year, first, 1)
    nxt = first + months
    end = date(year + (nxt - 1) // 12, (nxt - 1) % 12 + 1, 1)
    return Period(match.group(0), start, end)


def current_month(now: datetime) -> str:
    return local_date(now).strftime("%Y-%m")


def rows(
    session: Session, actor: User | None, period: str, programme_id: int | None = None
) -> list[dict[str, Any]]:
    """Every voucher part released in the period: the lines a bureau files."""
    require_operator(actor)
    lo, hi = parse_period(period).bounds
    stmt = (
        select(VoucherRedemption, VoucherSpend)
        .join(VoucherSpend, VoucherSpend.id == VoucherRedemption.spend_id)
        .where(VoucherRedemption.released_at >= lo, VoucherRedemption.released_at < hi)
        .order_by(
            VoucherRedemption.programme_id, VoucherRedemption.supplier_org_id, VoucherRedemption.id
        )
    )
    if programme_id is not None:
        stmt = stmt.where(VoucherRedemption.programme_id == programme_id)
    return [
        {
            "programme_id": r.programme_id,
            "programme": r.programme.name,
            "issuing_body": r.programme.issuing_body,
            "supplier_org_id": r.supplier_org_id,
            "supplier": r.supplier.name,
            "credit_code": r.supplier.credit_code or "",
            "deal_id": r.deal_id,
            "contract_amount": spend.price,
            "voucher_amount": r.amount,
            "released_gross": r.released_gross,
            "currency": r.currency,
            "released_on": local_date(r.released_at),
        }
        for r, spend in session.execute(stmt)
    ]


def per_supplier(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines summed per (programme, supplier): what the bureau pays each."""
    totals: dict[tuple[int, int], dict[str, Any]] = {}
    for line in lines:
        key = (line["programme_id"], line["supplier_org_id"])
        row = totals.setdefault(
            key,
            {
                k: line[k]
                for k in (
                    "programme_id",
                    "programme",
                    "supplier_org_id",
                    "supplier",
                    "credit_code",
                    "currency",
                )
            }
            | {"voucher_amount": 0, "deals": set()},
        )
        row["voucher_amount"] += line["voucher_amount"]
        row["deals"].add(line["deal_id"])
    return [row | {"deals": len(row["deals"])} for _, row in sorted(totals.items())]
