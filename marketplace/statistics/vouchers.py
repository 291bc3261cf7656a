"""The innovation voucher figure of the market statistics (科技创新券), per programme:

* **granted**: vouchers granted in the period (applications decided as granted in it);
* **spent**: vouchers paid into deals' escrow in the period, and on how many deals;
* **redeemed**: the voucher part of releases to suppliers in the period (兑付, the
  pro-rata rule of vouchers/spending.py).

CNY programmes; a period is of Asia/Shanghai days (periods.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.core.messages import N_
from marketplace.models import (
    VoucherApplication,
    VoucherProgramme,
    VoucherRedemption,
    VoucherSpend,
)
from marketplace.statistics.figures import Column, Figure, Rows, register
from marketplace.statistics.market import _within
from marketplace.statistics.periods import Period


def vouchers(session: Session, period: Period, now: datetime) -> Rows:
    table: dict[int, list[Any]] = defaultdict(lambda: [0, 0, 0, 0])
    cny = VoucherProgramme.currency == "CNY"
    granted = (
        select(VoucherApplication.programme_id, func.sum(VoucherApplication.granted_amount))
        .join(VoucherProgramme, VoucherProgramme.id == VoucherApplication.programme_id)
        .where(
            cny,
            VoucherApplication.state == "granted",
            *_within(VoucherApplication.decided_at, period),
        )
        .group_by(VoucherApplication.programme_id)
    )
    for pid, total in session.execute(granted):
        table[pid][0] = int(total or 0)
    spent = (
        select(VoucherSpend.programme_id, func.sum(VoucherSpend.amount), func.count())
        .join(VoucherProgramme, VoucherProgramme.id == VoucherSpend.programme_id)
        .where(cny, *_within(VoucherSpend.created_at, period))
        .group_by(VoucherSpend.programme_id)
    )
    for pid, total, deals in session.execute(spent):
        table[pid][1:3] = [int(total or 0), int(deals)]
    redeemed = (
        select(VoucherRedemption.programme_id, func.sum(VoucherRedemption.amount))
        .join(VoucherProgramme, VoucherProgramme.id == VoucherRedemption.programme_id)
        .where(cny, *_within(VoucherRedemption.released_at, period))
        .group_by(VoucherRedemption.programme_id)
    )
    for pid, total in session.execute(redeemed):
        table[pid][3] = int(total or 0)
    names = dict(
        session.execute(
            select(VoucherProgramme.id, VoucherProgramme.name).where(
                VoucherProgramme.id.in_(list(table))
            )
        ).all()
    )
    return [[names[pid]] + table[pid] for pid in sorted(table)]


register(
    Figure(
        "vouchers",
        N_("Innovation vouchers"),
        (
            Column("programme", "programme", N_("Programme")),
            Column("granted", "money", N_("Vouchers granted")),
            Column("spent", "money", N_("Spent on deals")),
            Column("deals", "count", N_("Deals paid in part by voucher")),
            Column("redeemed", "money", N_("Released to suppliers (redemption)")),
        ),
        vouchers,
        note=N_(
            "Vouchers granted, paid into deals and released to suppliers in the period, "
            "per programme."
        ),
    )
)
