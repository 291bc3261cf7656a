"""Matching demands ↔ listings: candidates from Elasticsearch, facts from the database,
ranking and explanations from search/matching (pure functions).

``match_listings`` and ``match_demands`` take no actor: they serve the outbox worker
(match alerts) as well as pages. Pages and the API go through ``matches_for_demand`` and
``matches_for_listing``, which first check that the actor may see the item.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from marketplace.catalog import publication
from marketplace.core.errors import NotFound
from marketplace.core.messages import N_
from marketplace.discovery.outbox import SEARCH_ERRORS, search_index
from marketplace.models import Demand, Listing, User
from search.matching import (
    DemandFacts,
    ListingFacts,
    Match,
    concepts_in,
    rank_demands,
    rank_listings,
)
from search.matching.queries import CANDIDATES, demand_candidates, listing_candidates

__all__ = [
    "Match",
    "Recommendation",
    "match_demands",
    "match_listings",
    "matches_for_demand",
    "matches_for_listing",
]
log = logging.getLogger(__name__)
# Without the search server, the most recently published rows are scored in Python.
FALLBACK_ROWS = 1000
MAX_K = 50


def _search(doc_type: str, body: dict) -> dict[int, float] | None:
    """Candidate ids with their relevance, or None when the search server cannot answer."""
    index = search_index()
    try:
        response = index.client.search(index=index.names.alias(doc_type), **body)
    except SEARCH_ERRORS as exc:
        log.warning("matching without the search server: %s", exc)
        return None
    return {int(h["_id"]): float(h.get("_score") or 0.0) for h in response["hits"]["hits"]}


def _listings(session: Session, ids: list[int] | None) -> list[Listing]:
    stmt = (
        select(Listing).where(Listing.status == "published").options(selectinload(Listing.patents))
    )
    if ids is None:
        stmt = stmt.order_by(Listing.published_at.desc(), Listing.id.desc()).limit(FALLBACK_ROWS)
    else:
        stmt = stmt.where(Listing.id.in_(ids))
    return list(session.scalars(stmt))


def _demands(session: Session, ids: list[int] | None) -> list[Demand]:
    stmt = select(Demand).where(Demand.status == "published")
    if ids is None:
        stmt = stmt.order_by(Demand.published_at.desc(), Demand.id.desc()).limit(FALLBACK_ROWS)
    else:
        stmt = stmt.where(Demand.id.in_(ids))
    return list(session.scalars(stmt))


def match_listings(
    session: Session, demand_id: int, *, k: int = 20, today: date | None = None
) -> list[Match]:
    """Published listings for a demand, best first (any demand: a draft's owner may look
    at what would match before publishing). Unknown demand → NotFound."""
    demand = session.get(Demand, demand_id)
    if demand is None:
        raise NotFound(N_("No demand %(id)s."), id=demand_id)
    facts = DemandFacts.from_row(demand)
    concepts = concepts_in(facts.text)
    scores = _search(
        "listings",
        listing_candidates(
            title=facts.title,
            text=facts.description,
            concepts=concepts,
            cooperation_modes=list(facts.cooperation_modes),
            budget_max=facts.budget_max,
            currency=facts.currency,
            organization_id=facts.organization_id,
            size=max(CANDIDATES, 2 * k),
        ),
    )
    rows = _listings(session, None if scores is None else list(scores))
    return rank_listings(
        facts,
        [ListingFacts.from_row(r) for r in rows],
        text_scores=scores or {},
        k=k,
        today=today,
    )


def match_demands(
    session: Session, listing_id: int, *, k: int = 20, today: date | None = None
) -> list[Match]:
    """Open (published, deadline not passed) demands for a listing, best first."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(N_("No listing %(id)s."), id=listing_id)
    today = today or date.today()
    facts = ListingFacts.from_row(listing)
    concepts = concepts_in(facts.text)
    fixed = facts.price_amount if facts.price_type == "fixed" else None
    scores = _search(
        "demands",
        demand_candidates(
            title=facts.title,
            text=facts.summary,
            concepts=concepts,
            transfer_modes=list(facts.transfer_modes),
            fixed_price=fixed,
            currency=facts.currency,
            organization_id=facts.organization_id,
            today=today.isoformat(),
            size=max(CANDIDATES, 2 * k),
        ),
    )
    rows = _demands(session, None if scores is None else list(scores))
    return rank_demands(
        facts,
        [DemandFacts.from_row(r) for r in rows],
        text_scores=scores or {},
        k=k,
        today=today,
    )


@dataclass(frozen=True)
class Recommendation:
    """A match with the row of the other side, for pages and the API."""

    match: Match
    item: Listing | Demand


def _with_rows(session: Session, model, matches: list[Match], key: str) -> list[Recommendation]:
    ids = [getattr(m, key) for m in matches]
    rows = {r.id: r for r in session.scalars(select(model).where(model.id.in_(ids)))}
    return [Recommendation(m, rows[getattr(m, key)]) for m in matches if getattr(m, key) in rows]


def matches_for_demand(
    session: Session, actor: User | None, demand_id: int, *, k: int = 20
) -> tuple[Demand, list[Recommendation]]:
    """The demand (if the actor may see it) and its recommended listings. Whoever may see
    the demand may see its matches: they are published listings."""
    demand = publication.get_visible(session, Demand, demand_id, actor)
    matches = match_listings(session, demand.id, k=min(max(k, 1), MAX_K))
    return demand, _with_rows(session, Listing, matches, "listing_id")


def matches_for_listing(
    session: Session, actor: User | None, listing_id: int, *, k: int = 20
) -> tuple[Listing, list[Recommendation]]:
    """The listing (if the actor may see it) and the open demands it could serve."""
    listing = publication.get_visible(session, Listing, listing_id, actor)
    matches = match_demands(session, listing.id, k=min(max(k, 1), MAX_K))
    return listing, _with_rows(session, Demand, matches, "demand_id")
