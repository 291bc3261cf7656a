"""Turn database rows into search documents (duck-typed: search/ does not import models).

A row is anything with the listing's or demand's columns as attributes plus
``organization_name``; a listing's patents come as a list of rows with the patent columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from search.analysis import segment

# Price bands in yuan for the facet; amounts in the index stay in minor units.
PRICE_BANDS = (
    ("lt_100k", 0, 100_000),
    ("100k_500k", 100_000, 500_000),
    ("500k_1m", 500_000, 1_000_000),
    ("1m_5m", 1_000_000, 5_000_000),
    ("gte_5m", 5_000_000, None),
)


def price_band(amount_minor: int | None) -> str:
    if amount_minor is None:
        return "negotiable"
    yuan = amount_minor // 100
    for name, low, high in PRICE_BANDS:
        if yuan >= low and (high is None or yuan < high):
            return name
    return PRICE_BANDS[-1][0]


def _suggest(title: str, tags: list[str]) -> dict[str, Any]:
    inputs = [title[:100]] + [t for t in tags if t][:10]
    return {"input": list(dict.fromkeys(inputs))}


def listing_document(listing, patents: Sequence[Any]) -> dict[str, Any]:
    body_parts = [listing.summary, listing.description]
    for p in patents:
        body_parts += [p.abstract, p.first_claim]
    body = "\n".join(part for part in body_parts if part)
    ipc = sorted({code for p in patents for code in (p.ipc_codes or [])})
    return {
        "id": listing.id,
        "doc_type": "listings",
        "title": listing.title,
        "title_words": segment(listing.title),
        "summary": listing.summary,
        "body": body,
        "body_words": segment(body),
        "tags": list(listing.tags or []),
        "domain": listing.domain,
        "region": listing.region,
        "language": listing.language,
        "organization_id": listing.organization_id,
        "organization_name": listing.organization_name or "",
        "published_at": listing.published_at.isoformat() if listing.published_at else None,
        "currency": listing.currency,
        "trl": listing.trl,
        "transfer_modes": list(listing.transfer_modes or []),
        "price_type": listing.price_type,
        "price_amount": listing.price_amount,
        "price_band": price_band(listing.price_amount),
        "ipc_codes": ipc,
        "ipc_sections": sorted({code[0] for code in ipc}),
        "ipc_classes": sorted({code[:3] for code in ipc}),
        "legal_status": sorted({p.legal_status for p in patents}),
        "patent_type": sorted({p.patent_type for p in patents}),
        "patent_numbers": [p.patent_number for p in patents],
        "suggest": _suggest(listing.title, list(listing.tags or [])),
    }


def demand_document(demand, _patents: Sequence[Any] = ()) -> dict[str, Any]:
    return {
        "id": demand.id,
        "doc_type": "demands",
        "title": demand.title,
        "title_words": segment(demand.title),
        "body": demand.description,
        "body_words": segment(demand.description),
        "tags": [],
        "domain": demand.domain,
        "region": demand.region,
        "language": demand.language,
        "organization_id": demand.organization_id,
        "organization_name": demand.organization_name or "",
        "published_at": demand.published_at.isoformat() if demand.published_at else None,
        "currency": demand.currency,
        "cooperation_modes": list(demand.cooperation_modes or []),
        "budget_min": demand.budget_min,
        "budget_max": demand.budget_max,
        "price_band": price_band(demand.budget_max),
        "deadline": demand.deadline.isoformat() if demand.deadline else None,
        "suggest": _suggest(demand.title, []),
    }


BUILDERS = {"listings": listing_document, "demands": demand_document}


# -- the text an embedder sees ----------------------------------------------------------
def _distinct(parts: Sequence[str | None]) -> list[str]:
    """Non-empty parts in order, without one that another part already contains (an
    imported listing's summary is its abstract cut short, its description the abstract)."""
    texts = [p.strip() for p in parts if p and p.strip()]
    kept: list[str] = []
    for i, text in enumerate(texts):
        core = text.rstrip("…").strip()
        inside = any(
            core in other and (len(other) > len(text) or (other == text and j < i))
            for j, other in enumerate(texts)
            if j != i
        )
        if not inside:
            kept.append(text)
    return kept


def listing_embedding_text(listing, patents: Sequence[Any]) -> str:
    """Title, summary, description and the patents' abstracts; not the claims, which
    made dense retrieval worse on the development set (bench/dense_eval.py)."""
    body = _distinct([listing.summary, listing.description, *(p.abstract for p in patents)])
    return "\n".join(_distinct([listing.title]) + body)  # the title even if the body has it


def demand_embedding_text(demand) -> str:
    return "\n".join(_distinct([demand.title]) + _distinct([demand.description]))
