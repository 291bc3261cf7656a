"""Precomputed matches: each published item's best matches, kept up to date by the worker.

1. ``enqueue`` runs in the commit that marks outbox rows done (the worker's after_ack
   hook, with alerts.enqueue): an acknowledged item that is published (a demand: open)
   is marked stale, so its matches are recomputed; one that is not loses its stored
   matches. Either way the items on the other side whose stored matches name it are
   marked stale, and rows naming an item that is gone are deleted at once.
2. ``refresh_due`` (the worker, after each drain) recomputes stale items, one transaction
   each: the matcher's top STORED_K with probability, label and explanation replace the
   old rows. An item that now appears among another item's matches but is missing from
   that item's own stored list marks it stale, so a new listing reaches the demands it
   solves (and the other way round) without recomputing everything.
3. Pages and the API read them (match_records.stored_matches, through matching.py);
   nothing stored yet: they compute on demand.

揭榜挂帅 challenges that are open for proposals store their related listings the same way
(doc type "challenges", challenge_matching.candidates): the alert job computes them when
the challenge opens (alerts.py), and every acknowledged listing marks the open
challenges stale — a challenge is not in the index, so nothing finds it from the listing
side; there are few open at a time, and each is recomputed once per drained batch.

The database is the truth: readers still check the hard constraints against the rows as
they are now, so a change not yet refreshed never shows a pair that breaks one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from marketplace.core import localtime
from marketplace.core.uow import unit_of_work
from marketplace.discovery import challenge_matching
from marketplace.discovery.index import SEARCH_ERRORS, search_index
from marketplace.discovery.match_records import STORED_K, to_json
from marketplace.discovery.matching import Match, match_demands, match_listings
from marketplace.models import Challenge, Demand, Listing, MatchState, StoredMatch
from marketplace.models.types import utcnow

log = logging.getLogger(__name__)
OTHER = {"demands": "listings", "listings": "demands", "challenges": "listings"}
MODELS = {"demands": Demand, "listings": Listing, "challenges": Challenge}


def _live(item) -> bool:
    if isinstance(item, Challenge):
        return challenge_matching.is_open(item)
    if item is None or item.status != "published":
        return False
    deadline = getattr(item, "deadline", None)
    return deadline is None or deadline >= localtime.today()


def _mark_stale(session: Session, doc_type: str, ids: Iterable[int]) -> None:
    ids = sorted(set(ids))
    if not ids:
        return
    now = utcnow()
    existing = set(
        session.scalars(
            select(MatchState.doc_id).where(
                MatchState.doc_type == doc_type, MatchState.doc_id.in_(ids)
            )
        )
    )
    if existing:
        session.execute(
            update(MatchState)
            .where(MatchState.doc_type == doc_type, MatchState.doc_id.in_(existing))
            .values(stale=True, requested_at=now)
        )
    for doc_id in ids:
        if doc_id not in existing:
            session.add(MatchState(doc_type=doc_type, doc_id=doc_id, stale=True, requested_at=now))
    session.flush()


def _forget(session: Session, doc_type: str, doc_id: int) -> None:
    session.execute(
        delete(StoredMatch).where(StoredMatch.doc_type == doc_type, StoredMatch.doc_id == doc_id)
    )
    session.execute(
        delete(MatchState).where(MatchState.doc_type == doc_type, MatchState.doc_id == doc_id)
    )


# -- 1. on acknowledgement ----------------------------------------------------------------
def enqueue(session: Session, acknowledged: Iterable[tuple[str, int]]) -> None:
    """Mark what the acknowledged changes make stale; the caller commits."""
    by_type: dict[str, set[int]] = {}
    for doc_type, doc_id in acknowledged:
        by_type.setdefault(doc_type, set()).add(int(doc_id))
    for doc_type, ids in by_type.items():
        model, other = MODELS[doc_type], OTHER[doc_type]
        rows = {r.id: r for r in session.scalars(select(model).where(model.id.in_(ids)))}
        live = {i for i in ids if _live(rows.get(i))}
        for gone in sorted(ids - live):
            _forget(session, doc_type, gone)
        _mark_stale(session, doc_type, live)
        # The other side's lists that name these items: recompute them; drop the pairs
        # with items that are gone right away.
        naming = session.execute(
            select(StoredMatch.doc_id, StoredMatch.other_id).where(
                StoredMatch.doc_type == other, StoredMatch.other_id.in_(ids)
            )
        ).all()
        if ids - live:
            session.execute(
                delete(StoredMatch).where(
                    StoredMatch.doc_type == other, StoredMatch.other_id.in_(ids - live)
                )
            )
        _mark_stale(session, other, {doc_id for doc_id, _ in naming})
        if doc_type == "listings":
            _listings_changed(session, ids - live)


def _listings_changed(session: Session, gone: set[int]) -> None:
    """Listings were published, changed or withdrawn: open challenges' related listings
    may change (``gone``: listings no longer published, dropped from the lists now)."""
    if gone:
        session.execute(
            delete(StoredMatch).where(
                StoredMatch.doc_type == "challenges", StoredMatch.other_id.in_(gone)
            )
        )
    live = _open_challenges(session)
    stored = session.scalars(select(MatchState.doc_id).where(MatchState.doc_type == "challenges"))
    for closed in sorted(set(stored) - set(live)):
        _forget(session, "challenges", closed)  # withdrawn, decided or past its deadline
    _mark_stale(session, "challenges", live)


def _open_challenges(session: Session) -> list[int]:
    return [
        c.id
        for c in session.scalars(select(Challenge).where(Challenge.state == "open"))
        if _live(c)
    ]


@unit_of_work
def mark_all(session: Session) -> int:
    """Mark every published item stale (`flask match refresh`: after a deployment, a new
    model.json or a reindex); the worker then recomputes them. A unit of work."""
    count = 0
    for doc_type, model in MODELS.items():
        if model is Challenge:
            ids = _open_challenges(session)
        else:
            ids = [
                row.id
                for row in session.scalars(select(model).where(model.status == "published"))
                if _live(row)
            ]
        _mark_stale(session, doc_type, ids)
        count += len(ids)
    return count


# -- 2. the worker ------------------------------------------------------------------------
def refresh_due(session: Session, limit: int = 20) -> int:
    """Recompute up to ``limit`` stale items' matches, each in its own transaction.
    Returns how many were refreshed; a failure is logged and the item stays stale."""
    due = session.execute(
        select(MatchState.doc_type, MatchState.doc_id)
        .where(MatchState.stale.is_(True))
        .order_by(MatchState.requested_at, MatchState.id)
        .limit(limit)
    ).all()
    session.commit()
    if not due:
        return 0
    index = search_index()
    for doc_type in {OTHER[t] for t, _ in due}:
        try:
            index.refresh(doc_type)  # what was just acknowledged is searchable
        except SEARCH_ERRORS as exc:
            log.warning("stored matches: could not refresh %s: %s", doc_type, exc)
    done = 0
    for doc_type, doc_id in due:
        try:
            if not _claim(session, doc_type, doc_id):
                session.rollback()  # another worker is refreshing it now
                continue
            refresh(session, doc_type, doc_id)
            session.commit()
            done += 1
        except DBAPIError as exc:
            # Two workers marking the same new item stale at once (its state row), or a
            # deadlock the database broke: nothing is lost, the item stays stale.
            session.rollback()
            log.warning("stored matches of %s %s: %s; retried later", doc_type, doc_id, exc.orig)
        except Exception:  # noqa: BLE001 - logged; the item stays stale and is retried
            session.rollback()
            log.exception("stored matches of %s %s failed; retried later", doc_type, doc_id)
    return done


# Advisory lock classes (PostgreSQL's two-key form: class, item id).
_REFRESH_LOCK = {"listings": 7311, "demands": 7312, "challenges": 7313}


def _claim(session: Session, doc_type: str, doc_id: int) -> bool:
    """Take the item for this transaction: two workers never recompute one item at once
    (each would delete and insert the same stored rows). An advisory lock, not a row
    lock on its state: refreshing one item marks others stale, and row locks held across
    that would let two workers deadlock. Always true on SQLite (one writer)."""
    if session.get_bind().dialect.name == "postgresql" and not session.scalar(
        text("SELECT pg_try_advisory_xact_lock(CAST(:kind AS integer), CAST(:id AS integer))"),
        {"kind": _REFRESH_LOCK[doc_type], "id": doc_id},
    ):
        return False
    # Still stale? Another worker may have refreshed it since this one read the queue.
    return bool(
        session.scalar(
            select(MatchState.stale).where(
                MatchState.doc_type == doc_type, MatchState.doc_id == doc_id
            )
        )
    )


def refresh(session: Session, doc_type: str, doc_id: int) -> list[Match]:
    """Recompute one item's stored matches now (the caller commits)."""
    item = session.get(MODELS[doc_type], doc_id)
    if not _live(item):
        _forget(session, doc_type, doc_id)
        return []
    if doc_type == "challenges":
        found = [c.match for c in challenge_matching.candidates(session, item, fresh=True)]
        found = found[:STORED_K]
        others = [m.listing_id for m in found]
    elif doc_type == "demands":
        found = match_listings(session, doc_id, k=STORED_K)
        others = [m.listing_id for m in found]
    else:
        found = match_demands(session, doc_id, k=STORED_K)
        others = [m.demand_id for m in found]
    now = utcnow()
    session.execute(
        delete(StoredMatch).where(StoredMatch.doc_type == doc_type, StoredMatch.doc_id == doc_id)
    )
    for rank, (m, other_id) in enumerate(zip(found, others, strict=True), 1):
        session.add(
            StoredMatch(
                doc_type=doc_type,
                doc_id=doc_id,
                other_id=other_id,
                rank=rank,
                probability=m.probability if m.probability is not None else m.score,
                label=m.label,
                explanation=to_json(m),
                computed_at=now,
            )
        )
    state = session.scalar(
        select(MatchState).where(MatchState.doc_type == doc_type, MatchState.doc_id == doc_id)
    )
    if state is None:
        state = MatchState(doc_type=doc_type, doc_id=doc_id, requested_at=now)
        session.add(state)
    state.stale, state.computed_at = False, now
    session.flush()
    if doc_type == "challenges":
        return found  # listings store no challenges
    # Labelled matches whose own stored list lacks this item: recompute them too.
    other = OTHER[doc_type]
    shown = [o for m, o in zip(found, others, strict=True) if m.label]
    if shown:
        listed = set(
            session.scalars(
                select(StoredMatch.doc_id).where(
                    StoredMatch.doc_type == other,
                    StoredMatch.doc_id.in_(shown),
                    StoredMatch.other_id == doc_id,
                )
            )
        )
        _mark_stale(session, other, [o for o in shown if o not in listed])
    return found
