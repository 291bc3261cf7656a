"""Search over published listings and demands: Elasticsearch first (words and, with an
embedder, meaning: hybrid search), the database when Elasticsearch cannot answer (the
response then says ``degraded``)."""

from __future__ import annotations

import logging
from typing import Any

from elasticsearch import BadRequestError, NotFoundError
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from marketplace.catalog import publication
from marketplace.core.errors import Invalid
from marketplace.core.messages import N_, Message
from marketplace.core.paging import paginate
from marketplace.discovery import vectors
from marketplace.discovery.index import SEARCH_ERRORS, search_index
from marketplace.models import Demand, Listing
from search import hybrid
from search.documents import price_band
from search.embedding import EmbedderError
from search.indexes import SearchIndex
from search.queries import (
    FACETS,
    SOURCE_FIELDS,
    BadCursor,
    SearchParams,
    build_search,
    build_suggest,
    decode_cursor,
    encode_cursor,
    query_words,
    shape_results,
    shape_suggestions,
)
from search.vectors import knn_body, knn_clause

log = logging.getLogger(__name__)
MAX_WINDOW = 10_000
SCALARS = (
    "q",
    "min_price",
    "max_price",
    "trl_min",
    "trl_max",
    "sort",
    "page",
    "per_page",
    "cursor",
)


def params_from_args(doc_type: str, args: dict) -> SearchParams:
    """SearchParams from validated arguments (the API's and the search page's)."""
    filters = {name: args[name] for name in FACETS[doc_type] if args.get(name)}
    return SearchParams(
        doc_type=doc_type, filters=filters, **{k: args[k] for k in SCALARS if k in args}
    )


def search(session: Session, params: SearchParams) -> dict[str, Any]:
    """One results page: the words (relaxed when no document has them all) and, with an
    embedder, the nearest documents by meaning (search/hybrid.py says which join and how
    the two rankings are fused). Facet counts and ``total`` count those results: the
    word matches plus the joined neighbours, within the page's filters."""
    if not params.cursor and params.page * params.per_page > MAX_WINDOW:
        raise Invalid(
            {
                "page": Message(
                    N_("Pages beyond %(max)s results need the cursor from the previous page."),
                    max=MAX_WINDOW,
                )
            }
        )
    try:
        cursor = decode_cursor(params.cursor) if params.cursor else None
    except BadCursor:
        raise Invalid({"cursor": N_("Not a cursor from a previous page.")}) from None
    index = search_index()
    try:
        return _search(index, params, cursor)
    except BadRequestError as exc:
        # Elasticsearch's reason (an internal exception name, a parser's message) is for
        # the log; the client learns which of its inputs to change.
        log.info("search refused by Elasticsearch: %s", exc)
        if params.cursor:
            raise Invalid({"cursor": N_("Not a cursor from a previous page.")}) from None
        raise Invalid({"q": N_("The search could not be run: change the search text.")}) from None
    except (NotFoundError, *SEARCH_ERRORS) as exc:
        log.warning("search degraded to the database: %s", exc)
        return database_search(session, params)


# A cursor into the fused part of a hybrid results list is its position there.
OFFSET_MARK = "@"


def _offset_cursor(offset: int) -> str:
    return encode_cursor([OFFSET_MARK, offset])


def _split_cursor(cursor: list | None) -> tuple[list | None, int | None]:
    """(search_after values, None) or (None, offset) or (None, None)."""
    if cursor and cursor[0] == OFFSET_MARK:
        if len(cursor) != 2 or not isinstance(cursor[1], int) or not 0 <= cursor[1] <= MAX_WINDOW:
            raise Invalid({"cursor": N_("Not a cursor from a previous page.")})
        return None, cursor[1]
    return cursor, None


