"""The operators' dashboard (运营看板): figures of the market computed by SQL for a period
and, optionally, one domain and one region (of the item a deal or a view is about).
Computed on every request, not cached: operators filter freely and want today's queues.

Definitions (a period is of Asia/Shanghai days, periods.py):

* **funnel**: item views on the period's days (item_views.py), then the deals opened in
  the period (inquiries) and how far each of them got: negotiation (terms proposed),
  agreed (terms agreed), funded (escrow funded: a confirmed funding or a state past
  ``agreed`` other than cancelled), completed. The same per domain.
* **review queues** (now, without filters): listings and demands pending review (since
  submitted), organizations asking for verification (since their latest document, else
  their creation), challenges pending review (since their last change), auction deposits
  and deal bank transfers waiting for an operator's confirmation (since requested):
  count, oldest and median age in days.
* **matching**: matches shown, i.e. match alerts created in the period (a new listing
  shown to a demand's owner, a new demand to a listing's owner, notifications of kind
  ``match_listing``/``match_demand``), and inquiries from a match: deals opened in the
  period on the shown item by the alerted person's organization after the alert.
* **brokers**: per broker named in the contracts agreed in the period (not cancelled):
  deals mediated, their contract value (成交额, CNY) and the commission paid out to them
  in the period (payout instructions of kind ``commission`` on their deals, CNY).
* **voucher budgets** (now, without filters): per innovation voucher programme (CNY),
  what the bureau has funded, what operators granted to enterprises' wallets, what
  enterprises have paid into deals (less what came back from refunds), what is left in
  the budget (the ledger's balance) and the share of the funded budget granted.

The figures are ``figures.Figure`` (so the page, the API and the downloads reuse the
public statistics' tables, charts and files) but live in ``DASHBOARD``, not the public
registry: their ``compute`` takes ``Filters`` instead of a period.
"""

from __future__ import annotations

import statistics as pystats
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from marketplace.core.errors import Invalid
from marketplace.core.messages import N_
from marketplace.models import (
    AuctionRegistration,
    BrokerProfile,
    Challenge,
    Deal,
    DealTerms,
    Demand,
    Funding,
    ItemViewCount,
    LedgerAccount,
    LedgerEntry,
    Listing,
    Notification,
    Organization,
    OrganizationDocument,
    PayoutInstruction,
    User,
    VoucherApplication,
    VoucherProgramme,
    VoucherSpend,
)
from marketplace.models.types import utcnow
from marketplace.models.vocab import DOMAINS
from marketplace.statistics import deal_items
from marketplace.statistics.figures import Column, Figure, Rows
from marketplace.statistics.periods import Period

STAGES = {
    "views": N_("Item views"),
    "inquiries": N_("Inquiries"),
    "negotiating": N_("Negotiation opened"),
    "agreed": N_("Agreed"),
    "funded": N_("Funded"),
    "completed": N_("Completed"),
}
QUEUES = {
    "listings": N_("Listings to review"),
    "demands": N_("Demands to review"),
    "verifications": N_("Verification requests"),
    "challenges": N_("Challenges to review"),
    "deposits": N_("Auction deposits to confirm"),
    "transfers": N_("Bank transfers to confirm"),
}
# States a deal reaches only after its escrow was funded.
FUNDED_STATES = ("funded", "in_progress", "disputed", "resolved", "completed")
REGION_MAX = 100


@dataclass(frozen=True)
class Filters:
    period: Period
    domain: str | None = None
    region: str | None = None


def filters(period: Period, domain: str | None, region: str | None) -> Filters:
    """Checked filters; Invalid with field messages for an unknown domain or a too long
    region."""
    errors = {}
    domain = (domain or "").strip() or None
    if domain is not None and domain not in DOMAINS:
        errors["domain"] = N_("Choose a domain from the list.")
    if region is not None:
        region = region.strip() or None
        if region is not None and len(region) > REGION_MAX:
            errors["region"] = N_("A region has at most 100 characters.")
    if errors:
        raise Invalid(errors)
    return Filters(period, domain, region)


# SQL helpers ----------------------------------------------------------------------------


def _within(column, period: Period) -> list:
    conditions = [column.is_not(None)]
    if period.lo is not None:
        conditions += [column >= period.lo, column < period.hi]
    return conditions


def _item_domain():
    return func.coalesce(Listing.domain, Demand.domain)


def _item_filters(f: Filters) -> list:
    out = []
    if f.domain:
        out.append(_item_domain() == f.domain)
    if f.region is not None:
        out.append(func.coalesce(Listing.region, Demand.region) == f.region)
    return out


