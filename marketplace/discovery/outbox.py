"""Keep Elasticsearch in step with the database without losing updates.

1. Every flush that creates, changes, publishes, unpublishes or deletes a listing or
   demand (or a listing's patents) inserts ``search_outbox`` rows on the same connection,
   so they commit or roll back with the change itself.
2. ``drain_once`` sends due outbox rows to Elasticsearch in bulk: the current database
   state of each document (indexed when published, deleted otherwise), versioned with the
   row's version so a late, stale write never wins. Rows are marked done only for
   documents Elasticsearch acknowledged; failures back off exponentially. What was
   acknowledged is handed to an ``after_ack`` hook in the same commit (the worker,
   worker.py, queues alerts there). A published document carries its vector when the
   index has the embedder's vector field: the drain computes missing vectors in batches
   first (vectors.py). An inline drain embeds only a few (``embed_limit``): the others
   are indexed without a vector at once, and their rows stay pending for VECTOR_RETRY so
   that a later drain (the worker, which embeds without a limit) sends them again with it.
3. ``reindex`` (reindex.py) rebuilds a new versioned index from the database and swaps
   the alias.

The database is the truth; the index can always be rebuilt from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.orm import Session, attributes

from marketplace.discovery import vectors
from marketplace.discovery.documents import bulk_action, load_current
from marketplace.discovery.index import SEARCH_ERRORS, search_index
from marketplace.models import Demand, Listing, Patent, SearchOutbox
from marketplace.models.types import utcnow
from search.client import DOC_TYPES
from search.embedding import EmbedderError
from search.indexes import SearchIndex

log = logging.getLogger(__name__)
DOC_TYPE_OF = {Listing: "listings", Demand: "demands"}
MAX_BACKOFF = timedelta(minutes=10)
BATCH = 500
# A document indexed without its vector is sent again (with it) after this long.
VECTOR_RETRY = timedelta(seconds=5)
WITHOUT_VECTOR = "indexed without its vector; a later drain adds it"
# Called with the session and the (doc_type, id) pairs Elasticsearch acknowledged.
AfterAck = Callable[[Session, Iterable[tuple[str, int]]], object]


# -- 1. outbox rows in the same transaction --------------------------------
def _needs_sync(obj, deleted: set) -> bool:
    if obj in deleted:
        return True
    history = attributes.get_history(obj, "status")
    return obj.status == "published" or bool(history.added or history.deleted)


def _collect_outbox_rows(session: Session, flush_context) -> None:
    keys: set[tuple[str, int]] = set()
    new, dirty, deleted = set(session.new), session.dirty, set(session.deleted)
    for obj in (*new, *dirty, *deleted):
        model = type(obj)
        if model in DOC_TYPE_OF:
            changed = obj in new or obj in deleted or session.is_modified(obj)
            if obj.id is not None and changed and _needs_sync(obj, deleted):
                keys.add((DOC_TYPE_OF[model], obj.id))
        elif model is Patent:
            listing_id = obj.listing_id or (obj.listing.id if obj.listing else None)
            if listing_id is not None:
                keys.add(("listings", listing_id))
    if keys:
        _write_rows(session, keys)


def _write_rows(session: Session, keys: Iterable[tuple[str, int]]) -> None:
    now = utcnow()
    session.connection().execute(
        insert(SearchOutbox.__table__),
        [
            {
                "doc_type": doc_type,
                "doc_id": doc_id,
                "created_at": now,
                "attempts": 0,
                "last_error": "",
            }
            for doc_type, doc_id in sorted(keys)
        ],
    )
    session.info["search_outbox_written"] = True


def resend(session: Session, doc_type: str, ids: Iterable[int]) -> None:
    """Queue these documents to be sent again (their vector was just computed); the
    caller commits."""
    keys = {(doc_type, int(i)) for i in ids}
    if keys:
        _write_rows(session, keys)


def _after_commit(session: Session) -> None:
    if not session.info.pop("search_outbox_written", False):
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return
    if app.config.get("SEARCH_SYNC") == "inline":
        # A separate session: this one is finishing its commit.
        try:
            with Session(session.get_bind()) as fresh:
                drain_once(
                    fresh,
                    search_index(app),
                    limit=BATCH,
                    after_ack=app.extensions.get("search_after_ack"),
                    embed_limit=int(app.config.get("SEARCH_INLINE_EMBED_LIMIT", 0)),
                )
        except Exception:  # noqa: BLE001 - the write succeeded; the outbox keeps the change
            log.exception("inline search sync failed; the outbox will retry")


def _after_rollback(session: Session) -> None:
    session.info.pop("search_outbox_written", None)


_installed = False


def install_session_hooks() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _collect_outbox_rows)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, t: _after_rollback(s))
        _installed = True


def init_app(app: Flask, after_ack: AfterAck | None = None) -> None:
    """Install the session hooks; ``after_ack`` runs in the commit that marks rows done
    (inline sync in development, and every drain of the worker)."""
    app.config.setdefault("SEARCH_SYNC", "inline")
    app.extensions["search_after_ack"] = after_ack
    install_session_hooks()


# -- 2. the dispatcher ---------------------------------------------------------
@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0
    rows_done: int = 0
    without_vector: int = 0  # sent, but their rows stay pending until a vector goes too


def drain_once(
    session: Session,
    index: SearchIndex,
    limit: int = BATCH,
    refresh: bool = False,
    after_ack: AfterAck | None = None,
    embed_limit: int | None = None,
) -> DrainResult:
    """Send up to ``limit`` due outbox rows; commit their new state. Never raises for
    an unreachable Elasticsearch: the rows back off and stay pending.

    Missing vectors are computed first, at most ``embed_limit`` of them (None: all)."""
    now = utcnow()
    rows = list(
        session.scalars(
            select(SearchOutbox)
            .where(SearchOutbox.done_at.is_(None))
            .where((SearchOutbox.next_attempt_at.is_(None)) | (SearchOutbox.next_attempt_at <= now))
            .order_by(SearchOutbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    rows = _documents_of_this_worker(session, rows)
    result = DrainResult()
    if not rows:
        session.commit()
        return result
    by_type: dict[str, set[int]] = {}
    for row in rows:
        by_type.setdefault(row.doc_type, set()).add(row.doc_id)
    acknowledged: set[tuple[str, int]] = set()
    errors: dict[tuple[str, int], str] = {}
    without_vector: dict[tuple[str, int], str] = {}  # → why (empty: over the inline limit)
    for doc_type, ids in by_type.items():
        try:
            target = index.ensure(doc_type)
            # No embedder, or an index of another model (a reindex is due): no vectors.
            usable = index.vectors_usable(doc_type)
            current = load_current(session, doc_type, sorted(ids), with_text=usable)
            lacking, why = (
                _attach_vectors(session, index, doc_type, current, embed_limit)
                if usable
                else (set(), "")
            )
            actions = [bulk_action(i, current.get(i)) for i in sorted(ids)]
            bulk = index.bulk(target, actions, refresh=refresh)
        except SEARCH_ERRORS as exc:
            for i in ids:
                errors[(doc_type, i)] = f"{type(exc).__name__}: {exc}"[:500]
            continue
        acknowledged |= {(doc_type, int(i)) for i in bulk.ok}
        errors |= {(doc_type, int(i)): reason for i, reason in bulk.failed.items()}
        without_vector |= {(doc_type, i): why for i in lacking}
    for row in rows:
        key = (row.doc_type, row.doc_id)
        if key in acknowledged and key in without_vector:
            # In the index (searchable by its words) but not yet by meaning: sent again
            # soon, or after a growing back-off when the embedder failed.
            why = without_vector[key]
            row.last_error = f"{WITHOUT_VECTOR}: {why}"[:500] if why else WITHOUT_VECTOR
            if why:
                row.attempts += 1
            delay = _backoff(row.attempts) if why else VECTOR_RETRY
            row.next_attempt_at = now + delay
            result.without_vector += 1
        elif key in acknowledged:
            row.done_at = now
            result.rows_done += 1
        else:
            row.attempts += 1
            row.last_error = errors.get(key, "not acknowledged")
            row.next_attempt_at = now + _backoff(row.attempts)
    result.sent = len(acknowledged)
    result.failed = len({(r.doc_type, r.doc_id) for r in rows} - acknowledged)
    if after_ack is not None:
        after_ack(session, acknowledged)  # in this same commit
    session.commit()
    return result


# Advisory lock classes (PostgreSQL's two-key form: class, document id).
_DOCUMENT_LOCK = {"listings": 7301, "demands": 7302}


def _documents_of_this_worker(session: Session, rows: list[SearchOutbox]) -> list[SearchOutbox]:
    """The rows whose document no other worker is sending now (PostgreSQL).

    SKIP LOCKED keeps two workers off one row, not off one document: with an older row of
    a listing claimed by one worker and a newer one (its withdrawal) by the other, the
    older state could reach the index after the newer one. The external version alone
    does not prevent that: a delete leaves only a tombstone, kept for a while by
    Elasticsearch (index.gc_deletes, 60 s) and not at all by some servers. So each
    document is taken under a transaction-level advisory lock; a worker that cannot take
    it leaves the document's rows for a later batch (they stay pending), by which time
    the holder has committed and the state it reads is newer than what the holder sent."""
    if session.get_bind().dialect.name != "postgresql" or not rows:
        return rows
    mine: dict[tuple[str, int], bool] = {}
    for key in sorted({(r.doc_type, r.doc_id) for r in rows}):
        mine[key] = bool(
            session.scalar(
                text(
                    "SELECT pg_try_advisory_xact_lock(CAST(:kind AS integer), CAST(:id AS integer))"
                ),
                {"kind": _DOCUMENT_LOCK[key[0]], "id": key[1]},
            )
        )
    return [r for r in rows if mine[(r.doc_type, r.doc_id)]]


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(attempts, 10)), MAX_BACKOFF)


def _attach_vectors(
    session: Session,
    index: SearchIndex,
    doc_type: str,
    current: dict,
    embed_limit: int | None,
) -> tuple[set[int], str]:
    """Put the vectors into the documents (the index holds the embedder's vectors);
    return the ids of published documents sent without one, and the embedder's error if
    that is why."""
    try:
        lacking = vectors.attach_vectors(
            session, doc_type, current.values(), index.embedder, limit=embed_limit
        )
        return lacking, ""
    except EmbedderError as exc:
        log.error("documents sent without vectors: %s", exc)
        lacking = {c.id for c in current.values() if c.source is not None and c.embedding_text}
        return lacking, f"{type(exc).__name__}: {exc}"


def retry_now(session: Session) -> int:
    """Make every pending row due now (after an outage, before `drain --once`)."""
    count = session.execute(
        update(SearchOutbox).where(SearchOutbox.done_at.is_(None)).values(next_attempt_at=None)
    ).rowcount
    session.commit()
    return count or 0


def backlog(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(SearchOutbox).where(SearchOutbox.done_at.is_(None))
        )
        or 0
    )


__all__ = [
    "DOC_TYPES",
    "BATCH",
    "DrainResult",
    "backlog",
    "drain_once",
    "init_app",
    "resend",
    "retry_now",
]
