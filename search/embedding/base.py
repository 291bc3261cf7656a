"""The embedder interface: text → L2-normalised float32 vectors, in batches.

Queries and documents are embedded differently on purpose: asymmetric models (e5) are
trained with a "query: " / "passage: " marker on each side, and each implementation
knows whether its engine adds the marker itself or the caller must.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


class EmbedderError(RuntimeError):
    """The configured embedder cannot run here (unknown name, package or model missing)."""


@runtime_checkable
class Embedder(Protocol):
    model_id: str  # changes whenever vectors stop being comparable: store it beside them
    dimensions: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text, shape (len(texts), dimensions)."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text, shape (len(texts), dimensions)."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (an all-zero row stays zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.float32(1e-12))


class _LRU:
    """A small thread-safe least-recently-used map for query vectors."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: str, value: np.ndarray) -> None:
        if self.size <= 0:
            return
        value = value.copy()
        value.setflags(write=False)  # a caller changing its result must not change ours
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class BatchedEmbedder(ABC):
    """Batching, normalisation and the query cache around one ``_encode`` per engine."""

    model_id: str
    dimensions: int

    def __init__(self, *, batch_size: int = 32, query_cache_size: int = 512):
        self.batch_size = max(1, batch_size)
        self.query_cache = _LRU(query_cache_size)

    @abstractmethod
    def _encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        """Raw vectors for one batch of texts (the engine's own prefixing applies)."""

    def _embed(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not one string")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        parts = [
            self._encode(texts[i : i + self.batch_size], query=query)
            for i in range(0, len(texts), self.batch_size)
        ]
        vectors = normalise(np.concatenate(parts))
        if vectors.shape != (len(texts), self.dimensions):
            raise EmbedderError(
                f"{self.model_id} returned {vectors.shape}, expected ({len(texts)}, {self.dimensions})"
            )
        return vectors

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=False)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Cached per text: users repeat queries (the same search, page after page)."""
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not one string")
        keys = [" ".join(t.split()) for t in texts]
        found = {k: v for k in dict.fromkeys(keys) if (v := self.query_cache.get(k)) is not None}
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            for key, vector in zip(missing, self._embed(missing, query=True), strict=True):
                self.query_cache.put(key, vector)
                found[key] = vector
        if not keys:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([found[k] for k in keys])