def _deal_filters(f: Filters) -> list:
    """The domain and region filters on deals (deal_items.py: a challenge award's deal
    has the challenge's)."""
    out = []
    if f.domain:
        out.append(deal_items.domain() == f.domain)
    if f.region is not None:
        out.append(deal_items.region() == f.region)
    return out


def _reached():
    """Per deal: 1/0 columns for each stage after the inquiry."""
    proposed = exists().where(DealTerms.deal_id == Deal.id)
    agreed = exists().where(DealTerms.deal_id == Deal.id, DealTerms.agreed_at.is_not(None))
    funded = or_(
        Deal.state.in_(FUNDED_STATES),
        exists().where(Funding.deal_id == Deal.id, Funding.status == "confirmed"),
    )
    return [
        func.coalesce(func.sum(case((cond, 1), else_=0)), 0)
        for cond in (proposed, agreed, funded, Deal.state == "completed")
    ]


# Funnel ---------------------------------------------------------------------------------

FUNNEL_KEYS = tuple(STAGES)


def _views(session: Session, f: Filters, by_domain: bool) -> dict[Any, int]:
    domain = _item_domain()
    key = domain if by_domain else literal("all")
    stmt = (
        select(key, func.coalesce(func.sum(ItemViewCount.views), 0))
        .select_from(ItemViewCount)
        .outerjoin(
            Listing, and_(ItemViewCount.doc_type == "listings", Listing.id == ItemViewCount.doc_id)
        )
        .outerjoin(
            Demand, and_(ItemViewCount.doc_type == "demands", Demand.id == ItemViewCount.doc_id)
        )
        .where(*_item_filters(f))
    )
    if f.period.start is not None:
        stmt = stmt.where(ItemViewCount.day >= f.period.start, ItemViewCount.day < f.period.end)
    return {k: int(n) for k, n in session.execute(stmt.group_by(key)).all()}


def _deal_stages(session: Session, f: Filters, by_domain: bool) -> dict[Any, list[int]]:
    key = deal_items.domain() if by_domain else literal("all")
    stmt = deal_items.with_items(
        select(key, func.count(Deal.id), *_reached()).select_from(Deal)
    ).where(*_within(Deal.created_at, f.period), *_deal_filters(f))
    return {k: [int(v) for v in rest] for k, *rest in session.execute(stmt.group_by(key)).all()}


def funnel_table(session: Session, f: Filters, by_domain: bool) -> dict[Any, list[int]]:
    views = _views(session, f, by_domain)
    deals = _deal_stages(session, f, by_domain)
    return {k: [views.get(k, 0)] + deals.get(k, [0] * 5) for k in set(views) | set(deals)}


def funnel(session: Session, f: Filters, now: datetime) -> Rows:
    counts = funnel_table(session, f, False).get("all", [0] * 6)
    rows, previous = [], None
    for stage, n in zip(FUNNEL_KEYS, counts, strict=True):
        rate = round(100.0 * n / previous, 1) if previous else None
        rows.append([stage, n, rate])
        previous = n
    return rows


def funnel_by_domain(session: Session, f: Filters, now: datetime) -> Rows:
    table = funnel_table(session, f, True)
    return [[d] + table[d] for d in DOMAINS if d in table]


# Review queues --------------------------------------------------------------------------


def queue_since(session: Session) -> dict[str, list[datetime]]:
    """Since when each waiting thing waits, per queue."""
    latest_doc = (
        select(func.max(OrganizationDocument.created_at))
        .where(OrganizationDocument.organization_id == Organization.id)
        .scalar_subquery()
    )
    statements = {
        "listings": select(func.coalesce(Listing.submitted_at, Listing.updated_at)).where(
            Listing.status == "pending_review"
        ),
        "demands": select(func.coalesce(Demand.submitted_at, Demand.updated_at)).where(
            Demand.status == "pending_review"
        ),
        "verifications": select(func.coalesce(latest_doc, Organization.created_at)).where(
            Organization.verification_status == "pending"
        ),
        "challenges": select(Challenge.updated_at).where(Challenge.state == "pending_review"),
        "deposits": select(AuctionRegistration.created_at).where(
            AuctionRegistration.deposit_state == "pending"
        ),
        "transfers": select(Funding.created_at)
        .join(Deal, Deal.id == Funding.deal_id)
        .where(Funding.status == "pending", Funding.provider == "offline", Deal.state == "agreed"),
    }
    return {
        k: [t for t in session.scalars(stmt) if t is not None] for k, stmt in statements.items()
    }


def queues(session: Session, f: Filters, now: datetime) -> Rows:
    rows = []
    for key, since in queue_since(session).items():
        ages = [(now - t).total_seconds() / 86400.0 for t in since]
        oldest = round(max(ages), 2) if ages else None
        median = round(pystats.median(ages), 2) if ages else None
        rows.append([key, len(ages), oldest, median])
    return rows


