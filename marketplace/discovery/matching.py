"""Matching demands ↔ listings: candidates from Elasticsearch (BM25 and a filtered kNN
on the stored vectors, both with the hard constraints as filters), facts from the
database, ranking by a calibrated model (search/matching/hybrid.py, model.py).

``match_listings`` and ``match_demands`` take no actor: they serve the outbox worker
(match alerts, stored matches) as well as pages. Pages and the API go through
``matches_for_demand`` and ``matches_for_listing``, which first check that the actor may
see the item, and read the stored matches (match_store.py) when there are some.

Variants (``variant``): ``hybrid+concepts`` (the default when the index holds vectors of
the app's embedder), ``lexical`` (the default without vectors: BM25 candidates, the same
parts and a model without the dense features), and for the evaluation ``hybrid`` (no
concept dictionary), ``dense`` (kNN alone, ranked by cosine) and ``landed`` (the matcher
before the model: BM25 candidates ranked by the hand-weighted score).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from marketplace.catalog import publication
from marketplace.core import localtime
from marketplace.core.errors import Invalid, NotFound
from marketplace.core.messages import N_, Message
from marketplace.discovery import match_records, vectors
from marketplace.discovery.index import SEARCH_ERRORS, search_index
from marketplace.models import Demand, Listing, User
from search.documents import demand_embedding_text, listing_embedding_text
from search.matching import (
    DemandFacts,
    ListingFacts,
    Match,
    concepts_in,
    hard_constraint_failures,
    rank_demands,
    rank_listings,
)
from search.matching.hybrid import Pool, apply_model, demand_pairs, listing_pairs
from search.matching.model import MatchModel, load_model
from search.matching.queries import (
    CANDIDATES,
    demand_candidates,
    demand_filters,
    listing_candidates,
    listing_filters,
)
from search.matching.scoring import demand_is_open
from search.vectors import knn_body, knn_clause

__all__ = [
    "VARIANTS",
    "Match",
    "Recommendation",
    "match_demands",
    "match_listings",
    "match_listings_for_facts",
    "matches_for_demand",
    "matches_for_listing",
]
log = logging.getLogger(__name__)
# Without the search server, the most recently published rows are scored in Python.
FALLBACK_ROWS = 1000
MAX_K = 50
VARIANTS = ("hybrid+concepts", "hybrid", "dense", "lexical", "landed")
VECTOR_VARIANTS = ("hybrid+concepts", "hybrid", "dense")


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


def _choose(variant: str | None, doc_type: str) -> str:
    """The variant to run: the one asked for, else hybrid+concepts when the other side's
    index holds the app embedder's vectors, else lexical."""
    if variant is not None and variant not in VARIANTS:
        raise Invalid({"variant": Message(N_("One of %(choices)s."), choices=", ".join(VARIANTS))})
    usable = _vectors_usable(doc_type)
    if variant is None:
        return "hybrid+concepts" if usable else "lexical"
    if variant in VECTOR_VARIANTS and not usable:
        return "lexical"  # asked for vectors where there are none: the matcher without them
    return variant


def _vectors_usable(doc_type: str) -> bool:
    try:
        return search_index().vectors_usable(doc_type)
    except SEARCH_ERRORS as exc:
        log.warning("matching without vectors: %s", exc)
        return False


def _cosines(
    session: Session, doc_type: str, query: np.ndarray, ids: list[int]
) -> dict[int, float]:
    """Exact cosines from the stored vectors (unit rows), not the index's approximate
    kNN scores; a candidate without a current vector gets none."""
    stored = vectors.stored_vectors(session, doc_type, ids)
    return {i: float(np.dot(v, query)) for i, v in stored.items()}


@dataclass(frozen=True)
class Candidates:
    """One side's candidates for an item: the pool's signals and the rows' facts."""

    pool: Pool
    rows: list
    variant: str


