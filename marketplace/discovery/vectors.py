"""Document vectors, computed once per content version and model, off the request path.

The app's embedder (``app_embedder``) is built once from its configuration. A listing's
or demand's vector is stored in the ``embedding`` table under the embedder's model id
and the sha256 of the text the embedder saw (search/documents.py says which text), so a
reindex, the outbox and the matcher reuse it, and an edit that changes the text makes
it stale. Who computes them: the outbox worker, in batches, before it sends documents
(outbox.py); ``flask search embed``; a reindex, for what is still missing. Pages only
ever read them (``stored_vectors``) and embed the user's query (``query_vector``).

    stored_vectors(session, "listings", ids)   → {id: vector} of current stored vectors
    ensure_vectors(session, "listings", ids)   → the same, computing what is missing
    query_vector("储能 电池")                    → the query's vector, or None (EMBEDDER=none)

Functions that write (``ensure_vectors``, ``attach_vectors``, ``prune``) flush and leave
the commit to the caller.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from flask import Flask, current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from marketplace.core.uow import unit_of_work
from marketplace.models import Demand, Embedding, Listing, Patent
from marketplace.models.types import utcnow
from search.documents import demand_embedding_text, listing_embedding_text
from search.embedding import Embedder, embedder_from_config
from search.vectors import EMBEDDING_FIELD, vector_value

if TYPE_CHECKING:
    from marketplace.discovery.documents import Current

__all__ = [
    "app_embedder",
    "attach_vectors",
    "content_hash",
    "embedding_texts",
    "ensure_vectors",
    "embed_missing",
    "missing_texts",
    "prune",
    "query_vector",
    "stored_vectors",
]

EXTENSION = "embedder"
MODELS = {"listings": Listing, "demands": Demand}
CHUNK = 500  # ids per database round trip
_build_lock = threading.Lock()


# -- the app's embedder ------------------------------------------------------------------
def app_embedder(app: Flask | None = None) -> Embedder | None:
    """The configured embedder (None for EMBEDDER=none), built once per app."""
    app = app or current_app._get_current_object()
    if EXTENSION not in app.extensions:
        with _build_lock:
            if EXTENSION not in app.extensions:
                app.extensions[EXTENSION] = embedder_from_config(app.config)
    return app.extensions[EXTENSION]


def query_vector(text: str) -> np.ndarray | None:
    """The vector of a user's query (cached per text by the embedder), or None when the
    app has no embedder or the text is blank."""
    embedder = app_embedder()
    if embedder is None or not text.strip():
        return None
    return embedder.embed_queries([text])[0]


# -- texts and hashes --------------------------------------------------------------------
def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])


def embedding_texts(session: Session, doc_type: str, ids: Iterable[int]) -> dict[int, str]:
    """The text the embedder sees for each existing item, whatever its status; items
    without any text are left out (a blank text has no vector)."""
    ids = sorted(set(ids))
    found: dict[int, str] = {}
    for part in _chunks(ids):
        if doc_type == "listings":
            rows = session.execute(
                select(Listing.id, Listing.title, Listing.summary, Listing.description).where(
                    Listing.id.in_(part)
                )
            ).all()
            patents: dict[int, list] = {row.id: [] for row in rows}
            for patent in session.execute(
                select(Patent.listing_id, Patent.abstract)
                .where(Patent.listing_id.in_(part))
                .order_by(Patent.listing_id, Patent.id)
            ):
                patents[patent.listing_id].append(patent)
            texts = {row.id: listing_embedding_text(row, patents[row.id]) for row in rows}
        else:
            rows = session.execute(
                select(Demand.id, Demand.title, Demand.description).where(Demand.id.in_(part))
            ).all()
            texts = {row.id: demand_embedding_text(row) for row in rows}
        found |= {i: t for i, t in texts.items() if t.strip()}
    return found


# -- reading and writing stored vectors ----------------------------------------------------
def _decode(blob: bytes, dimensions: int) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4", count=dimensions).astype(np.float32)


def _stored(
    session: Session, doc_type: str, hashes: Mapping[int, str], embedder: Embedder
) -> dict[int, np.ndarray]:
    """Stored vectors of ``embedder``'s model whose hash matches the current text."""
    found: dict[int, np.ndarray] = {}
    for part in _chunks(sorted(hashes)):
        for doc_id, digest, dimensions, blob in session.execute(
            select(
                Embedding.doc_id, Embedding.content_hash, Embedding.dimensions, Embedding.vector
            ).where(
                Embedding.doc_type == doc_type,
                Embedding.model_id == embedder.model_id,
                Embedding.doc_id.in_(part),
            )
        ):
            if digest == hashes[doc_id] and dimensions == embedder.dimensions:
                found[doc_id] = _decode(blob, dimensions)
    return found


def _upsert(session: Session, rows: list[dict]) -> None:
    """Insert or replace (doc_type, doc_id, model_id) rows: a stale vector is overwritten,
    and two workers that embedded the same text both succeed."""
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Embedding).values(rows)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["doc_type", "doc_id", "model_id"],
            set_={
                "content_hash": stmt.excluded.content_hash,
                "dimensions": stmt.excluded.dimensions,
                "vector": stmt.excluded.vector,
                "created_at": stmt.excluded.created_at,
            },
        )
    )