# Matching -------------------------------------------------------------------------------


def _match_pairs():
    """(alert, deal) pairs where the deal was opened on the shown item by the alerted
    person's organization after the alert."""
    return (
        select(Notification.id.label("alert_id"), Deal.id.label("deal_id"))
        .select_from(Notification)
        .join(User, User.id == Notification.user_id)
        .join(
            Deal,
            or_(
                and_(
                    Notification.kind == "match_listing",
                    Deal.listing_id == Notification.listing_id,
                    Deal.buyer_org_id == User.organization_id,
                ),
                and_(
                    Notification.kind == "match_demand",
                    Deal.demand_id == Notification.demand_id,
                    Deal.supplier_org_id == User.organization_id,
                ),
            ),
        )
        .where(Deal.created_at >= Notification.created_at)
    )


def _shown_item():
    """The domain and region of the item an alert shows."""
    shown_listing = and_(
        Notification.kind == "match_listing", Listing.id == Notification.listing_id
    )
    shown_demand = and_(Notification.kind == "match_demand", Demand.id == Notification.demand_id)
    return shown_listing, shown_demand


def matching(session: Session, f: Filters, now: datetime) -> Rows:
    shown_listing, shown_demand = _shown_item()
    domain = _item_domain()
    shown = (
        select(domain, func.count(Notification.id))
        .select_from(Notification)
        .outerjoin(Listing, shown_listing)
        .outerjoin(Demand, shown_demand)
        .where(
            Notification.kind.in_(("match_listing", "match_demand")),
            *_within(Notification.created_at, f.period),
            *_item_filters(f),
        )
        .group_by(domain)
    )
    pairs = _match_pairs().subquery()
    deal_domain = deal_items.domain()
    from_match = deal_items.with_items(
        select(deal_domain, func.count(func.distinct(Deal.id)))
        .select_from(Deal)
        .join(pairs, pairs.c.deal_id == Deal.id)
    ).where(*_within(Deal.created_at, f.period), *_deal_filters(f))
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d, n in session.execute(shown).all():
        table[d][0] = int(n)
    for d, n in session.execute(from_match.group_by(deal_domain)).all():
        table[d][1] = int(n)
    rows = []
    for d in DOMAINS:
        if d in table:
            n_shown, n_deals = table[d]
            rows.append(
                [d, n_shown, n_deals, round(100.0 * n_deals / n_shown, 1) if n_shown else None]
            )
    return rows


# Brokers --------------------------------------------------------------------------------


def brokers(session: Session, f: Filters, now: datetime) -> Rows:
    name = func.coalesce(BrokerProfile.display_name, User.display_name)
    cny = case((DealTerms.currency == "CNY", DealTerms.price), else_=0)
    mediated = deal_items.with_items(
        select(DealTerms.broker_id, name, func.count(), func.coalesce(func.sum(cny), 0))
        .select_from(DealTerms)
        .join(Deal, Deal.id == DealTerms.deal_id)
        .join(User, User.id == DealTerms.broker_id)
        .outerjoin(BrokerProfile, BrokerProfile.user_id == DealTerms.broker_id)
    ).where(Deal.state != "cancelled", *_within(DealTerms.agreed_at, f.period), *_deal_filters(f))
    commission = deal_items.with_items(
        select(DealTerms.broker_id, name, func.coalesce(func.sum(PayoutInstruction.amount), 0))
        .select_from(PayoutInstruction)
        .join(Deal, Deal.id == PayoutInstruction.deal_id)
        .join(
            DealTerms,
            and_(
                DealTerms.deal_id == Deal.id,
                DealTerms.agreed_at.is_not(None),
                DealTerms.broker_id.is_not(None),
            ),
        )
        .join(User, User.id == DealTerms.broker_id)
        .outerjoin(BrokerProfile, BrokerProfile.user_id == DealTerms.broker_id)
    ).where(
        PayoutInstruction.kind == "commission",
        PayoutInstruction.currency == "CNY",
        *_within(PayoutInstruction.created_at, f.period),
        *_deal_filters(f),
    )
    table: dict[int, list[Any]] = {}
    for broker_id, who, n, value in session.execute(mediated.group_by(DealTerms.broker_id, name)):
        table[broker_id] = [who, int(n), int(value), 0]
    for broker_id, who, amount in session.execute(commission.group_by(DealTerms.broker_id, name)):
        table.setdefault(broker_id, [who, 0, 0, 0])[3] = int(amount)
    return sorted(table.values(), key=lambda r: (-r[2], -r[3], -r[1], r[0]))