def listing_candidates_for(
    session: Session, facts: DemandFacts, variant: str, *, k: int = CANDIDATES
) -> Candidates:
    """The listings BM25 and the kNN find for a demand (``variant`` decides which)."""
    concepts = [] if variant == "hybrid" else concepts_in(facts.text)
    filters = dict(
        cooperation_modes=list(facts.cooperation_modes),
        budget_max=facts.budget_max,
        currency=facts.currency,
        organization_id=facts.organization_id,
    )
    bm25: dict[int, float] | None = {}
    if variant != "dense":
        bm25 = _search(
            "listings",
            listing_candidates(
                title=facts.title,
                text=facts.description,
                concepts=concepts,
                size=max(CANDIDATES, k),
                **filters,
            ),
        )
    cosine: dict[int, float] = {}
    knn: dict[int, float] | None = {}
    if variant in VECTOR_VARIANTS:
        query = vectors.query_vector(demand_embedding_text(facts))
        if query is not None:
            knn = _search(
                "listings",
                knn_body(
                    knn_clause(query, k=max(CANDIDATES, k), filters=listing_filters(**filters))
                ),
            )
            ids = sorted(set(bm25 or {}) | set(knn or {}))
            cosine = _cosines(session, "listings", query, ids)
    if bm25 is None and knn is None or (bm25 is None and variant not in VECTOR_VARIANTS):
        # No search server: the newest rows, scored here, without the dense features.
        return Candidates(Pool(), _listings(session, None), _without_vectors(variant))
    ids = sorted(set(bm25 or {}) | set(knn or {}))
    return Candidates(Pool(bm25=bm25 or {}, cosine=cosine), _listings(session, ids), variant)


def demand_candidates_for(
    session: Session, facts: ListingFacts, variant: str, today: date, *, k: int = CANDIDATES
) -> Candidates:
    """The open demands BM25 and the kNN find for a listing."""
    concepts = [] if variant == "hybrid" else concepts_in(facts.text)
    fixed = facts.price_amount if facts.price_type == "fixed" else None
    filters = dict(
        transfer_modes=list(facts.transfer_modes),
        fixed_price=fixed,
        currency=facts.currency,
        organization_id=facts.organization_id,
        today=today.isoformat(),
    )
    bm25: dict[int, float] | None = {}
    if variant != "dense":
        bm25 = _search(
            "demands",
            demand_candidates(
                title=facts.title,
                text=facts.summary,
                concepts=concepts,
                size=max(CANDIDATES, k),
                **filters,
            ),
        )
    cosine: dict[int, float] = {}
    knn: dict[int, float] | None = {}
    if variant in VECTOR_VARIANTS:
        # The listing's text as the query against the demands' passage vectors (the
        # model was fitted the other way round; the pool-relative feature evens it out).
        query = vectors.query_vector(
            listing_embedding_text(facts, [_Abstract(a) for a in facts.abstracts])
        )
        if query is not None:
            knn = _search(
                "demands",
                knn_body(
                    knn_clause(query, k=max(CANDIDATES, k), filters=demand_filters(**filters))
                ),
            )
            ids = sorted(set(bm25 or {}) | set(knn or {}))
            cosine = _cosines(session, "demands", query, ids)
    if bm25 is None and knn is None or (bm25 is None and variant not in VECTOR_VARIANTS):
        return Candidates(Pool(), _demands(session, None), _without_vectors(variant))
    ids = sorted(set(bm25 or {}) | set(knn or {}))
    return Candidates(Pool(bm25=bm25 or {}, cosine=cosine), _demands(session, ids), variant)


def _without_vectors(variant: str) -> str:
    return "lexical" if variant in VECTOR_VARIANTS else variant


@dataclass(frozen=True)
class _Abstract:
    abstract: str


def model_for(variant: str) -> MatchModel:
    return load_model("lexical" if variant == "landed" else variant)


