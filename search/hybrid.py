"""Hybrid search in pieces: the word queries to fall back on, which neighbours by meaning
join a search's results, and the fused relevance order (the app runs the requests:
marketplace/discovery/search.py).

A search's results are the documents that match its words (BM25; if none match them
all, the first relaxed tier that matches some) plus a few nearest by meaning (a filtered
kNN with the page's filters). In relevance order the two rankings are fused by
reciprocal rank fusion (search/fusion.py): ranks, not scores, because BM25 scores are
unbounded and vary by query while a knn score is (1 + cosine) / 2.

Which neighbours join: the nearest one and those within JOIN_MARGIN cosine of it, at most
JOIN_MAX. multilingual-e5-small gives every pair of texts a cosine of 0.75–0.90 (on the
demo data: 0.80 for "battery" and an English catalyst listing, 0.79 for it and the
sodium-ion battery listing), so no absolute cosine separates related from unrelated; a
neighbour clearly ahead of the pack is what the model is sure of. The ranking still
uses all KNN_K neighbours: a word match that is also near in meaning moves up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from search.fusion import rrf
from search.matching.queries import mostly_latin
from search.queries import (
    HIGHLIGHT,
    SearchParams,
    build_search,
    knn_for,
    query_words,
    relaxed_words_query,
    text_query,
)
from search.vectors import knn_body

KNN_K = 20  # neighbours asked for (they re-rank the word matches)
JOIN_MAX = 5  # at most this many join the results by meaning alone
JOIN_MARGIN = 0.03  # cosine below the nearest neighbour's that still joins
WINDOW = 200  # word-match ranks fused with the neighbours; deeper pages follow BM25
RRF_K = 60


def knn_search(params: SearchParams, vector: Any, q: str) -> dict[str, Any]:
    """The kNN request of a search: the KNN_K nearest with the page's filters. A query in
    Latin letters looks among the documents not in English only: English text is found by
    its words, and with multilingual-e5-small an English query is nearer to any English
    text than to a Chinese one on its very subject ("battery": an English catalyst
    listing 0.80, the Chinese sodium-ion battery listing 0.79), so the vectors are there
    for the other language."""
    knn = knn_for(params, vector, k=KNN_K)
    if mostly_latin(q):
        knn["filter"] = [*knn.get("filter", []), NOT_ENGLISH]
    return knn_body(knn)


NOT_ENGLISH = {"bool": {"must_not": [{"term": {"language": "en"}}]}}


def cosine(knn_score: float) -> float:
    """The cosine behind a knn hit's score ((1 + cosine) / 2 for a cosine field)."""
    return 2 * float(knn_score) - 1


def some_words_query(words: Sequence[str], minimum_should_match: str) -> dict[str, Any]:
    """Documents with at least ``minimum_should_match`` of the words, each word matched
    as the search matches a one-word query (its bigrams, its English forms when it has
    Latin letters, its synonyms): more words matched, higher score."""
    return {
        "bool": {
            "should": [text_query(w) for w in words],
            "minimum_should_match": minimum_should_match,
        }
    }


def every_word_query(q: str) -> dict[str, Any]:
    """Documents that have every word of ``q`` (each as :func:`some_words_query` matches
    it): a search whose results include none of these says it is relaxed. The usual
    query is more lenient for long queries (most words)."""
    words = query_words(q)
    if not words:
        return text_query(q)
    return {"bool": {"must": [text_query(w) for w in words]}}


def word_tiers(q: str) -> list[dict[str, Any]]:
    """The word queries to try in turn until one matches: the usual one (all the words,
    or most of a long query), then half of the words (three or more), then any one (two
    or more). Only the first counts as "all words"; the others are relaxed."""
    tiers = [text_query(q)]
    words = query_words(q)
    if len(words) >= 3:
        tiers.append(some_words_query(words, "50%"))
    if len(words) >= 2:
        tiers.append(some_words_query(words, "1"))
    return tiers


def tier_body(
    params: SearchParams,
    words: dict[str, Any] | None,
    join: Sequence[str],
    *,
    offset: int | None = None,
    fuse: bool = False,
    every_word: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The request for one word tier: the page (or, to ``fuse``, the first WINDOW ids in
    word-score order, the page being fetched after fusion) with its facets, over the word
    matches and the joined neighbours. It counts the word matches among them when
    neighbours joined and the page does not show it (``_words``: in word-score order the
    word matches come first, joined neighbours scoring 0), and with ``every_word`` the
    results that have every word (``_every_word``)."""
    body = build_search(params, words=words, also_ids=join, offset=offset)
    if fuse:
        body.update(size=WINDOW, _source=False, **{"from": 0})
        body.pop("highlight", None)
        body.pop("search_after", None)
    if join and words is not None and not fuse:
        body["aggs"]["_words"] = {"filter": words}
    if every_word is not None:
        body["aggs"]["_every_word"] = {"filter": every_word}
    return body


def joining(neighbours: Sequence[tuple[str, float]]) -> list[str]:
    """The neighbours (id, cosine), nearest first, that join the results by meaning."""
    if not neighbours:
        return []
    floor = neighbours[0][1] - JOIN_MARGIN
    return [doc for doc, cos in neighbours[:JOIN_MAX] if cos >= floor]


def fused_order(
    word_ranking: Sequence[str],
    neighbours: Sequence[tuple[str, float]],
    members: set[str],
) -> list[tuple[str, float]]:
    """``members`` (the word matches in ``word_ranking`` and the joined neighbours) in
    fused order with their fusion scores; neighbours outside ``members`` only lend
    their ranks to those inside."""
    fused = rrf([list(word_ranking), [doc for doc, _ in neighbours]], k=RRF_K)
    return [(doc, score) for doc, score in fused if doc in members]


def fetch_body(
    ids: Sequence[str], words: dict[str, Any] | None, source: list[str]
) -> dict[str, Any]:
    """These documents with their fields and highlights (of ``words``, where they match:
    a ``highlight_query``, so that the words are not searched for again)."""
    query = {"bool": {"filter": [{"ids": {"values": list(ids)}}]}}
    body: dict[str, Any] = {"query": query, "size": len(ids), "_source": source}
    if words is not None:
        body["highlight"] = {**HIGHLIGHT, "highlight_query": words}
    return body


def suggestion_body(q: str, domains_field: str = "domain") -> dict[str, Any] | None:
    """For a search that found nothing: how many documents (without the page's filters)
    have each of its words, and the domains of those that have any."""
    words = query_words(q)
    if not words:
        return None
    clauses = {w: relaxed_words_query(w, "1") for w in words}
    return {
        "size": 0,
        "query": {"bool": {"should": list(clauses.values()), "minimum_should_match": 1}},
        "aggs": {
            "words": {"filters": {"filters": clauses}},
            "domains": {"terms": {"field": domains_field, "size": 5}},
        },
    }