def _search(index: SearchIndex, params: SearchParams, cursor: list | None) -> dict[str, Any]:
    client, alias = index.client, index.names.alias(params.doc_type)
    after, offset = _split_cursor(cursor)
    q = params.q.strip()
    neighbours = _neighbours(index, params, q) if q else None
    join = hybrid.joining(neighbours) if neighbours else []
    fuse = neighbours is not None and params.sort == "relevance"
    tiers: list[dict | None] = hybrid.word_tiers(q) if q else [None]
    every_word = hybrid.every_word_query(q) if len(query_words(q)) > 1 else None
    for tier, words in enumerate(tiers):
        body = hybrid.tier_body(
            params, words, join, offset=offset, fuse=fuse, every_word=every_word
        )
        response = client.search(index=alias, **body).body
        counted, total = response["aggregations"], response["hits"]["total"]["value"]
        if fuse:  # word matches score above 0, joined neighbours 0
            hits = response["hits"]["hits"]
            word_hits = int(bool(hits and (hits[0].get("_score") or 0) > 0))
        else:
            word_hits = counted["_words"]["doc_count"] if "_words" in counted else total
        if word_hits or tier == len(tiers) - 1:
            break
    if fuse:
        result = _fused_page(
            client, alias, params, words, join, neighbours, response, after, offset
        )
    else:
        result = shape_results(params, response)
        if offset is not None:
            result["page"] = None
    result["hybrid"] = neighbours is not None
    # Relaxed: results, but none with every word (fewer words, or near in meaning only).
    if every_word is not None:
        word_hits = counted["_every_word"]["doc_count"]
    result["relaxed"] = bool(q) and total > 0 and word_hits == 0
    if q and result["total"] == 0:
        result["suggestions"] = _suggestions(client, alias, params, q, neighbours is not None)
    return result


def _neighbours(index: SearchIndex, params: SearchParams, q: str) -> list[tuple[str, float]] | None:
    """The nearest documents by meaning within the page's filters, (id, cosine) nearest
    first; None when there is no vector side (no embedder, no vectors of its model in
    the index, or the model failed)."""
    if not index.vectors_usable(params.doc_type):
        return None
    try:
        vector = vectors.query_vector(q)
    except EmbedderError as exc:
        log.error("search without vectors: %s", exc)
        return None
    if vector is None:
        return None
    body = hybrid.knn_search(params, vector, q)
    try:
        response = index.client.search(index=index.names.alias(params.doc_type), **body)
    except BadRequestError as exc:  # e.g. an index swapped for one without vectors
        log.warning("search without vectors: %s", exc.message)
        return None
    return [(h["_id"], hybrid.cosine(h["_score"])) for h in response["hits"]["hits"]]


def _fused_page(
    client,
    alias: str,
    params: SearchParams,
    words: dict | None,
    join: list[str],
    neighbours: list[tuple[str, float]],
    window: dict,
    after: list | None,
    offset: int | None,
) -> dict[str, Any]:
    """A page of the fused order: the word matches of the window and the joined
    neighbours by reciprocal rank fusion, then the other word matches in BM25 order."""
    ranked = [h["_id"] for h in window["hits"]["hits"] if (h.get("_score") or 0) > 0]
    order = hybrid.fused_order(ranked, neighbours, set(ranked) | set(join))
    fused = [doc for doc, _ in order]
    total = window["hits"]["total"]["value"]
    per_page = params.per_page
    if after is not None:  # a cursor from a page of the BM25 part
        start, head = None, []
        tail = _tail(client, alias, params, words, fused, per_page, after=after)
    else:
        start = offset if offset is not None else (params.page - 1) * per_page
        head = fused[start : start + per_page]
        tail = []
        if len(head) < per_page and total > len(fused):
            skip = max(0, start - len(fused))
            tail = _tail(client, alias, params, words, fused, per_page - len(head), skip=skip)
    hits = _fetch(client, alias, params, words, head) + tail
    shaped = shape_results(
        params,
        {
            "hits": {"hits": hits, "total": {"value": total}},
            "aggregations": window.get("aggregations", {}),
        },
    )
    scores = dict(order)
    for item in shaped["items"]:
        item["score"] = scores.get(str(item["id"]), item["score"])
    more = len(hits) == per_page and (start is None or start + len(hits) < total)
    if not more:
        shaped["next_cursor"] = None
    elif tail:
        shaped["next_cursor"] = encode_cursor(tail[-1]["sort"])
    else:
        shaped["next_cursor"] = _offset_cursor(start + len(hits))
    shaped["page"] = params.page if not params.cursor else None
    return shaped


def _tail(client, alias, params, words, fused, size, *, skip=0, after=None) -> list[dict]:
    """Word matches after the fused part, in BM25 order."""
    body = build_search(params, words=words)
    body.pop("aggs", None)
    body["track_total_hits"] = False
    body["size"] = size
    body.pop("search_after", None)
    body.pop("from", None)
    if after is not None:
        body["search_after"] = after
    else:
        body["from"] = skip
    if fused:
        body["query"]["bool"]["must_not"] = [{"ids": {"values": fused}}]
    return client.search(index=alias, **body).body["hits"]["hits"]