def listing_pairs_for(
    session: Session, demand_id: int, *, variant: str | None = None, today: date | None = None
) -> tuple[str, list[tuple[Match, dict]]]:
    """(the variant run, every admissible candidate listing with the model's features):
    what match_listings ranks, and what scripts/fit_match.py fits on."""
    demand = session.get(Demand, demand_id)
    if demand is None:
        raise NotFound(N_("No demand %(id)s."), id=demand_id)
    return pairs_for_facts(session, DemandFacts.from_row(demand), variant=variant, today=today)


def pairs_for_facts(
    session: Session,
    facts: DemandFacts,
    *,
    variant: str | None = None,
    today: date | None = None,
) -> tuple[str, list[tuple[Match, dict]]]:
    """listing_pairs_for for a need that is not a demand row (a challenge's)."""
    chosen = _choose(variant, "listings")
    found = listing_candidates_for(session, facts, chosen)
    listings = [ListingFacts.from_row(r) for r in found.rows]
    concepts = [] if found.variant == "hybrid" else concepts_in(facts.text)
    pairs = listing_pairs(facts, listings, found.pool, today=today, demand_concepts=concepts)
    return found.variant, pairs


def match_listings(
    session: Session,
    demand_id: int,
    *,
    k: int = 20,
    today: date | None = None,
    variant: str | None = None,
) -> list[Match]:
    """Published listings for a demand, best first (any demand: a draft's owner may look
    at what would match before publishing). Unknown demand → NotFound. Every match has a
    probability and a label (None: below the lowest threshold, not to be shown)."""
    chosen, pairs = listing_pairs_for(session, demand_id, variant=variant, today=today)
    if chosen == "landed":
        return _landed(session, demand_id, pairs, k, today)
    return _ranked(chosen, pairs, k)


def match_listings_for_facts(
    session: Session, facts: DemandFacts, *, k: int = 20, today: date | None = None
) -> list[Match]:
    """Published listings for a need described by ``facts`` (a challenge), ranked by the
    same retrieval and calibrated model as a demand's (the default variant)."""
    chosen, pairs = pairs_for_facts(session, facts, today=today)
    return _ranked(chosen, pairs, k)


def _ranked(chosen: str, pairs: list[tuple[Match, dict]], k: int) -> list[Match]:
    if chosen == "dense":
        ranked = [m for m, _ in pairs if m.cosine is not None]
        return sorted(ranked, key=lambda m: (-(m.cosine or 0.0), m.listing_id))[:k]
    return apply_model(pairs, model_for(chosen), k)


def _landed(session, demand_id, pairs, k, today) -> list[Match]:
    demand = DemandFacts.from_row(session.get(Demand, demand_id))
    listings = [
        ListingFacts.from_row(r) for r in _listings(session, [m.listing_id for m, _ in pairs])
    ]
    text = {m.listing_id: m.parts["text"] for m, _ in pairs}
    return rank_listings(demand, listings, text_scores=text, k=k, today=today)


def demand_pairs_for(
    session: Session, listing_id: int, *, variant: str | None = None, today: date | None = None
) -> tuple[str, list[tuple[Match, dict]]]:
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(N_("No listing %(id)s."), id=listing_id)
    today = today or localtime.today()
    facts = ListingFacts.from_row(listing)
    chosen = _choose(variant, "demands")
    found = demand_candidates_for(session, facts, chosen, today)
    demands = [DemandFacts.from_row(r) for r in found.rows]
    return found.variant, demand_pairs(facts, demands, found.pool, today=today)