# Voucher budgets -------------------------------------------------------------------------


def voucher_budgets(session: Session, f: Filters, now: datetime) -> Rows:
    programmes = dict(
        session.execute(
            select(VoucherProgramme.id, VoucherProgramme.name).where(
                VoucherProgramme.currency == "CNY"
            )
        ).all()
    )
    if not programmes:
        return []
    balances: dict[str, int] = {
        code: int(total)
        for code, total in session.execute(
            select(LedgerAccount.code, func.coalesce(func.sum(LedgerEntry.amount), 0))
            .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
            .where(LedgerAccount.code.like("voucher:programme:%"))
            .group_by(LedgerAccount.code)
        )
    }
    granted = dict(
        session.execute(
            select(VoucherApplication.programme_id, func.sum(VoucherApplication.granted_amount))
            .where(VoucherApplication.state == "granted")
            .group_by(VoucherApplication.programme_id)
        ).all()
    )
    spent = dict(
        session.execute(
            select(
                VoucherSpend.programme_id, func.sum(VoucherSpend.amount - VoucherSpend.returned)
            ).group_by(VoucherSpend.programme_id)
        ).all()
    )
    rows = []
    for pid, name in sorted(programmes.items()):
        # The bureau's account is credited as it funds the budget.
        funded = -balances.get(f"voucher:programme:{pid}:bureau", 0)
        given = int(granted.get(pid) or 0)
        share = round(100.0 * given / funded, 1) if funded else None
        rows.append(
            [
                name,
                funded,
                given,
                int(spent.get(pid) or 0),
                balances.get(f"voucher:programme:{pid}:budget", 0),
                share,
            ]
        )
    return rows


DASHBOARD: dict[str, Figure] = {
    fig.key: fig
    for fig in (
        Figure(
            "funnel",
            N_("Funnel"),
            (
                Column("stage", "stage", N_("Stage")),
                Column("count", "count", N_("Number")),
                Column("rate", "percent", N_("Of the stage before (%)")),
            ),
            funnel,
            note=N_(
                "Views on the period's days; then the deals opened in the period and how far "
                "each got."
            ),
        ),
        Figure(
            "funnel_by_domain",
            N_("Funnel by domain"),
            (Column("domain", "domain", N_("Domain")),)
            + tuple(Column(k, "count", t) for k, t in STAGES.items()),
            funnel_by_domain,
        ),
        Figure(
            "queues",
            N_("Review queues"),
            (
                Column("queue", "queue", N_("Queue")),
                Column("waiting", "count", N_("Waiting")),
                Column("oldest_days", "days", N_("Oldest (days)")),
                Column("median_days", "days", N_("Median age (days)")),
            ),
            queues,
            note=N_("What waits for an operator now, whatever the filters."),
        ),
        Figure(
            "matching",
            N_("Matching effectiveness"),
            (
                Column("domain", "domain", N_("Domain")),
                Column("shown", "count", N_("Matches shown")),
                Column("inquiries", "count", N_("Inquiries from a match")),
                Column("rate", "percent", N_("Inquiries per match shown (%)")),
            ),
            matching,
            note=N_(
                "Matches shown are the match alerts sent in the period; an inquiry is from a "
                "match when the alerted organization opened a deal on the shown item after "
                "the alert."
            ),
        ),
        Figure(
            "brokers",
            N_("Brokers' output"),
            (
                Column("broker", "broker", N_("Broker")),
                Column("deals_mediated", "count", N_("Deals mediated")),
                Column("contract_value", "money", N_("Contract value")),
                Column("commission", "money", N_("Commission earned")),
            ),
            brokers,
        ),
        Figure(
            "voucher_budgets",
            N_("Voucher budget use"),
            (
                Column("programme", "programme", N_("Programme")),
                Column("funded", "money", N_("Budget funded")),
                Column("granted", "money", N_("Vouchers granted")),
                Column("spent", "money", N_("Spent on deals")),
                Column("remaining", "money", N_("Budget left")),
                Column("used", "percent", N_("Granted of the budget (%)")),
            ),
            voucher_budgets,
            note=N_(
                "Each innovation voucher programme now, whatever the filters; spent is net of "
                "vouchers returned by refunds."
            ),
        ),
    )
}


def regions(session: Session) -> list[str]:
    """The regions items name, for the filter's suggestions."""
    names = select(Listing.region).union(select(Demand.region)).subquery()
    return sorted(r for r in session.scalars(select(names.c.region)) if r)


def compute(session: Session, f: Filters, now: datetime | None = None) -> dict[str, Rows]:
    now = now or utcnow()
    return {key: fig.compute(session, f, now) for key, fig in DASHBOARD.items()}  # type: ignore[arg-type]