def _fetch(client, alias, params, words, ids: list[str]) -> list[dict]:
    """These documents with their fields and highlights, in this order."""
    if not ids:
        return []
    body = hybrid.fetch_body(ids, words, SOURCE_FIELDS[params.doc_type])
    found = {h["_id"]: h for h in client.search(index=alias, **body).body["hits"]["hits"]}
    return [found[i] for i in ids if i in found]


def _suggestions(client, alias, params, q: str, with_vectors: bool) -> dict[str, Any]:
    """What to offer instead of an empty page: each word of the query that finds
    something without the page's filters (with the count), and the domains of those
    documents (else of the nearest by meaning)."""
    body = hybrid.suggestion_body(q)
    queries, domains = [], []
    if body is not None:
        found = client.search(index=alias, **body).body["aggregations"]
        queries = [
            {"q": word, "count": bucket["doc_count"]}
            for word, bucket in found["words"]["buckets"].items()
            if bucket["doc_count"]
        ]
        domains = [
            {"value": b["key"], "count": b["doc_count"]} for b in found["domains"]["buckets"]
        ]
    if not domains and with_vectors:
        vector = vectors.query_vector(q)
        knn = knn_body(knn_clause(vector, k=10))
        knn["_source"] = ["domain"]
        counted: dict[str, int] = {}
        for hit in client.search(index=alias, **knn).body["hits"]["hits"]:
            domain = hit["_source"].get("domain")
            counted[domain] = counted.get(domain, 0) + 1
        domains = [{"value": d, "count": n} for d, n in counted.items() if d][:5]
    return {"queries": queries, "domains": domains}


def database_search(session: Session, params: SearchParams) -> dict[str, Any]:
    """A plain database query: published rows whose title or summary contains every word."""
    model = Listing if params.doc_type == "listings" else Demand
    stmt = publication.base_query(model, None)
    for word in params.q.split():
        like = f"%{word}%"
        text = model.summary if model is Listing else model.description
        stmt = stmt.where(or_(model.title.ilike(like), text.ilike(like)))
    simple = {"domain": model.domain, "region": model.region}
    for name, column in simple.items():
        if params.filters.get(name):
            stmt = stmt.where(column.in_(params.filters[name]))
    amount = model.price_amount if model is Listing else model.budget_max
    if params.min_price is not None:
        stmt = stmt.where(amount >= params.min_price)
    if params.max_price is not None:
        stmt = stmt.where(amount <= params.max_price)
    if model is Listing and (params.trl_min is not None or params.trl_max is not None):
        stmt = stmt.where(
            and_(
                model.trl >= (params.trl_min or 1),
                model.trl <= (params.trl_max or 9),
            )
        )
    order = {
        "price_asc": amount.asc().nulls_last(),
        "price_desc": amount.desc().nulls_last(),
    }.get(params.sort, model.published_at.desc())
    page = paginate(session, stmt.order_by(order, model.id.desc()), params.page, params.per_page)
    items = []
    for row in page.items:
        item = {
            "id": row.id,
            "score": None,
            "title": row.title,
            "domain": row.domain,
            "region": row.region,
            "currency": row.currency,
            "organization_name": row.organization.name,
            "published_at": row.published_at.isoformat() if row.published_at else None,
            "highlight": {},
        }
        if model is Listing:
            item |= {
                "summary": row.summary,
                "trl": row.trl,
                "transfer_modes": row.transfer_modes,
                "price_type": row.price_type,
                "price_amount": row.price_amount,
                "price_band": price_band(row.price_amount),
            }
        else:
            item |= {
                "cooperation_modes": row.cooperation_modes,
                "budget_min": row.budget_min,
                "budget_max": row.budget_max,
            }
        items.append(item)
    return {
        "items": items,
        "facets": {},
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "next_cursor": None,
        "degraded": True,
        "relaxed": False,
        "hybrid": False,
        "suggestions": None,
    }


def suggest(session: Session, q: str, size: int = 8) -> dict[str, Any]:
    index = search_index()
    try:
        response = index.client.search(
            index=",".join(index.names.alias(t) for t in ("listings", "demands")),
            ignore_unavailable=True,
            **build_suggest(q, size),
        )
    except BadRequestError as exc:
        log.info("suggestions refused by Elasticsearch: %s", exc)
        raise Invalid({"q": N_("No suggestions for this text.")}) from None
    except (NotFoundError, *SEARCH_ERRORS):
        titles = session.scalars(
            select(Listing.title)
            .where(Listing.status == "published", Listing.title.ilike(f"{q}%"))
            .limit(size)
        )
        return {"suggestions": list(titles), "degraded": True}
    return {"suggestions": shape_suggestions(response.body), "degraded": False}