def match_demands(
    session: Session,
    listing_id: int,
    *,
    k: int = 20,
    today: date | None = None,
    variant: str | None = None,
) -> list[Match]:
    """Open (published, deadline not passed) demands for a listing, best first."""
    today = today or localtime.today()
    chosen, pairs = demand_pairs_for(session, listing_id, variant=variant, today=today)
    if chosen == "landed":
        listing = ListingFacts.from_row(session.get(Listing, listing_id))
        demands = [
            DemandFacts.from_row(r) for r in _demands(session, [m.demand_id for m, _ in pairs])
        ]
        text = {m.demand_id: m.parts["text"] for m, _ in pairs}
        return rank_demands(listing, demands, text_scores=text, k=k, today=today)
    if chosen == "dense":
        ranked = [m for m, _ in pairs if m.cosine is not None]
        return sorted(ranked, key=lambda m: (-(m.cosine or 0.0), m.demand_id))[:k]
    return apply_model(pairs, model_for(chosen), k)


@dataclass(frozen=True)
class Recommendation:
    """A match with the row of the other side, for pages and the API."""

    match: Match
    item: Listing | Demand


def _shown(matches: list[Match]) -> list[Match]:
    """What a person is shown: matches with a label (at or above the lowest threshold)."""
    return [m for m in matches if m.label is not None]


def _bare_listing(row: Listing) -> ListingFacts:
    """The facts the hard constraints need, without loading the patents."""
    return ListingFacts(
        id=row.id,
        organization_id=row.organization_id,
        status=row.status,
        title=row.title or "",
        domain=row.domain,
        transfer_modes=tuple(row.transfer_modes or ()),
        price_type=row.price_type,
        price_amount=row.price_amount,
        currency=row.currency or "CNY",
    )


def _recommend_listings(
    session: Session, demand: Demand, matches: list[Match], k: int
) -> list[Recommendation]:
    """The rows of the matched listings, each pair checked again against the rows as
    they are now (stored matches may predate a change the worker has not seen yet)."""
    ids = [m.listing_id for m in matches]
    rows = {r.id: r for r in session.scalars(select(Listing).where(Listing.id.in_(ids)))}
    facts = DemandFacts.from_row(demand)
    out = []
    for m in matches:
        row = rows.get(m.listing_id)
        if row is None or hard_constraint_failures(facts, _bare_listing(row)):
            continue
        out.append(Recommendation(m, row))
    return out[:k]


def _recommend_demands(
    session: Session, listing: Listing, matches: list[Match], k: int
) -> list[Recommendation]:
    ids = [m.demand_id for m in matches]
    rows = {r.id: r for r in session.scalars(select(Demand).where(Demand.id.in_(ids)))}
    facts, today = _bare_listing(listing), localtime.today()
    out = []
    for m in matches:
        row = rows.get(m.demand_id)
        if row is None:
            continue
        d = DemandFacts.from_row(row)
        if not demand_is_open(d, today) or hard_constraint_failures(d, facts):
            continue
        out.append(Recommendation(m, row))
    return out[:k]


def matches_for_demand(
    session: Session, actor: User | None, demand_id: int, *, k: int = 20
) -> tuple[Demand, list[Recommendation]]:
    """The demand (if the actor may see it) and its recommended listings: the stored
    matches (match_store.py) when the worker computed them, else computed now. Whoever
    may see the demand may see its matches: they are published listings."""
    demand = publication.get_visible(session, Demand, demand_id, actor)
    k = min(max(k, 1), MAX_K)
    matches = match_records.stored_matches(session, "demands", demand.id)
    if matches is None or k > match_records.STORED_K:
        matches = match_listings(session, demand.id, k=k)
    return demand, _recommend_listings(session, demand, _shown(matches), k)


def matches_for_listing(
    session: Session, actor: User | None, listing_id: int, *, k: int = 20
) -> tuple[Listing, list[Recommendation]]:
    """The listing (if the actor may see it) and the open demands it could serve."""
    listing = publication.get_visible(session, Listing, listing_id, actor)
    k = min(max(k, 1), MAX_K)
    matches = match_records.stored_matches(session, "listings", listing.id)
    if matches is None or k > match_records.STORED_K:
        matches = match_demands(session, listing.id, k=k)
    return listing, _recommend_demands(session, listing, _shown(matches), k)
