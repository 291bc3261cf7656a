"""Keep Elasticsearch in step with the database without losing updates.

1. Every flush that creates, changes, publishes, unpublishes or deletes a listing or
   demand (or a listing's patents) inserts ``search_outbox`` rows on the same connection,
   so they commit or roll back with the change itself.
2. ``drain`` sends due outbox rows to Elasticsearch in bulk: the current database state of
   each document (indexed when published, deleted otherwise), versioned with the row's
   version so a late, stale write never wins. Rows are marked done only for documents
   Elasticsearch acknowledged; failures back off exponentially.
3. ``reindex`` rebuilds a new versioned index from the database and swaps the alias.

The database is the truth; the index can always be rebuilt from it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from elasticsearch import ApiError, TransportError
from flask import Flask, current_app
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.orm import Session, attributes

from marketplace.models import Demand, Listing, Organization, Patent, SearchOutbox
from marketplace.models.types import utcnow
from search.client import DOC_TYPES, IndexNames, make_client
from search.documents import BUILDERS
from search.indexes import SearchIndex

log = logging.getLogger(__name__)
MODELS: dict[str, Any] = {"listings": Listing, "demands": Demand}
DOC_TYPE_OF = {Listing: "listings", Demand: "demands"}
SEARCH_ERRORS = (TransportError, ApiError, ConnectionError, OSError)
MAX_BACKOFF = timedelta(minutes=10)
BATCH = 500


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
    if not keys:
        return
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
                drain_once(fresh, search_index(app), limit=BATCH)
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


def init_app(app: Flask) -> None:
    app.config.setdefault("SEARCH_SYNC", "inline")
    install_session_hooks()


def search_index(app: Flask | None = None) -> SearchIndex:
    app = app or current_app._get_current_object()
    index = app.extensions.get("search_index")
    if index is None:
        index = SearchIndex(
            make_client(app.config),
            IndexNames(app.config["ELASTICSEARCH_INDEX_PREFIX"]),
            replicas=int(app.config.get("ELASTICSEARCH_REPLICAS", 0)),
        )
        app.extensions["search_index"] = index
    return index


# -- 2. the dispatcher ---------------------------------------------------------
@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0
    rows_done: int = 0


# Documents are built from plain column rows (one query for the rows with their
# organization's name, one for a chunk's patents), not from ORM objects: at reindex scale
# loading mapped objects cost as much as segmenting the text.
_COLUMNS: dict[str, tuple[Any, ...]] = {
    "listings": (
        Listing.id, Listing.version, Listing.status, Listing.title, Listing.summary,
        Listing.description, Listing.tags, Listing.domain, Listing.region, Listing.language,
        Listing.organization_id, Listing.published_at, Listing.currency, Listing.trl,
        Listing.transfer_modes, Listing.price_type, Listing.price_amount,
    ),
    "demands": (
        Demand.id, Demand.version, Demand.status, Demand.title, Demand.description,
        Demand.domain, Demand.region, Demand.language, Demand.organization_id,
        Demand.published_at, Demand.currency, Demand.cooperation_modes, Demand.budget_min,
        Demand.budget_max, Demand.deadline,
    ),
}  # fmt: skip
_PATENT_COLUMNS = (
    Patent.listing_id, Patent.patent_number, Patent.patent_type, Patent.legal_status,
    Patent.ipc_codes, Patent.abstract, Patent.first_claim,
)  # fmt: skip


@dataclass(frozen=True)
class Current:
    """A row's state for the index: its version, and its document when published."""

    id: int
    version: int
    source: dict[str, Any] | None


