"""Elasticsearch request bodies that fetch match candidates.

The hard constraints are filters here too, so the candidates Elasticsearch returns are
already admissible; the service checks them again against the database, the truth.
"""

from __future__ import annotations

from typing import Any

from search.matching.concepts import Concept
from search.queries import CJK_FIELDS, WORD_FIELDS, query_words

CANDIDATES = 100  # candidates re-ranked per match; the page shows at most 50


def _text_clauses(text: str, concept_terms: list[str], ipc_prefixes: list[str]) -> list[dict]:
    should: list[dict[str, Any]] = [
        {"multi_match": {"query": text, "fields": CJK_FIELDS, "type": "most_fields"}},
    ]
    words = query_words(text)
    if words:
        should.append(
            {
                "multi_match": {
                    "query": " ".join(words),
                    "fields": WORD_FIELDS,
                    "type": "most_fields",
                    "boost": 1.5,
                }
            }
        )
    if concept_terms:
        should.append(
            {
                "multi_match": {
                    "query": " ".join(concept_terms),
                    "fields": CJK_FIELDS,
                    "type": "most_fields",
                    "boost": 1.5,
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


def listing_candidates(
    *,
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
    should = _text_clauses(text, terms, ipc)
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
    return {
        "query": {
            "bool": {
                "should": should,
                "minimum_should_match": 1,
                "filter": [{"terms": {"transfer_modes": list(cooperation_modes)}}],
                "must_not": must_not,
            }
        },
        "size": size,
        "_source": False,
    }


def demand_candidates(
    *,
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
    should = _text_clauses(text, cues, [])
    filters: list[dict[str, Any]] = [{"terms": {"cooperation_modes": list(transfer_modes)}}]
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
    return {
        "query": {
            "bool": {
                "should": should,
                "minimum_should_match": 1,
                "filter": filters,
                "must_not": must_not,
            }
        },
        "size": size,
        "_source": False,
    }


def baseline(text: str, size: int = 50) -> dict[str, Any]:
    """The plain baseline the evaluation compares against: one multi_match of the demand's
    title and description over the listing's title, abstract and claims."""
    return {
        "query": {"multi_match": {"query": text, "fields": ["title", "body"]}},
        "size": size,
        "_source": False,
    }
