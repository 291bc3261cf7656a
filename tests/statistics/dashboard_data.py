"""What the operators' dashboard reads besides data.py's market: page views, match alerts
(some followed by an inquiry of the alerted organization, some not, some after it),
fundings confirmed and waiting, items and organizations waiting for review. No tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from marketplace.models import (
    DealTerms,
    Funding,
    ItemViewCount,
    Notification,
    Organization,
    User,
)
from marketplace.statistics.periods import local_today
from tests.statistics.data import Market, generate, some_time

NOW = datetime(2026, 12, 20, 4, 0, tzinfo=UTC)


def generate_dashboard(session, seed: int = 18, now: datetime = NOW) -> Market:
    """The queues wait since before ``now``."""
    market = generate(session, seed=seed)
    rng = random.Random(seed + 1)
    org_ids = sorted(
        {d.buyer_org_id for d in market.deals} | {d.supplier_org_id for d in market.deals}
    )
    people = {}
    for org_id in org_ids:
        person = User(
            email=f"dash-{seed}-{org_id}@example.org",
            password_hash="x",
            display_name=f"成员{org_id}",
            organization_id=org_id,
        )
        session.add(person)
        people[org_id] = person
    session.flush()
    # Views: a few days each for many items.
    seen = set()
    for item in rng.sample(market.listings, 100) + rng.sample(market.demands, 60):
        doc_type = "listings" if item in market.listings else "demands"
        for _ in range(rng.randrange(1, 6)):
            day = local_today(some_time(rng))
            if (doc_type, item.id, day) not in seen:
                seen.add((doc_type, item.id, day))
                session.add(
                    ItemViewCount(
                        doc_type=doc_type, doc_id=item.id, day=day, views=rng.randrange(1, 40)
                    )
                )
    # Match alerts: to the organization that later opened the deal (before or after it), or
    # to another organization.
    pairs = set()
    for deal in rng.sample(market.deals, 180):
        on_listing = deal.listing_id is not None
        opener = deal.buyer_org_id if on_listing else deal.supplier_org_id
        org_id = opener if rng.random() < 0.7 else rng.choice(org_ids)
        kind = "match_listing" if on_listing else "match_demand"
        key = (org_id, kind, deal.listing_id, deal.demand_id)
        if key in pairs:
            continue
        pairs.add(key)
        at = deal.created_at + timedelta(hours=rng.choice((-48, -1, 2)))
        session.add(
            Notification(
                user_id=people[org_id].id,
                kind=kind,
                listing_id=deal.listing_id if on_listing else None,
                demand_id=deal.demand_id if not on_listing else None,
                payload={},
                created_at=at,
            )
        )
    # Fundings: confirmed on some agreed deals (funded, state not yet moved), offline
    # transfers waiting on others.
    for i, deal in enumerate(d for d in market.deals if d.state == "agreed"):
        terms = session.scalar(
            select(DealTerms).where(DealTerms.deal_id == deal.id, DealTerms.agreed_at.is_not(None))
        )
        if terms is None:
            continue
        session.add(
            Funding(
                deal_id=deal.id,
                terms_id=terms.id,
                provider="offline",
                reference=f"DASH-{seed}-{deal.id}",
                amount=terms.price,
                currency=terms.currency,
                status="confirmed" if i % 3 == 0 else "pending",
                created_at=now - timedelta(hours=5 * i + 1),
            )
        )
    # Waiting for review.
    for i, item in enumerate([x for x in market.listings if x.status == "draft"][:6]):
        item.status, item.submitted_at = "pending_review", now - timedelta(days=i + 0.5)
    for i, item in enumerate([x for x in market.demands if x.status == "draft"][:3]):
        item.status, item.submitted_at = "pending_review", now - timedelta(days=2 * i + 1)
    org = session.get(Organization, org_ids[0])
    org.verification_status, org.created_at = "pending", now - timedelta(days=9)
    session.flush()
    return market