def _current(session: Session, doc_type: str, condition, limit: int | None = None) -> list[Current]:
    model = MODELS[doc_type]
    stmt = (
        select(*_COLUMNS[doc_type], Organization.name.label("organization_name"))
        .outerjoin(Organization, Organization.id == model.organization_id)
        .where(condition)
        .order_by(model.id)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    published = [row.id for row in rows if row.status == "published"]
    patents: dict[int, list] = {i: [] for i in published}
    if doc_type == "listings" and published:
        for patent in session.execute(
            select(*_PATENT_COLUMNS)
            .where(Patent.listing_id.in_(published))
            .order_by(Patent.listing_id, Patent.id)
        ):
            patents[patent.listing_id].append(patent)
    build = BUILDERS[doc_type]
    return [
        Current(row.id, row.version, build(row, patents[row.id]) if row.id in patents else None)
        for row in rows
    ]


def _load(session: Session, doc_type: str, ids: list[int]) -> dict[int, Current]:
    return {c.id: c for c in _current(session, doc_type, MODELS[doc_type].id.in_(ids))}


def _action(doc_id: int, row: Current | None) -> dict[str, Any]:
    if row is not None and row.source is not None:
        return {
            "_op_type": "index",
            "_id": str(doc_id),
            "_version": row.version,
            "_source": row.source,
        }
    if row is not None:
        # Unpublished: remove it, versioned so that it cannot undo a later re-publication.
        return {"_op_type": "delete", "_id": str(doc_id), "_version": row.version}
    # Deleted from the database (only drafts can be, so it was never published): a plain
    # delete, since a versioned tombstone could block a SQLite row that reuses the id.
    return {"_op_type": "delete", "_id": str(doc_id)}


def drain_once(
    session: Session, index: SearchIndex, limit: int = BATCH, refresh: bool = False
) -> DrainResult:
    """Send up to ``limit`` due outbox rows; commit their new state. Never raises for
    an unreachable Elasticsearch: the rows back off and stay pending."""
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
    result = DrainResult()
    if not rows:
        session.commit()
        return result
    by_type: dict[str, set[int]] = {}
    for row in rows:
        by_type.setdefault(row.doc_type, set()).add(row.doc_id)
    acknowledged: set[tuple[str, int]] = set()
    errors: dict[tuple[str, int], str] = {}
    for doc_type, ids in by_type.items():
        try:
            current = _load(session, doc_type, sorted(ids))
            actions = [_action(i, current.get(i)) for i in sorted(ids)]
            target = index.ensure(doc_type)
            bulk = index.bulk(target, actions, refresh=refresh)
        except SEARCH_ERRORS as exc:
            for i in ids:
                errors[(doc_type, i)] = f"{type(exc).__name__}: {exc}"[:500]
            continue
        acknowledged |= {(doc_type, int(i)) for i in bulk.ok}
        errors |= {(doc_type, int(i)): reason for i, reason in bulk.failed.items()}
    for row in rows:
        key = (row.doc_type, row.doc_id)
        if key in acknowledged:
            row.done_at = now
            result.rows_done += 1
        else:
            row.attempts += 1
            row.last_error = errors.get(key, "not acknowledged")
            backoff = min(timedelta(seconds=2 ** min(row.attempts, 10)), MAX_BACKOFF)
            row.next_attempt_at = now + backoff
    result.sent = len(acknowledged)
    result.failed = len({(r.doc_type, r.doc_id) for r in rows} - acknowledged)
    # Alerts for what is now in the index, queued in this same commit (run by `drain`).
    from marketplace.discovery import alerts  # noqa: PLC0415 - alerts imports search

    alerts.enqueue(session, acknowledged)
    session.commit()
    return result


def drain(
    session: Session,
    index: SearchIndex,
    *,
    once: bool = True,
    poll_seconds: float = 1.0,
    on_batch: Callable[[DrainResult], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> int:
    """Empty the outbox (once) or keep draining (worker). Returns rows marked done."""
    from marketplace.discovery import alerts  # noqa: PLC0415 - alerts imports search

    total = 0
    while True:
        batch = drain_once(session, index)
        total += batch.rows_done
        alerts.run_due(session)  # the worker's second duty; never raises for a bad job
        if on_batch and (batch.rows_done or batch.failed):
            on_batch(batch)
        if batch.rows_done == 0 and (once or batch.failed == 0):
            if once or stop():
                return total
            time.sleep(poll_seconds)
        elif once and batch.failed and batch.rows_done == 0:
            return total


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


# -- 3. reindex and status ------------------------------------------------------
def published_documents(
    session: Session, doc_type: str, chunk: int = 1000
) -> Iterator[tuple[str, int, dict]]:
    model = MODELS[doc_type]
    last_id = 0
    while True:
        rows = _current(
            session, doc_type, (model.status == "published") & (model.id > last_id), chunk
        )
        if not rows:
            return
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
    result = index.reindex(doc_type, lambda: published_documents(session, doc_type), progress)
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
        current = _load(session, doc_type, changed)
        index.bulk(index.names.alias(doc_type), [_action(i, current.get(i)) for i in changed])
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


__all__ = [
    "DOC_TYPES",
    "backlog",
    "compare",
    "drain",
    "drain_once",
    "init_app",
    "published_count",
    "reindex",
    "retry_now",
    "search_index",
]
