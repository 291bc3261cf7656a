"""Index mappings for listings and demands. One versioned index per type behind an alias."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from search.vectors import EMBEDDING_FIELD, dense_vector_field

if TYPE_CHECKING:
    from search.embedding import Embedder

# Bump when mappings or analysis change: `flask search reindex` builds the new version.
# 2: the ``embedding`` dense_vector field (with an embedder), its model in ``_meta``.
MAPPING_VERSION = 2


def _text(with_en: bool = True) -> dict:
    field = {"type": "text", "analyzer": "tm_cjk"}
    if with_en:
        field["fields"] = {"en": {"type": "text", "analyzer": "english"}}
    return field


WORDS = {"type": "text", "analyzer": "tm_words", "search_analyzer": "tm_words_search"}
KEYWORD = {"type": "keyword"}

_COMMON = {
    "id": {"type": "long"},  # the database id, also the sort tie-breaker (_id is not sortable)
    "doc_type": KEYWORD,
    "title": _text(),
    "title_words": WORDS,
    "body": _text(),
    "body_words": WORDS,
    "tags": {"type": "keyword", "fields": {"text": {"type": "text", "analyzer": "tm_cjk"}}},
    "domain": KEYWORD,
    "region": KEYWORD,
    "language": KEYWORD,
    "organization_id": {"type": "long"},
    "organization_name": {"type": "keyword"},
    "published_at": {"type": "date"},
    "currency": KEYWORD,
    "suggest": {"type": "completion", "analyzer": "simple", "preserve_separators": False},
}

LISTING_PROPERTIES = _COMMON | {
    "summary": {"type": "text", "analyzer": "tm_cjk", "index": False},
    "trl": {"type": "integer"},
    "transfer_modes": KEYWORD,
    "price_type": KEYWORD,
    "price_amount": {"type": "long"},
    "price_band": KEYWORD,
    "ipc_sections": KEYWORD,
    "ipc_classes": KEYWORD,
    "ipc_codes": KEYWORD,
    "legal_status": KEYWORD,
    "patent_type": KEYWORD,
    "patent_numbers": KEYWORD,
}

DEMAND_PROPERTIES = _COMMON | {
    "cooperation_modes": KEYWORD,
    "budget_min": {"type": "long"},
    "budget_max": {"type": "long"},
    "price_band": KEYWORD,
    "deadline": {"type": "date"},
}

PROPERTIES = {"listings": LISTING_PROPERTIES, "demands": DEMAND_PROPERTIES}


def mappings(doc_type: str, embedder: Embedder | None = None) -> dict:
    """With an embedder, an ``embedding`` field of its size and the model's id in
    ``_meta``: vectors of two models cannot be compared, so a query must be embedded by
    the model that built the index."""
    found: dict[str, Any] = {"dynamic": "strict", "properties": PROPERTIES[doc_type]}
    if embedder is not None:
        found["properties"] = found["properties"] | {
            EMBEDDING_FIELD: dense_vector_field(embedder.dimensions)
        }
        found["_meta"] = {"embedding_model": embedder.model_id}
    return found
