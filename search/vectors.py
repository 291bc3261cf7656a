"""Dense vectors in Elasticsearch: the mapping field, the kNN clause, vectors as JSON.

Only what Elasticsearch 8 has under the free (basic) licence, without plugins: a
``dense_vector`` field (cosine, indexed as HNSW) and the ``knn`` section of ``_search``
with a ``filter``. Fusion with BM25 (reciprocal rank fusion) happens in Python
(search/fusion.py): the ``rrf`` retriever and ``rank.rrf`` need a paid licence.

Checked against noida-db 0.2.3 (bench/vector_probe.py prints the list; it reports 8.15.3):
the mapping (dims, ``similarity: cosine``; ``index_options`` default ``int8_hnsw`` as in
ES ≥ 8.14), top-level ``knn`` with one filter or a list of filters (applied during the
search: k hits that pass the filter), ``similarity`` as a cosine threshold, several knn
sections, knn beside a ``query`` (scores add), the ``knn`` query inside ``bool``, and
``script_score`` with ``cosineSimilarity``/``dotProduct``. A knn hit scores
(1 + cosine) / 2, as in ES. Differences from ES: noida-db also answers ``rank.rrf`` and
the ``rrf`` retriever (ES refuses them without a licence), accepts ``_source.excludes`` in
the mapping but still returns the vector in ``_source``, and its knn scores were exact
cosines in these checks where ES's (int8-quantised) HNSW is approximate; so tests here must
not depend on those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

EMBEDDING_FIELD = "embedding"
MAX_CANDIDATES = 10_000  # Elasticsearch refuses num_candidates above this


def dense_vector_field(dimensions: int) -> dict[str, Any]:
    """Cosine, so a vector is compared by direction (the embedders give unit vectors);
    ES refuses an all-zero vector in a cosine field, so a text without meaning has none."""
    return {"type": "dense_vector", "dims": dimensions, "index": True, "similarity": "cosine"}


def vector_value(vector: np.ndarray | Sequence[float]) -> list[float]:
    """A JSON-ready list of floats (numpy float32 does not serialise by itself)."""
    return np.asarray(vector, dtype=np.float32).ravel().tolist()  # ten times a comprehension


def knn_clause(
    vector: np.ndarray | Sequence[float],
    *,
    k: int,
    filters: Sequence[dict[str, Any]] = (),
    num_candidates: int | None = None,
    field: str = EMBEDDING_FIELD,
    boost: float | None = None,
    similarity: float | None = None,
) -> dict[str, Any]:
    """The ``knn`` section of a search body: the k nearest documents that pass ``filters``
    (the same filter clauses the BM25 query gets, so both sides see the same documents).

    ``num_candidates`` (per shard) trades speed for recall; by default 2k, at least 100.
    ``similarity`` drops hits below that cosine."""
    if k < 1:
        raise ValueError("k must be at least 1")
    candidates = num_candidates if num_candidates is not None else max(100, 2 * k)
    clause: dict[str, Any] = {
        "field": field,
        "query_vector": vector_value(vector),
        "k": k,
        "num_candidates": min(MAX_CANDIDATES, max(k, candidates)),
    }
    if filters:
        clause["filter"] = list(filters)
    if boost is not None:
        clause["boost"] = boost
    if similarity is not None:
        clause["similarity"] = similarity
    return clause


def knn_body(knn: dict[str, Any], *, size: int | None = None) -> dict[str, Any]:
    """A search body that returns only the ids of the kNN hits, best first."""
    return {"knn": knn, "size": size if size is not None else knn["k"], "_source": False}
