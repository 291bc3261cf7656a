"""Ranked runs for evaluation: every published demand with its ranked listings, from the
matcher or from the plain baseline (one multi_match of the demand's title and description
over the listing's title, abstract and claims)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.errors import Invalid
from marketplace.core.messages import N_, Message
from marketplace.discovery.matching import match_listings
from marketplace.discovery.outbox import search_index
from marketplace.models import Demand, Listing
from search.matching.queries import baseline

SYSTEMS = ("matcher", "baseline")


def _external(row) -> str:
    return row.external_id or str(row.id)


def run_lines(session: Session, *, k: int = 50, system: str = "matcher") -> Iterator[str]:
    """Tab-separated lines ``demand_external_id listing_external_id rank score``."""
    if system not in SYSTEMS:
        raise Invalid({"system": Message(N_("One of %(choices)s."), choices=", ".join(SYSTEMS))})
    if not 1 <= k <= 1000:
        raise Invalid({"k": N_("Between 1 and 1000.")})
    demands = session.scalars(
        select(Demand).where(Demand.status == "published").order_by(Demand.id)
    ).all()
    external = dict(session.execute(select(Listing.id, Listing.external_id)).all())
    index = search_index()
    for demand in demands:
        if system == "matcher":
            ranked = [(m.listing_id, m.score) for m in match_listings(session, demand.id, k=k)]
        else:
            body = baseline(f"{demand.title}\n{demand.description}", size=k)
            hits = index.client.search(index=index.names.alias("listings"), **body)["hits"]["hits"]
            ranked = [(int(h["_id"]), float(h["_score"] or 0.0)) for h in hits]
        for rank, (listing_id, score) in enumerate(ranked, 1):
            listing_ext = external.get(listing_id) or str(listing_id)
            yield f"{_external(demand)}\t{listing_ext}\t{rank}\t{score:.4f}"
