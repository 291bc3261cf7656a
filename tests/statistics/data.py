"""Generated market data for the statistics tests: organizations, listings, demands, a few
hundred deals with contracts, releases and brokers, spread over 2025-10 … 2026-12 with
many timestamps right at Asia/Shanghai midnights (16:00 UTC) of month and quarter
boundaries. Inert rows inserted directly (the statistics only read them). No tests here."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from marketplace.models import (
    Deal,
    DealTerms,
    Demand,
    Listing,
    Organization,
    PayoutInstruction,
    User,
    UserRole,
)
from marketplace.models.vocab import DOMAINS, TRANSFER_MODES

START = datetime(2025, 10, 1, tzinfo=UTC)
END = datetime(2026, 12, 31, tzinfo=UTC)
REGIONS = ("宁波", "杭州", "上海", "")
STATES = ("inquiry", "negotiating", "agreed", "funded", "in_progress", "completed", "cancelled")


@dataclass
class Market:
    listings: list[Listing] = field(default_factory=list)
    demands: list[Demand] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    brokers: list[User] = field(default_factory=list)


def boundary_times(rng: random.Random) -> datetime:
    """A time within a second of a local (UTC+8) month start, on either side."""
    year, month = rng.choice([(2025, 11), (2026, 1), (2026, 4), (2026, 7), (2026, 10), (2026, 12)])
    local_midnight_utc = datetime(year, month, 1, tzinfo=UTC) - timedelta(hours=8)
    return local_midnight_utc + timedelta(seconds=rng.choice((-1, 0, 1, -3600 * 7, 3600 * 7)))


def some_time(rng: random.Random) -> datetime:
    if rng.random() < 0.25:
        return boundary_times(rng)
    seconds = rng.randrange(int((END - START).total_seconds()))
    return START + timedelta(seconds=seconds)


def generate(session, seed: int = 18, deals: int = 320) -> Market:
    rng = random.Random(seed)
    market = Market()
    orgs = [
        Organization(kind=kind, name=f"统计测试机构 {seed}-{i}", region=REGIONS[i % 3])
        for i, kind in enumerate(
            ["university", "institute", "enterprise", "enterprise", "university"]
        )
    ]
    session.add_all(orgs)
    session.flush()
    for i in range(3):
        broker = User(
            email=f"stats-broker-{seed}-{i}@example.org",
            password_hash="x",
            display_name=f"经纪人{i}",
            role_rows=[UserRole(role="broker")],
        )
        session.add(broker)
        market.brokers.append(broker)
    for i in range(160):
        published = some_time(rng) if rng.random() < 0.85 else None
        listing = Listing(
            title=f"统计成果 {i}",
            domain=rng.choice(DOMAINS[:6]),
            trl=5,
            price_type="negotiable",
            region=rng.choice(REGIONS),
            organization_id=orgs[i % 2].id if i % 5 else orgs[4].id,
            status="published" if published else "draft",
            published_at=published,
            created_at=(published or some_time(rng)) - timedelta(days=3),
        )
        market.listings.append(listing)
    for i in range(90):
        published = some_time(rng) if rng.random() < 0.85 else None
        demand = Demand(
            title=f"统计需求 {i}",
            domain=rng.choice(DOMAINS[:6]),
            region=rng.choice(REGIONS),
            organization_id=orgs[2 + i % 2].id,
            status="published" if published else "draft",
            published_at=published,
            created_at=(published or some_time(rng)) - timedelta(days=3),
        )
        market.demands.append(demand)
    session.add_all(market.listings + market.demands)
    session.flush()
    published_listings = [x for x in market.listings if x.published_at]
    published_demands = [x for x in market.demands if x.published_at]
    for i in range(deals):
        on_listing = rng.random() < 0.7
        item = rng.choice(published_listings if on_listing else published_demands)
        created = item.published_at + timedelta(hours=rng.randrange(1, 24 * 60))
        if rng.random() < 0.1:
            created = boundary_times(rng)
            if created < item.published_at:
                created = item.published_at + timedelta(seconds=1)
        state = rng.choice(STATES)
        supplier, buyer = (
            (orgs[i % 2], orgs[2 + i % 2]) if on_listing else (orgs[i % 2], item.organization)
        )
        deal = Deal(
            title=f"交易 {i}",
            listing_id=item.id if on_listing else None,
            demand_id=None if on_listing else item.id,
            buyer_org_id=buyer.id,
            supplier_org_id=supplier.id,
            opened_by_role="buyer" if on_listing else "supplier",
            state=state,
            created_at=created,
        )
        session.add(deal)
        session.flush()
        market.deals.append(deal)
        agreed = state not in ("inquiry", "negotiating") and rng.random() < 0.95
        price = rng.randrange(1, 500) * 100_000
        currency = "CNY" if rng.random() < 0.9 else "USD"
        broker = rng.choice(market.brokers) if rng.random() < 0.4 else None
        agreed_at = None
        if agreed:
            agreed_at = created + timedelta(hours=rng.randrange(1, 24 * 45))
            if rng.random() < 0.15:
                agreed_at = max(boundary_times(rng), created + timedelta(seconds=1))
        for number in (1, 2) if agreed else (1,):
            session.add(
                DealTerms(
                    deal_id=deal.id,
                    number=number,
                    proposed_by_role="buyer",
                    price=price if number == 2 or not agreed else price + 100,
                    currency=currency,
                    transfer_mode=rng.choice(TRANSFER_MODES),
                    milestones=[{"title": "全部", "amount": price, "due_date": None}],
                    platform_fee_bp=300,
                    commission_bp=500 if broker else 0,
                    broker_id=broker.id if broker else None,
                    terms_hash=hashlib.sha256(f"{seed}-{deal.id}-{number}".encode()).hexdigest(),
                    created_at=created,
                    agreed_at=agreed_at if number == 2 else None,
                )
            )
        if agreed and state in ("in_progress", "completed", "cancelled"):
            for k in range(rng.randrange(1, 3)):
                at = agreed_at + timedelta(days=rng.randrange(1, 60))
                if rng.random() < 0.2:
                    at = max(boundary_times(rng), agreed_at)
                session.add(
                    PayoutInstruction(
                        deal_id=deal.id,
                        kind=rng.choice(("release", "release", "refund", "commission")),
                        provider="offline",
                        beneficiary_org_id=supplier.id,
                        account_code=f"supplier:{supplier.id}",
                        amount=price // 3,
                        currency=currency,
                        source_key=f"stats-{seed}-{deal.id}-{k}",
                        created_at=at,
                    )
                )
    session.flush()
    return market
