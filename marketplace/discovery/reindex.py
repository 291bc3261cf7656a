"""Rebuild an index from the database into a new versioned index and swap the alias;
compare what the index holds with the database (``flask search reindex`` / ``status``).

With an embedder the new index has its vector field and each document carries its
stored vector: a reindex reads vectors, it does not re-embed (what is still missing is
computed and stored first, chunk by chunk: ``flask search embed`` does it ahead)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.discovery import vectors
from marketplace.discovery.documents import MODELS, bulk_action, current_rows, load_current
from marketplace.models import SearchOutbox
from search.embedding import Embedder
from search.indexes import SearchIndex


def published_documents(
    session: Session, doc_type: str, chunk: int = 1000, embedder: Embedder | None = None
) -> Iterator[tuple[str, int, dict]]:
    """(id, version, document) of every published row; with ``embedder``, each document
    with its vector (missing ones computed and committed chunk by chunk, so an
    interrupted reindex keeps what it embedded)."""
    model = MODELS[doc_type]
    last_id = 0
    while True:
        rows = current_rows(
            session, doc_type, (model.status == "published") & (model.id > last_id), chunk
        )
        if not rows:
            return
        if embedder is not None:
            vectors.attach_vectors(session, doc_type, rows, embedder)
            session.commit()  # the vectors just computed, if any
        for row in rows:
            if row.source is not None:
                yield str(row.id), row.version, row.source
        last_id = rows[-1].id


def published_count(session: Session, doc_type: str) -> int:
    model = MODELS[doc_type]
    return (
        session.scalar(select(func.count()).select_from(model).where(model.status == "published"))
        or 0
    )


def reindex(
    session: Session, index: SearchIndex, doc_type: str, progress=None
) -> tuple[str, str | None, int]:
    """Rebuild ``doc_type`` into a new versioned index and swap the alias.

    Changes committed while the new index is built are replayed into it after the swap
    (their outbox rows are re-sent), so nothing written during a reindex is lost."""
    start_id = session.scalar(select(func.max(SearchOutbox.id))) or 0
    embedder = index.embedder  # the new index gets its vector field
    result = index.reindex(
        doc_type, lambda: published_documents(session, doc_type, embedder=embedder), progress
    )
    changed = sorted(
        set(
            session.scalars(
                select(SearchOutbox.doc_id).where(
                    SearchOutbox.id > start_id, SearchOutbox.doc_type == doc_type
                )
            )
        )
    )
    if changed:
        current = load_current(session, doc_type, changed)
        if embedder is not None:
            vectors.attach_vectors(session, doc_type, current.values(), embedder)
        index.bulk(index.names.alias(doc_type), [bulk_action(i, current.get(i)) for i in changed])
    session.commit()
    return result


def compare(session: Session, index: SearchIndex, doc_type: str) -> dict[str, Any]:
    """Do the index and the database agree? Ids and versions of published rows."""
    model = MODELS[doc_type]
    index.refresh(doc_type)  # make acknowledged writes visible before counting
    expected = {
        str(i): v
        for i, v in session.execute(
            select(model.id, model.version).where(model.status == "published")
        )
    }
    indexed = index.ids(doc_type)
    missing = sorted(set(expected) - set(indexed), key=int)
    extra = sorted(set(indexed) - set(expected), key=int)
    stale = sorted((i for i in set(expected) & set(indexed) if indexed[i] < expected[i]), key=int)
    return {
        "database": len(expected),
        "index": len(indexed),
        "missing": missing,
        "extra": extra,
        "stale": stale,
        "in_sync": not (missing or extra or stale),
    }
