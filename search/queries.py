"""Query builders and result shaping for the search API."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from search.analysis import segment
from search.vectors import knn_clause

# Facets per document type: name → indexed field.
FACETS = {
    "listings": {
        "domain": "domain",
        "ipc_section": "ipc_sections",
        "ipc_class": "ipc_classes",
        "region": "region",
        "legal_status": "legal_status",
        "patent_type": "patent_type",
        "transfer_mode": "transfer_modes",
        "price_band": "price_band",
        "trl": "trl",
    },
    "demands": {
        "domain": "domain",
        "region": "region",
        "cooperation_mode": "cooperation_modes",
        "price_band": "price_band",
    },
}

# The search arguments a saved search keeps, beside the facets.
QUERY_SCALARS = ("q", "min_price", "max_price", "trl_min", "trl_max")


def query_keys(doc_type: str) -> tuple[str, ...]:
    """The search arguments a saved search keeps for this document type."""
    return (*QUERY_SCALARS, *FACETS[doc_type])


FACET_SIZE = 50

SORTS = {
    "relevance": [{"_score": "desc"}, {"published_at": "desc"}, {"id": "desc"}],
    "newest": [{"published_at": "desc"}, {"id": "desc"}],
    "price_asc": [
        {"price_amount": {"order": "asc", "missing": "_last"}},
        {"id": "asc"},
    ],
    "price_desc": [
        {"price_amount": {"order": "desc", "missing": "_last"}},
        {"id": "desc"},
    ],
}
DEMAND_SORTS = {
    "relevance": SORTS["relevance"],
    "newest": SORTS["newest"],
    "price_asc": [{"budget_max": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
    "price_desc": [{"budget_max": {"order": "desc", "missing": "_last"}}, {"id": "desc"}],
}

TEXT_FIELDS = ["title^3", "title.en^2", "tags.text^2", "body", "body.en"]
CJK_FIELDS = [f for f in TEXT_FIELDS if ".en" not in f]
LATIN = re.compile(r"[A-Za-z]")
WORD_FIELDS = ["title_words^3", "body_words"]
SOURCE_FIELDS = {
    "listings": [
        "title",
        "summary",
        "domain",
        "region",
        "trl",
        "transfer_modes",
        "price_type",
        "price_amount",
        "currency",
        "organization_name",
        "published_at",
        "legal_status",
        "patent_type",
        "ipc_codes",
        "tags",
    ],
    "demands": [
        "title",
        "domain",
        "region",
        "cooperation_modes",
        "budget_min",
        "budget_max",
        "currency",
        "organization_name",
        "published_at",
        "deadline",
    ],
}


class BadCursor(ValueError):
    pass


def encode_cursor(sort_values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort_values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise BadCursor("Not a cursor from a previous page.") from None
    if not isinstance(values, list) or not all(
        isinstance(v, (str, int, float)) or v is None for v in values
    ):
        raise BadCursor("Not a cursor from a previous page.")
    return values


@dataclass
class SearchParams:
    doc_type: str
    q: str = ""
    filters: dict[str, list[Any]] = field(default_factory=dict)
    min_price: int | None = None
    max_price: int | None = None
    trl_min: int | None = None
    trl_max: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    cursor: str | None = None


# Function words that carry no meaning for matching; dropped from the word view of a query.
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 在 用 是 对 中 等 把 被 从 向 将 其 之 以 为 于 也 都 就 有 我们 想 需要 希望 "
    "一种 一个 如何 怎么 什么 可以 能够 进行 方法 the a an of for and or to in on with".split()
)


def query_words(q: str) -> list[str]:
    words = [w for w in segment(q, for_query=True).split() if w not in STOP_WORDS]
    return list(dict.fromkeys(words))


def text_query(q: str) -> dict[str, Any]:
    """Match the CJK-bigram/English views with the raw query, and the word view one query
    word at a time (each through the synonym filter), requiring most words to match.

    The word view is a bool of per-word matches rather than one match with operator/AND
    or minimum_should_match, because those interact with synonym graphs differently
    across engines; per-word clauses mean the same everywhere."""
    # The english analyzer cuts Chinese into single characters: its fields only take
    # part when the query has Latin letters, or 润滑油 would match 润滑脂 through 润/滑.
    fields = TEXT_FIELDS if LATIN.search(q) else CJK_FIELDS
    should: list[dict[str, Any]] = [
        {
            "multi_match": {
                "query": q,
                "fields": fields,
                "type": "most_fields",
                "minimum_should_match": "2<75%",
            }
        },
    ]
    words = query_words(q)
    if words:
        should.append(
            {
                "bool": {
                    "should": _word_clauses(words),
                    "minimum_should_match": RELAXED,
                    "boost": 1.5,
                }
            }
        )
    return {"bool": {"should": should, "minimum_should_match": 1}}


# Most words: all of one or two, two of three, three of four or five, four of six...
RELAXED = "2<75%"


def _word_clauses(words: list[str]) -> list[dict[str, Any]]:
    """One clause per word through the word view (each word through the synonym filter)."""
    return [
        {"multi_match": {"query": w, "fields": WORD_FIELDS, "type": "most_fields"}} for w in words
    ]


def required_words(n: int, minimum_should_match: str = RELAXED) -> int:
    """How many of n should-clauses ``minimum_should_match`` requires, for the forms used
    here: ``"3"``, ``"75%"`` (rounded down, as ES does) and ``"2<75%"`` (all up to 2)."""
    spec = minimum_should_match.replace(" ", "")
    if "<" in spec:
        upto, spec = spec.split("<", 1)
        if n <= int(upto):
            return n
    if spec.endswith("%"):
        return min(n, max(1, n * int(spec[:-1]) // 100))
    return min(n, int(spec))


def all_words_query(q: str) -> dict[str, Any] | None:
    """Documents that have every meaningful word of ``q``; None when it has none."""
    words = query_words(q)
    return {"bool": {"must": _word_clauses(words)}} if words else None


def relaxed_words_query(q: str, minimum_should_match: str = RELAXED) -> dict[str, Any] | None:
    """The same words as should-clauses, most of them required: the fallback for when
    :func:`all_words_query` finds nothing. Documents with more of the words score higher."""
    words = query_words(q)
    if not words:
        return None
    return {"bool": {"should": _word_clauses(words), "minimum_should_match": minimum_should_match}}


def words_queries(q: str, minimum_should_match: str = RELAXED) -> list[dict[str, Any]]:
    """The queries to try in turn until one finds something: all words, then most words
    (left out when it would require them all anyway, as ``2<75%`` does for two words)."""
    words = query_words(q)
    if not words:
        return []
    tiers = [all_words_query(q)]
    if required_words(len(words), minimum_should_match) < len(words):
        tiers.append(relaxed_words_query(q, minimum_should_match))
    return tiers


def knn_for(params: SearchParams, vector: Any, k: int = 50) -> dict[str, Any]:
    """The kNN clause for a search: the same filter clauses as :func:`build_search`."""
    return knn_clause(vector, k=k, filters=filter_clauses(params))


def filter_clauses(params: SearchParams) -> list[dict[str, Any]]:
    facets = FACETS[params.doc_type]
    clauses: list[dict[str, Any]] = []
    for name, values in params.filters.items():
        if values:
            clauses.append({"terms": {facets[name]: list(values)}})
    amount = "price_amount" if params.doc_type == "listings" else "budget_max"
    bounds = {}
    if params.min_price is not None:
        bounds["gte"] = params.min_price
    if params.max_price is not None:
        bounds["lte"] = params.max_price
    if bounds:
        clauses.append({"range": {amount: bounds}})
    trl = {}
    if params.trl_min is not None:
        trl["gte"] = params.trl_min
    if params.trl_max is not None:
        trl["lte"] = params.trl_max
    if trl and params.doc_type == "listings":
        clauses.append({"range": {"trl": trl}})
    return clauses


def joined(ids: Sequence[str]) -> dict[str, Any]:
    """Documents that join a search's results without matching its words (the nearest by
    meaning); boost 0, so that the words alone score and rank them."""
    return {"constant_score": {"filter": {"ids": {"values": list(ids)}}, "boost": 0}}


HIGHLIGHT = {
    "pre_tags": ["<em>"],
    "post_tags": ["</em>"],
    "encoder": "html",
    "fields": {
        "title": {"number_of_fragments": 0},
        "body": {"fragment_size": 120, "number_of_fragments": 2},
    },
}


def build_search(
    params: SearchParams,
    *,
    words: dict[str, Any] | None = None,
    also_ids: Sequence[str] = (),
    offset: int | None = None,
) -> dict[str, Any]:
    """The request body for one results page with facets and highlights.

    ``words`` replaces the query's usual word query (a relaxed one, search/hybrid.py);
    ``also_ids`` join the results whatever their words (scored 0, so they come after
    the word matches in relevance order; the app ranks them, marketplace/discovery);
    ``offset`` starts the page there instead of at the page number or the cursor."""
    q = params.q.strip()
    match: dict[str, Any] = (words or text_query(q)) if q else {"match_all": {}}
    if also_ids:
        match = {"bool": {"should": [match, joined(also_ids)], "minimum_should_match": 1}}
    query: dict[str, Any] = {"bool": {"must": [match], "filter": filter_clauses(params)}}
    sort_key = params.sort if (q or params.sort != "relevance") else "newest"
    sorts = (SORTS if params.doc_type == "listings" else DEMAND_SORTS)[sort_key]
    body: dict[str, Any] = {
        "query": query,
        "sort": sorts,
        "size": params.per_page,
        "track_total_hits": True,
        "_source": SOURCE_FIELDS[params.doc_type],
        "aggs": {
            name: {"terms": {"field": fld, "size": FACET_SIZE}}
            for name, fld in FACETS[params.doc_type].items()
        },
    }
    if q:
        body["highlight"] = HIGHLIGHT
    if offset is not None:
        body["from"] = offset
    elif params.cursor:
        body["search_after"] = decode_cursor(params.cursor)
    else:
        body["from"] = (params.page - 1) * params.per_page
    return body


def shape_results(params: SearchParams, response: dict[str, Any]) -> dict[str, Any]:
    hits = response["hits"]["hits"]
    items = []
    for hit in hits:
        source = hit.get("_source", {})
        items.append(
            {
                "id": int(hit["_id"]),
                "score": hit.get("_score"),
                **source,
                "highlight": hit.get("highlight", {}),
            }
        )
    facets = {
        name: [
            {"value": bucket["key"], "count": bucket["doc_count"]}
            for bucket in agg.get("buckets", [])
        ]
        for name, agg in response.get("aggregations", {}).items()
        if name in FACETS[params.doc_type]
    }
    total = response["hits"]["total"]["value"]
    next_cursor = None
    if len(hits) == params.per_page and hits and "sort" in hits[-1]:
        next_cursor = encode_cursor(hits[-1]["sort"])
    return {
        "items": items,
        "facets": facets,
        "total": total,
        "page": params.page if not params.cursor else None,
        "per_page": params.per_page,
        "next_cursor": next_cursor,
        "degraded": False,
        "relaxed": False,
        "hybrid": False,
        "suggestions": None,
    }


def build_suggest(q: str, size: int = 8) -> dict[str, Any]:
    return {
        "_source": False,
        "suggest": {
            "titles": {
                "prefix": q,
                "completion": {"field": "suggest", "size": size, "skip_duplicates": True},
            }
        },
    }


def shape_suggestions(response: dict[str, Any]) -> list[str]:
    options = response.get("suggest", {}).get("titles", [{}])[0].get("options", [])
    return list(dict.fromkeys(o["text"] for o in options))
