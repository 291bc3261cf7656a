"""Search over published listings and demands: Elasticsearch first, the database when
Elasticsearch cannot answer (the response then says ``degraded``)."""

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
from marketplace.discovery.outbox import SEARCH_ERRORS, search_index
from marketplace.models import Demand, Listing
from search.documents import price_band
from search.queries import (
    FACETS,
    BadCursor,
    SearchParams,
    build_search,
    build_suggest,
    shape_results,
    shape_suggestions,
)

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
        body = build_search(params)
    except BadCursor:
        raise Invalid({"cursor": N_("Not a cursor from a previous page.")}) from None
    index = search_index()
    try:
        response = index.client.search(index=index.names.alias(params.doc_type), **body)
    except BadRequestError as exc:
        raise Invalid(
            {"q": Message(N_("The search could not be run: %(error)s"), error=exc.message)}
        ) from None
    except (NotFoundError, *SEARCH_ERRORS) as exc:
        log.warning("search degraded to the database: %s", exc)
        return database_search(session, params)
    return shape_results(params, response.body)


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
        raise Invalid(
            {"q": Message(N_("No suggestions for this text: %(error)s"), error=exc.message)}
        ) from None
    except (NotFoundError, *SEARCH_ERRORS):
        titles = session.scalars(
            select(Listing.title)
            .where(Listing.status == "published", Listing.title.ilike(f"{q}%"))
            .limit(size)
        )
        return {"suggestions": list(titles), "degraded": True}
    return {"suggestions": shape_suggestions(response.body), "degraded": False}
