"""Reciprocal rank fusion: several ranked lists of ids → one, in Python.

Elasticsearch's own RRF (``rank.rrf``, the ``rrf`` retriever) needs a paid licence, so
the BM25 and kNN searches run separately and their id lists meet here. RRF uses ranks
only, so BM25 scores (unbounded) and cosines (in [0, 1]) need no common scale.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

Id = TypeVar("Id", bound=Hashable)


def rrf(
    rankings: Sequence[Sequence[Id]],
    k: float = 60,
    weights: Sequence[float] | None = None,
) -> list[tuple[Id, float]]:
    """Ids with their fused scores, best first: score(d) = Σᵢ wᵢ / (k + rankᵢ(d)), rank
    counted from 1, a list that lacks d adding nothing (Cormack, Clarke & Büttcher 2009).

    An id repeated within one list counts at its best rank. Ties keep the order of first
    appearance (the first list's order first), so the result is deterministic."""
    if k <= 0:
        raise ValueError("k must be positive")
    if weights is None:
        weights = [1.0] * len(rankings)
    elif len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    scores: dict[Id, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        seen: set[Id] = set()
        for rank, doc in enumerate(ranking, 1):
            if doc in seen:
                continue
            seen.add(doc)
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    order = {doc: i for i, doc in enumerate(scores)}
    return sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))
