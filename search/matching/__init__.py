"""The matcher: demands ↔ listings, ranked and explained (pure functions, no database).

``marketplace/services/matching.py`` loads rows, asks Elasticsearch for candidates with
the bodies built in :mod:`search.matching.queries`, and ranks them with
:mod:`search.matching.scoring`. Callers use the service:
``from marketplace.discovery.matching import match_listings, match_demands, Match``.
"""

from search.matching.concepts import Concept, concepts_in, load_concepts
from search.matching.facts import DemandFacts, ListingFacts
from search.matching.scoring import (
    STRONG_THRESHOLD,
    WEIGHTS,
    Match,
    hard_constraint_failures,
    rank_demands,
    rank_listings,
    score_pair,
)

__all__ = [
    "STRONG_THRESHOLD",
    "WEIGHTS",
    "Concept",
    "DemandFacts",
    "ListingFacts",
    "Match",
    "concepts_in",
    "hard_constraint_failures",
    "load_concepts",
    "rank_demands",
    "rank_listings",
    "score_pair",
]
