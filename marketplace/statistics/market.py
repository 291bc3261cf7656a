"""The market as a whole, computed by SQL from the database.

Definitions (a period is of Asia/Shanghai days, periods.py):

* listings / demands **published**: items whose ``published_at`` falls in the period;
* listings **transferred** / demands **met**: items whose first contract (the first
  agreed terms of any of their deals not cancelled) was agreed in the period;
* **deals agreed** and **contract value** (技术合同成交额): deals whose contract was agreed
  in the period and that are not cancelled; the value is the agreed price, CNY only
  (``by_currency`` lists every currency);
* **released value**: releases to suppliers (payout instructions of kind ``release``,
  net of fees) created in the period, CNY;
* a deal's domain and region are its item's (the listing's or the demand's; a challenge
  award's: the challenge's domain, its poster's region; deal_items.py);
* **timing**: over the items published in the period, the average days from publication
  to the first inquiry (the first deal opened on the item) and to the first contract;
* **brokers**: per broker named in the agreed contracts of the period, deals, their
  contract value and how many of them are completed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from marketplace.core.messages import N_
from marketplace.models import (
    BrokerProfile,
    Deal,
    DealTerms,
    Demand,
    Listing,
    PayoutInstruction,
    User,
)
from marketplace.models.vocab import DOMAINS, TRANSFER_MODES
from marketplace.statistics import deal_items
from marketplace.statistics.figures import Column, Figure, Rows, register
from marketplace.statistics.periods import Period, days_between, local_month, local_today

ITEM_MEASURES = (
    Column("listings_published", "count", N_("Listings published")),
    Column("listings_transferred", "count", N_("Listings transferred")),
    Column("demands_posted", "count", N_("Demands posted")),
    Column("demands_met", "count", N_("Demands met")),
)
DEAL_MEASURES = (
    Column("deals_agreed", "count", N_("Deals agreed")),
    Column("contract_value", "money", N_("Contract value")),
    Column("released_value", "money", N_("Released to suppliers")),
)
MEASURES = ITEM_MEASURES + DEAL_MEASURES


def _within(column, period: Period) -> list:
    conditions = [column.is_not(None)]
    if period.lo is not None:
        conditions.append(column >= period.lo)
    if period.hi is not None:
        conditions.append(column < period.hi)
    return conditions


def _item_key(model, dim: str, at):
    return {"month": local_month(at), "domain": model.domain, "region": model.region}[dim]


def first_contract(model):
    """Per item of ``model``: when its first contract was agreed (deals not cancelled)."""
    fk = Deal.listing_id if model is Listing else Deal.demand_id
    return (
        select(fk.label("item_id"), func.min(DealTerms.agreed_at).label("at"))
        .join(Deal, Deal.id == DealTerms.deal_id)
        .where(DealTerms.agreed_at.is_not(None), Deal.state != "cancelled", fk.is_not(None))
        .group_by(fk)
        .subquery()
    )


def first_inquiry(model):
    """Per item of ``model``: when the first deal was opened on it."""
    fk = Deal.listing_id if model is Listing else Deal.demand_id
    return (
        select(fk.label("item_id"), func.min(Deal.created_at).label("at"))
        .where(fk.is_not(None))
        .group_by(fk)
        .subquery()
    )


def _published(session: Session, model, period: Period, dim: str):
    key = _item_key(model, dim, model.published_at)
    stmt = select(key, func.count()).where(*_within(model.published_at, period)).group_by(key)
    return session.execute(stmt).all()


def _transferred(session: Session, model, period: Period, dim: str):
    sub = first_contract(model)
    key = _item_key(model, dim, sub.c.at)
    stmt = (
        select(key, func.count())
        .select_from(sub)
        .join(model, model.id == sub.c.item_id)
        .where(*_within(sub.c.at, period))
        .group_by(key)
    )
    return session.execute(stmt).all()


def _deal_key(dim: str, at):
    return {
        "month": local_month(at),
        "domain": deal_items.domain(),
        "region": deal_items.region(),
        "transfer_mode": DealTerms.transfer_mode,
        "currency": DealTerms.currency,
    }[dim]


def _agreed(session: Session, period: Period, dim: str):
    key = _deal_key(dim, DealTerms.agreed_at)
    value = (
        DealTerms.price
        if dim == "currency"
        else case((DealTerms.currency == "CNY", DealTerms.price), else_=0)
    )
    stmt = deal_items.with_items(
        select(key, func.count(), func.coalesce(func.sum(value), 0))
        .select_from(DealTerms)
        .join(Deal, Deal.id == DealTerms.deal_id)
    ).where(Deal.state != "cancelled", *_within(DealTerms.agreed_at, period))
    return session.execute(stmt.group_by(key)).all()


def _released(session: Session, period: Period, dim: str):
    key = _deal_key(dim, PayoutInstruction.created_at)
    stmt = deal_items.with_items(
        select(key, func.coalesce(func.sum(PayoutInstruction.amount), 0))
        .select_from(PayoutInstruction)
        .join(Deal, Deal.id == PayoutInstruction.deal_id)
    )
    if dim == "transfer_mode":
        stmt = stmt.join(
            DealTerms, and_(DealTerms.deal_id == Deal.id, DealTerms.agreed_at.is_not(None))
        )
    stmt = stmt.where(
        PayoutInstruction.kind == "release",
        PayoutInstruction.currency == "CNY",
        *_within(PayoutInstruction.created_at, period),
    )
    return session.execute(stmt.group_by(key)).all()


def measures(session: Session, period: Period, dim: str) -> dict[Any, dict[str, int]]:
    """Every measure of MEASURES per value of the dimension ``dim`` (month, domain,
    region, transfer_mode: the last has the deal measures only)."""
    out: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(c.key for c in MEASURES))
    if dim != "transfer_mode":
        for model, published, done in (
            (Listing, "listings_published", "listings_transferred"),
            (Demand, "demands_posted", "demands_met"),
        ):
            for key, n in _published(session, model, period, dim):
                out[key][published] = int(n)
            for key, n in _transferred(session, model, period, dim):
                out[key][done] = int(n)
    for key, n, value in _agreed(session, period, dim):
        out[key]["deals_agreed"] = int(n)
        out[key]["contract_value"] = int(value)
    for key, value in _released(session, period, dim):
        out[key]["released_value"] = int(value)
    return {k: {m: (v or 0) for m, v in row.items()} for k, row in out.items()}


def _rows(table: dict[Any, dict[str, int]], keys, columns) -> Rows:
    return [[key] + [table.get(key, {}).get(c.key, 0) for c in columns] for key in keys]


def monthly(session: Session, period: Period, now: datetime) -> Rows:
    table = measures(session, period, "month")
    months = period.months(until=local_today(now)) or []
    keys = sorted(set(months) | set(table))
    return _rows(table, keys, MEASURES)


def by_domain(session: Session, period: Period, now: datetime) -> Rows:
    table = measures(session, period, "domain")
    return _rows(table, [d for d in DOMAINS if d in table], MEASURES)


def by_region(session: Session, period: Period, now: datetime) -> Rows:
    table = measures(session, period, "region")
    keys = sorted(
        table,
        key=lambda k: (-table[k]["contract_value"], -table[k]["listings_published"], k or ""),
    )
    return _rows(table, keys, MEASURES)


def by_transfer_mode(session: Session, period: Period, now: datetime) -> Rows:
    table = measures(session, period, "transfer_mode")
    return _rows(table, [m for m in TRANSFER_MODES if m in table], DEAL_MEASURES)


def by_currency(session: Session, period: Period, now: datetime) -> Rows:
    rows = _agreed(session, period, "currency")
    return [[currency, int(n), int(value)] for currency, n, value in sorted(rows)]


def timing(session: Session, period: Period, now: datetime) -> Rows:
    rows = []
    for kind, model in (("listings", Listing), ("demands", Demand)):
        published = session.scalar(
            select(func.count()).select_from(model).where(*_within(model.published_at, period))
        )
        row: list[Any] = [kind, int(published or 0)]
        for sub in (first_inquiry(model), first_contract(model)):
            n, avg = session.execute(
                select(func.count(), func.avg(days_between(sub.c.at, model.published_at)))
                .select_from(model)
                .join(sub, sub.c.item_id == model.id)
                .where(*_within(model.published_at, period))
            ).one()
            row += [int(n or 0), round(float(avg), 2) if avg is not None else None]
        rows.append(row)
    return rows


def brokers(session: Session, period: Period, now: datetime) -> Rows:
    name = func.coalesce(BrokerProfile.display_name, User.display_name)
    cny = case((DealTerms.currency == "CNY", DealTerms.price), else_=0)
    completed = case((Deal.state == "completed", 1), else_=0)
    stmt = (
        select(
            name,
            func.count(),
            func.coalesce(func.sum(cny), 0),
            func.coalesce(func.sum(completed), 0),
            DealTerms.broker_id,
        )
        .select_from(DealTerms)
        .join(Deal, Deal.id == DealTerms.deal_id)
        .join(User, User.id == DealTerms.broker_id)
        .outerjoin(BrokerProfile, BrokerProfile.user_id == DealTerms.broker_id)
        .where(Deal.state != "cancelled", *_within(DealTerms.agreed_at, period))
        .group_by(DealTerms.broker_id, name)
    )
    rows = [
        [n, int(deals), int(value), int(done)] for n, deals, value, done, _ in session.execute(stmt)
    ]
    rows.sort(key=lambda r: (-r[2], -r[1], r[0]))
    return rows


register(
    Figure(
        "monthly",
        N_("By month"),
        (Column("month", "month", N_("Month")),) + MEASURES,
        monthly,
        chart="line",
    )
)
register(
    Figure(
        "by_domain",
        N_("By domain"),
        (Column("domain", "domain", N_("Domain")),) + MEASURES,
        by_domain,
    )
)
register(
    Figure(
        "by_region",
        N_("By region"),
        (Column("region", "region", N_("Region")),) + MEASURES,
        by_region,
    )
)
register(
    Figure(
        "by_transfer_mode",
        N_("By transfer mode"),
        (Column("transfer_mode", "transfer_mode", N_("Transfer mode")),) + DEAL_MEASURES,
        by_transfer_mode,
    )
)
register(
    Figure(
        "by_currency",
        N_("Contracts by currency"),
        (
            Column("currency", "currency", N_("Currency")),
            Column("deals_agreed", "count", N_("Deals agreed")),
            Column("contract_value", "money", N_("Contract value")),
        ),
        by_currency,
        note=N_("Amounts in each currency's minor unit, as agreed."),
    )
)
register(
    Figure(
        "timing",
        N_("Time to first inquiry and to deal"),
        (
            Column("item_kind", "item_kind", N_("Items")),
            Column("published", "count", N_("Published")),
            Column("with_inquiry", "count", N_("With an inquiry")),
            Column("days_to_inquiry", "days", N_("Average days to first inquiry")),
            Column("with_deal", "count", N_("With a contract")),
            Column("days_to_deal", "days", N_("Average days to contract")),
        ),
        timing,
        note=N_("Over the items published in the period."),
    )
)
register(
    Figure(
        "brokers",
        N_("Brokers' output"),
        (
            Column("broker", "broker", N_("Broker")),
            Column("deals_agreed", "count", N_("Deals agreed")),
            Column("contract_value", "money", N_("Contract value")),
            Column("deals_completed", "count", N_("Completed")),
        ),
        brokers,
    )
)
