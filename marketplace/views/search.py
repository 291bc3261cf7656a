"""搜索 pages: /search (listings) and /search/demands.

The same search service and argument schemas as the API (marketplace/api/search.py),
rendered as a page: a search box, facet links that add or remove a filter, highlighted
result cards, page numbers for the first pages and a cursor for the pages after them.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict

from marketplace.core.errors import Invalid
from marketplace.discovery import search as search_service
from marketplace.extensions import db
from marketplace.models.vocab import DOMAINS
from marketplace.schemas.search import BANDS, DemandSearchArgs, ListingSearchArgs
from marketplace.views.base import bp, field_errors, refusal_messages
from marketplace.web.i18n import label
from search.queries import FACETS

ENDPOINTS = {"listings": "views.search", "demands": "views.search_demands"}
SCHEMAS: dict[str, type[Schema]] = {"listings": ListingSearchArgs, "demands": DemandSearchArgs}
NUMBERED_PAGES = 10  # page links for the first pages; after them "next" follows the cursor
FACET_VISIBLE = 8  # values shown before "more"
KEPT_BY_THE_FORM = ("q", "sort")  # the search form has its own inputs for these

FACET_TITLES = {
    "domain": _l("Domain"),
    "ipc_section": _l("IPC section"),
    "ipc_class": _l("IPC class"),
    "region": _l("Region"),
    "legal_status": _l("Legal status"),
    "patent_type": _l("Patent type"),
    "transfer_mode": _l("Transfer modes"),
    "cooperation_mode": _l("Cooperation modes"),
    "price_band": _l("Price range"),
    "trl": _l("Technology readiness level"),
}
# Facets whose codes come from a vocabulary with translated labels (marketplace/i18n.py).
VOCABULARY = {
    "domain": "domain",
    "legal_status": "legal_status",
    "patent_type": "patent_type",
    "transfer_mode": "transfer_mode",
    "cooperation_mode": "transfer_mode",
}
PRICE_BAND_LABELS = {
    "lt_100k": _l("Under 100k yuan"),
    "100k_500k": _l("100k–500k yuan"),
    "500k_1m": _l("500k–1M yuan"),
    "1m_5m": _l("1M–5M yuan"),
    "gte_5m": _l("5M yuan and above"),
    "negotiable": _l("Negotiable"),
}
IPC_SECTIONS = {
    "A": _l("Human necessities"),
    "B": _l("Performing operations; transporting"),
    "C": _l("Chemistry; metallurgy"),
    "D": _l("Textiles; paper"),
    "E": _l("Fixed constructions"),
    "F": _l("Mechanical engineering; lighting; heating; weapons; blasting"),
    "G": _l("Physics"),
    "H": _l("Electricity"),
}
SORTS = {
    "listings": {
        "relevance": _l("Relevance"),
        "newest": _l("Newest"),
        "price_asc": _l("Price: low to high"),
        "price_desc": _l("Price: high to low"),
    },
    "demands": {
        "relevance": _l("Relevance"),
        "newest": _l("Newest"),
        "price_asc": _l("Budget: low to high"),
        "price_desc": _l("Budget: high to low"),
    },
}
# Names of the query parameters, for the messages about a bad one.
PARAMETER_TITLES = {
    "q": _l("Keywords"),
    "sort": _l("Sort by"),
    "page": _l("Page"),
    "per_page": _l("Results per page"),
    "cursor": _l("Page"),
    "min_price": _l("Minimum price"),
    "max_price": _l("Maximum price"),
    "trl_min": _l("Minimum TRL"),
    "trl_max": _l("Maximum TRL"),
    **FACET_TITLES,
}


@bp.route("/search")
def search():
    return search_page("listings")


@bp.route("/search/demands")
def search_demands():
    return search_page("demands")


def search_page(doc_type: str):
    schema = SCHEMAS[doc_type]()
    raw = query_args(schema, request.args)
    result: dict[str, Any] | None = None
    errors: dict[str, list[str]] = {}
    args: dict[str, Any] = {}
    try:
        args = schema.load(raw)
        result = search_service.search(db.session, search_service.params_from_args(doc_type, args))
    except ValidationError as exc:
        errors = field_errors(exc.messages)
    except Invalid as exc:
        errors = refusal_messages(exc)

    page = Page(doc_type, raw)
    context = {
        "doc_type": doc_type,
        "endpoint": ENDPOINTS[doc_type],
        "q": raw.get("q", ""),
        "sort": raw.get("sort", "relevance"),
        "sorts": list(SORTS[doc_type].items()),
        "hidden": page.hidden_inputs(),
        "active": page.active_filters(),
        "clear_url": page.url(keep_filters=False),
        "other_url": url_for(
            ENDPOINTS["demands" if doc_type == "listings" else "listings"],
            **({"q": raw["q"]} if raw.get("q") else {}),
        ),
        "domains": [
            (code, label("domain", code), url_for(ENDPOINTS[doc_type], domain=code))
            for code in DOMAINS
        ],
        "errors": [
            (str(PARAMETER_TITLES.get(name, "")), message)
            for name, messages in errors.items()
            for message in messages
        ],
        "result": result,
        "suggested": page.suggested(result["suggestions"]) if result else None,
        "facets": page.facets(result["facets"]) if result else [],
        "paging": page.paging(result, args) if result else None,
    }
    return render_template("search/results.html", **context), 422 if errors else 200


def query_args(schema: Schema, query: MultiDict) -> dict[str, Any]:
    """The schema's parameters from the query string: lists for list fields, blanks
    dropped (an empty box or an unchosen select sends ``name=``), anything else
    (``lang``, tracking parameters) ignored rather than refused."""
    data: dict[str, Any] = {}
    for name, field in schema.fields.items():
        if isinstance(field, fields.List):
            values = [v.strip() for v in query.getlist(name) if v.strip()]
            if values:
                data[name] = values
        else:
            value = (query.get(name) or "").strip()
            if value:
                data[name] = value
    return data


def facet_value_label(facet: str, value: Any) -> str:
    """A facet value as people read it: translated vocabulary, price bands, 'TRL 6'."""
    text = str(value)
    if facet in VOCABULARY:
        return label(VOCABULARY[facet], text)
    if facet == "price_band":
        return str(PRICE_BAND_LABELS.get(text, text))
    if facet == "trl":
        return f"TRL {text}"
    if facet == "ipc_section" and text in IPC_SECTIONS:
        return f"{text} · {IPC_SECTIONS[text]}"
    return text


def _natural_order(facet: str, buckets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if facet == "trl":
        return sorted(buckets, key=lambda b: int(b["value"]))
    if facet == "price_band":
        order = {band: i for i, band in enumerate(BANDS)}
        return sorted(buckets, key=lambda b: order.get(str(b["value"]), len(order)))
    return buckets  # the busiest first, as the search service counts them


class Page:
    """The current search's parameters, and the URLs that change one thing about it."""

    def __init__(self, doc_type: str, raw: dict[str, Any]):
        self.doc_type = doc_type
        self.endpoint = ENDPOINTS[doc_type]
        self.raw = raw
        self.facet_names = tuple(FACETS[doc_type])
        # Filters and scalars that every link keeps; paging starts again when they change.
        self.state = {k: v for k, v in raw.items() if k not in ("page", "cursor")}

    def url(self, keep_filters: bool = True, **changes: Any) -> str:
        args = dict(self.state) if keep_filters else {"q": self.state.get("q", "")}
        args.update(changes)
        return url_for(self.endpoint, **{k: v for k, v in args.items() if v not in ("", [], None)})

    def toggled(self, facet: str, value: str) -> str:
        chosen = list(self.state.get(facet, []))
        chosen = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        return self.url(**{facet: chosen})

    def hidden_inputs(self) -> list[tuple[str, str]]:
        """What the search box carries along when the words change: the filters."""
        pairs = []
        for name, value in self.state.items():
            if name in KEPT_BY_THE_FORM:
                continue
            for one in value if isinstance(value, list) else [value]:
                pairs.append((name, str(one)))
        return pairs

    def active_filters(self) -> list[dict[str, str]]:
        return [
            {
                "facet": str(FACET_TITLES[name]),
                "label": facet_value_label(name, value),
                "remove_url": self.toggled(name, value),
            }
            for name in self.facet_names
            for value in self.state.get(name, [])
        ]

    def facets(self, counted: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        shown = []
        for name in self.facet_names:
            chosen = [str(v) for v in self.state.get(name, [])]
            buckets = list(counted.get(name, []))
            present = {str(b["value"]) for b in buckets}
            # A chosen value stays visible (and removable) even when nothing carries it.
            buckets += [{"value": v, "count": 0} for v in chosen if v not in present]
            if not buckets:
                continue
            values = [
                {
                    "value": str(b["value"]),
                    "label": facet_value_label(name, b["value"]),
                    "count": b["count"],
                    "selected": str(b["value"]) in chosen,
                    "url": self.toggled(name, str(b["value"])),
                }
                for b in _natural_order(name, buckets)
            ]
            shown.append(
                {
                    "name": name,
                    "title": str(FACET_TITLES[name]),
                    "options": values,
                    "visible": FACET_VISIBLE,
                }
            )
        return shown

    def suggested(self, suggestions: dict[str, Any] | None) -> dict[str, list] | None:
        """What an empty results page offers: each word of the query that finds something
        on its own (counted without the filters, so its link has none), and the domains
        of what the words find (else of the nearest items by meaning)."""
        if not suggestions:
            return None
        return {
            "queries": [
                (s["q"], s["count"], url_for(self.endpoint, q=s["q"]))
                for s in suggestions["queries"]
            ],
            "domains": [
                (label("domain", d["value"]), url_for(self.endpoint, domain=d["value"]))
                for d in suggestions["domains"]
                if d["value"] in DOMAINS
            ],
        }

    def paging(self, result: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        """Page links for the first pages; "next" follows the cursor after them.

        With a cursor the URL also carries ``page``: the search ignores it then, but the
        page can say where the reader is, and the database fallback pages by it.
        """
        per_page = result["per_page"]
        total = result["total"]
        pages = ceil(total / per_page) if total else 0
        cursor = args.get("cursor")
        current = result["page"] or args.get("page", 1)
        has_next = current * per_page < total
        next_url = None
        if has_next:
            if result["degraded"] or (not cursor and current < NUMBERED_PAGES):
                next_url = self.url(page=current + 1)
            elif result["next_cursor"]:
                next_url = self.url(page=current + 1, cursor=result["next_cursor"])
        prev_url = None
        if current > 1 and (current - 1) * per_page <= search_service.MAX_WINDOW:
            prev_url = self.url(page=current - 1)
        return {
            "current": current,
            "pages": pages,
            "numbers": [(n, self.url(page=n)) for n in range(1, min(pages, NUMBERED_PAGES) + 1)],
            "beyond": current > NUMBERED_PAGES,
            "next_url": next_url,
            "prev_url": prev_url,
            "first": (current - 1) * per_page + 1,
            "last": min(current * per_page, total),
        }
