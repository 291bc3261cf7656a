"""Text embeddings behind one small interface, chosen by configuration name.

``embedder_from_config(app.config)`` gives the configured embedder, or None for
EMBEDDER=none; ``embedder.embed_documents(texts)`` and ``embedder.embed_queries(texts)``
give an (n, embedder.dimensions) float32 array of unit rows.
"""

from search.embedding.base import BatchedEmbedder, Embedder, EmbedderError, normalise
from search.embedding.registry import EMBEDDERS, embedder_from_config, register_embedder

__all__ = [
    "EMBEDDERS",
    "BatchedEmbedder",
    "Embedder",
    "EmbedderError",
    "embedder_from_config",
    "normalise",
    "register_embedder",
]
