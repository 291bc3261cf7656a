"""Ranked runs for evaluation: every published demand with its ranked listings, from the
matcher (one of its variants) or from the plain baseline (one multi_match of the demand's
title and description over the listing's title, abstract and claims; with ``filtered``
the hard constraints as filters, as the matcher has them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.errors import Invalid
from marketplace.core.messages import N_, Message
from marketplace.discovery.index import search_index
from marketplace.discovery.matching import VARIANTS, match_listings
from marketplace.models import Demand, Listing
from search.matching import DemandFacts
from search.matching.queries import baseline, listing_filters

# "matcher": the app's default (hybrid+concepts with vectors, else lexical).
SYSTEMS = ("matcher", "baseline", "baseline-filtered", *VARIANTS)


def _external(row) -> str:
    return row.external_id or str(row.id)


def ranked(session: Session, demand: Demand, *, k: int, system: str) -> list[tuple[int, float]]:
    """(listing id, score) best first for one demand."""
    if system in ("baseline", "baseline-filtered"):
        index = search_index()
        filters = None
        if system == "baseline-filtered":
            d = DemandFacts.from_row(demand)
            filters = listing_filters(
                cooperation_modes=list(d.cooperation_modes),
                budget_max=d.budget_max,
                currency=d.currency,
                organization_id=d.organization_id,
            )
        body = baseline(f"{demand.title}\n{demand.description}", size=k, filters=filters)
        hits = index.client.search(index=index.names.alias("listings"), **body)["hits"]["hits"]
        return [(int(h["_id"]), float(h["_score"] or 0.0)) for h in hits]
    variant = None if system == "matcher" else system
    found = match_listings(session, demand.id, k=k, variant=variant)
    if system == "dense":
        return [(m.listing_id, m.cosine or 0.0) for m in found]
    return [(m.listing_id, m.score) for m in found]


def run_lines(
    session: Session,
    *,
    k: int = 50,
    system: str = "matcher",
    name: Callable[[object], str] = _external,
) -> Iterator[str]:
    """Tab-separated lines ``demand_external_id listing_external_id rank score``."""
    if system not in SYSTEMS:
        raise Invalid({"system": Message(N_("One of %(choices)s."), choices=", ".join(SYSTEMS))})
    if not 1 <= k <= 1000:
        raise Invalid({"k": N_("Between 1 and 1000.")})
    demands = session.scalars(
        select(Demand).where(Demand.status == "published").order_by(Demand.id)
    ).all()
    listings = {r.id: r for r in session.scalars(select(Listing))}
    for demand in demands:
        for rank, (listing_id, score) in enumerate(ranked(session, demand, k=k, system=system), 1):
            listing = listings.get(listing_id)
            other = name(listing) if listing is not None else str(listing_id)
            yield f"{name(demand)}\t{other}\t{rank}\t{score:.4f}"