def _compute(
    session: Session,
    doc_type: str,
    texts: Mapping[int, str],
    hashes: Mapping[int, str],
    ids: Sequence[int],
    embedder: Embedder,
    batch: int,
    progress: Callable[[int], None] | None = None,
) -> dict[int, np.ndarray]:
    """Embed ``ids``' texts in batches and store them. All batches are embedded before the
    first row is written, so the write transaction (a database lock on SQLite) is not
    held while the model runs."""
    computed: dict[int, np.ndarray] = {}
    for part in _chunks(list(ids), max(1, batch)):
        vectors = embedder.embed_documents([texts[i] for i in part])
        computed |= dict(zip(part, vectors, strict=True))
        if progress:
            progress(len(part))
    now = utcnow()
    rows = [
        {
            "doc_type": doc_type,
            "doc_id": doc_id,
            "model_id": embedder.model_id,
            "content_hash": hashes[doc_id],
            "dimensions": embedder.dimensions,
            "vector": np.asarray(vector, dtype="<f4").tobytes(),
            "created_at": now,
        }
        for doc_id, vector in computed.items()
    ]
    for i in range(0, len(rows), CHUNK):
        _upsert(session, rows[i : i + CHUNK])
    session.flush()
    return computed


def vectors_for_texts(
    session: Session,
    doc_type: str,
    texts: Mapping[int, str],
    embedder: Embedder,
    *,
    compute: bool = False,
    limit: int | None = None,
    batch: int = 32,
    progress: Callable[[int], None] | None = None,
) -> dict[int, np.ndarray]:
    """Current vectors for items whose text the caller already has: the stored ones, and
    with ``compute`` the missing or stale ones too (at most ``limit`` of them)."""
    texts = {i: t for i, t in texts.items() if t and t.strip()}
    hashes = {i: content_hash(t) for i, t in texts.items()}
    found = _stored(session, doc_type, hashes, embedder)
    if compute:
        missing = [i for i in sorted(hashes) if i not in found]
        if limit is not None:
            missing = missing[: max(0, limit)]
        if missing:
            found |= _compute(session, doc_type, texts, hashes, missing, embedder, batch, progress)
    return found


def stored_vectors(session: Session, doc_type: str, ids: Iterable[int]) -> dict[int, np.ndarray]:
    """The stored vectors of these items that are current: of the app embedder's model,
    and computed from the item's text as it is now. Never embeds anything."""
    embedder = app_embedder()
    if embedder is None:
        return {}
    return vectors_for_texts(session, doc_type, embedding_texts(session, doc_type, ids), embedder)


def ensure_vectors(
    session: Session,
    doc_type: str,
    ids: Iterable[int],
    *,
    embedder: Embedder | None = None,
    batch: int = 32,
) -> dict[int, np.ndarray]:
    """Current vectors of these items, computing (in batches of ``batch``) and storing
    the missing or stale ones; the caller commits. Items without text get none."""
    embedder = embedder or app_embedder()
    if embedder is None:
        return {}
    texts = embedding_texts(session, doc_type, ids)
    return vectors_for_texts(session, doc_type, texts, embedder, compute=True, batch=batch)


def published_ids(session: Session, doc_type: str) -> list[int]:
    model = MODELS[doc_type]
    return list(session.scalars(select(model.id).where(model.status == "published")))


def missing_texts(
    session: Session, doc_type: str, ids: Iterable[int], embedder: Embedder
) -> dict[int, str]:
    """The texts of the items that have text but no current vector of the model."""
    texts = embedding_texts(session, doc_type, ids)
    stored = vectors_for_texts(session, doc_type, texts, embedder)
    return {i: t for i, t in texts.items() if i not in stored}


def embed_missing(
    session: Session,
    doc_type: str,
    embedder: Embedder,
    *,
    texts: Mapping[int, str] | None = None,
    chunk: int = 256,
    batch: int = 32,
    progress: Callable[[int], None] | None = None,
    after_chunk: Callable[[list[int]], None] | None = None,
) -> list[int]:
    """Compute and store the missing or stale vectors of published items (or of
    ``texts``, from ``missing_texts``), committing every ``chunk`` items; ``after_chunk``
    gets each chunk's ids before its commit. Returns the ids embedded."""
    if texts is None:
        texts = missing_texts(session, doc_type, published_ids(session, doc_type), embedder)
    done: list[int] = []
    ids = sorted(texts)
    for part in _chunks(ids, max(1, chunk)):
        found = vectors_for_texts(
            session,
            doc_type,
            {i: texts[i] for i in part},
            embedder,
            compute=True,
            batch=batch,
            progress=progress,
        )
        embedded = [i for i in part if i in found]
        if after_chunk:
            after_chunk(embedded)
        session.commit()
        done += embedded
    return done


def attach_vectors(
    session: Session,
    doc_type: str,
    rows: Iterable[Current],
    embedder: Embedder,
    *,
    compute: bool = True,
    limit: int | None = None,
    batch: int = 32,
) -> set[int]:
    """Put each published row's current vector into its search document (computing up to
    ``limit`` missing ones first); return the ids of documents left without one."""
    published = [r for r in rows if r.source is not None and r.embedding_text]
    texts = {r.id: r.embedding_text for r in published}
    found = vectors_for_texts(
        session, doc_type, texts, embedder, compute=compute, limit=limit, batch=batch
    )
    for row in published:
        if row.id in found:
            row.source[EMBEDDING_FIELD] = vector_value(found[row.id])
    return {r.id for r in published} - set(found)


@unit_of_work
def prune(session: Session, embedder: Embedder | None) -> int:
    """Delete vectors no longer used: those of other models, and of deleted items (a unit
    of work: it commits)."""
    stale = [Embedding.model_id != embedder.model_id] if embedder is not None else []
    for doc_type, model in MODELS.items():
        stale.append((Embedding.doc_type == doc_type) & Embedding.doc_id.not_in(select(model.id)))
    removed = session.execute(delete(Embedding).where(or_(*stale))).rowcount or 0
    session.flush()
    return removed
