"""Elasticsearch request bodies that fetch match candidates.

The hard constraints are filters here too, so the candidates Elasticsearch returns are
already admissible; the service checks them again against the database, the truth.
"""

from __future__ import annotations

import re
from typing import Any

from search.matching.concepts import Concept
from search.matching.scoring import key_words, variants
from search.queries import WORD_FIELDS

CANDIDATES = 100  # candidates re-ranked per match; the page shows at most 50
BIGRAM_FIELDS = ["title^2", "body"]
ENGLISH_FIELDS = ["title.en^2", "body.en"]
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def mostly_latin(text: str) -> bool:
    return len(_LATIN_LETTER.findall(text)) > 2 * len(_CJK.findall(text))


def _text_clauses(
    title: str, text: str, concept_terms: list[str], ipc_prefixes: list[str]
) -> list[dict]:
    """The relevance clauses: the text and the concepts' own wording through the
    CJK-bigram view (catches words the segmenter does not know, 稳定性 in 湿热稳定的),
    the key words with synonyms through the word view, the concepts' IPC classes."""
    # One bigram clause for the whole text and the concepts' wording: each clause is a
    # pass over the index. The boosts put the title first, as the search does.
    bigram_query = "\n".join([title, text, *concept_terms])
    # English text also through the English view (stemming: batteries ~ battery); not
    # for Chinese text, which the english analyzer would cut into single characters.
    fields = BIGRAM_FIELDS + (ENGLISH_FIELDS if mostly_latin(f"{title} {text}") else [])
    should: list[dict[str, Any]] = [
        {"multi_match": {"query": bigram_query, "fields": fields, "type": "most_fields"}},
    ]
    # The key words that have synonyms, through the word view whose search analyzer maps
    # them to the other side's wording (锂电 → 锂离子电池). Words without synonyms are
    # already in the bigram clause.
    words = [w for w, _ in key_words(title, text) if len(variants(w)) > 1]
    if words:
        should.append(
            {
                "multi_match": {
                    "query": " ".join(words),
                    "fields": WORD_FIELDS,
                    "type": "most_fields",
                    "boost": 1.0,
                }
            }
        )
    if ipc_prefixes:
        # Listings filed where the demand's concepts file, even in other words.
        should.append(
            {
                "bool": {
                    "should": [{"prefix": {"ipc_codes": p}} for p in ipc_prefixes],
                    "boost": 0.5,
                }
            }
        )
    return should


def listing_filters(
    *,
    cooperation_modes: list[str],
    budget_max: int | None,
    currency: str,
    organization_id: int,
) -> list[dict[str, Any]]:
    """The demand's hard constraints on listings, as filter clauses: a common transfer
    mode, never the demand's own organization, no fixed price above the budget (or in
    another currency). The BM25 query and the kNN clause both take these."""
    must_not: list[dict[str, Any]] = [{"term": {"organization_id": organization_id}}]
    if budget_max is not None:
        must_not.append(
            {
                "bool": {
                    "filter": [
                        {"term": {"price_type": "fixed"}},
                        {
                            "bool": {
                                "should": [
                                    {"range": {"price_amount": {"gt": budget_max}}},
                                    {"bool": {"must_not": {"term": {"currency": currency}}}},
                                ],
                                "minimum_should_match": 1,
                            }
                        },
                    ]
                }
            }
        )
    return [
        {"terms": {"transfer_modes": list(cooperation_modes)}},
        {"bool": {"must_not": must_not}},
    ]


def listing_candidates(
    *,
    title: str,
    text: str,
    concepts: list[Concept],
    cooperation_modes: list[str],
    budget_max: int | None,
    currency: str,
    organization_id: int,
    size: int = CANDIDATES,
) -> dict[str, Any]:
    """Published listings for a demand (the listings index holds only published ones)."""
    terms = list(dict.fromkeys(t for c in concepts for t in c.terms))
    ipc = sorted({p for c in concepts for p in c.ipc})
    should = _text_clauses(title, text, terms, ipc)
    filters = listing_filters(
        cooperation_modes=cooperation_modes,
        budget_max=budget_max,
        currency=currency,
        organization_id=organization_id,
    )
    return {
        "query": {"bool": {"should": should, "minimum_should_match": 1, "filter": filters}},
        "size": size,
        "_source": False,
    }


def demand_filters(
    *,
    transfer_modes: list[str],
    fixed_price: int | None,
    currency: str,
    organization_id: int,
    today: str,
) -> list[dict[str, Any]]:
    """The listing's hard constraints on demands, as filter clauses (for BM25 and kNN):
    a common mode, not its own organization, still open, a budget that covers a fixed
    price in the same currency."""
    must_not: list[dict[str, Any]] = [
        {"term": {"organization_id": organization_id}},
        {"range": {"deadline": {"lt": today}}},
    ]
    if fixed_price is not None:
        must_not.append({"range": {"budget_max": {"lt": fixed_price}}})
        must_not.append(
            {
                "bool": {
                    "filter": [{"exists": {"field": "budget_max"}}],
                    "must_not": [{"term": {"currency": currency}}],
                }
            }
        )
    return [
        {"terms": {"cooperation_modes": list(transfer_modes)}},
        {"bool": {"must_not": must_not}},
    ]


def demand_candidates(
    *,
    title: str,
    text: str,
    concepts: list[Concept],
    transfer_modes: list[str],
    fixed_price: int | None,
    currency: str,
    organization_id: int,
    today: str,
    size: int = CANDIDATES,
) -> dict[str, Any]:
    """Open demands for a listing: the listing's text plus the enterprise wording of its
    concepts, so that a post in plain words finds the patent."""
    cues = list(dict.fromkeys(t for c in concepts for t in c.cues))
    should = _text_clauses(title, text, cues, [])
    filters = demand_filters(
        transfer_modes=transfer_modes,
        fixed_price=fixed_price,
        currency=currency,
        organization_id=organization_id,
        today=today,
    )
    return {
        "query": {"bool": {"should": should, "minimum_should_match": 1, "filter": filters}},
        "size": size,
        "_source": False,
    }


def baseline(text: str, size: int = 50, filters: list[dict] | None = None) -> dict[str, Any]:
    """The plain baseline the evaluation compares against: one multi_match of the demand's
    title and description over the listing's title, abstract and claims (with
    ``filters``: the hard constraints, as the matcher has them)."""
    query: dict[str, Any] = {"multi_match": {"query": text, "fields": ["title", "body"]}}
    if filters:
        query = {"bool": {"must": [query], "filter": filters}}
    return {
        "query": query,
        "size": size,
        "_source": False,
    }
