"""Alerts for newly published listings and demands, and for challenges that open, run by
the outbox worker (a challenge's job is written when it opens, by
challenges.workflow.confirm_funding; challenge_matching.notify_organizations runs it).

1. ``enqueue``: the search dispatcher (outbox.drain_once, as the worker's after_ack hook) calls it in the commit that
   marks outbox rows done, with the documents Elasticsearch acknowledged. Each one that
   is published gets one ``alert_job`` per publication (unique on doc, published_at), so
   the index already holds the item when its alerts run, and a second drain, a second
   worker or a later edit adds nothing.
2. ``run_due``: the worker (worker.drain, ``flask search drain``) runs due jobs, one
   transaction each. A job finds the strongly matching open items on the other side
   (the matcher) and notifies the users of their organizations; and it notifies the
   owners of saved searches that find the new item. Notifications are unique per (user,
   kind, listing, demand), so a pair is never announced twice to the same user.
3. Failures never touch search sync: the outbox rows are already done. A failing job is
   rolled back, its error recorded, and it is retried with back-off (MAX_ATTEMPTS times,
   then left with its error for an operator: ``flask search status`` counts them).

Nothing is sent for an item that is not published when its job runs (withdrawn or taken
down in between), nor to a target that is not published, nor to the item's own
organization, nor to users who turned the kind of alert off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from marketplace.core import localtime
from marketplace.discovery import challenge_matching, match_store, saved_searches
from marketplace.discovery.index import SEARCH_ERRORS, search_index
from marketplace.discovery.matching import match_demands, match_listings
from marketplace.models import AlertJob, Challenge, Demand, Listing, SavedSearch, User
from marketplace.models.types import utcnow
from marketplace.notifications import inbox as notifications

log = logging.getLogger(__name__)
MODELS: dict[str, Any] = {"listings": Listing, "demands": Demand}
# Only publications this recent are announced (an old item re-sent after an outage of
# more than a week, or touched by an import, is not news).
ALERT_WINDOW = timedelta(days=7)
MATCH_K = 20
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=1)
TERMS_KEPT = 12


# -- 1. jobs, written with the outbox acknowledgement ----------------------------
def enqueue(session: Session, acknowledged: Iterable[tuple[str, int]]) -> int:
    """One alert job per acknowledged document that is published (recently); the
    caller commits. Returns the number of new jobs."""
    by_type: dict[str, list[int]] = {}
    for doc_type, doc_id in acknowledged:
        by_type.setdefault(doc_type, []).append(doc_id)
    now = utcnow()
    rows = []
    for doc_type, ids in by_type.items():
        model = MODELS[doc_type]
        for doc_id, published_at in session.execute(
            select(model.id, model.published_at).where(
                model.id.in_(ids),
                model.status == "published",
                model.published_at >= now - ALERT_WINDOW,
            )
        ):
            rows.append(
                {
                    "doc_type": doc_type,
                    "doc_id": doc_id,
                    "published_at": published_at,
                    "created_at": now,
                    "attempts": 0,
                    "last_error": "",
                }
            )
    if not rows:
        return 0
    # One order for every worker: a worker's insert waits for another's uncommitted job
    # with the same key, and two workers waiting in opposite orders would deadlock.
    rows.sort(key=lambda row: (row["doc_type"], row["doc_id"]))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = session.execute(insert(AlertJob).values(rows).on_conflict_do_nothing())
    return max(result.rowcount or 0, 0)


# -- 2. running them ---------------------------------------------------------------
@dataclass
class AlertResult:
    jobs_done: int = 0
    jobs_failed: int = 0
    notified: int = 0
    mailed: int = 0


def find_matches(session: Session, doc_type: str, item_id: int) -> list[Any]:
    """The matcher's answer for a new item: for a listing, the demands it could serve;
    for a demand, the listings that could solve it. Each has ``listing_id``,
    ``demand_id``, ``score``, ``matched_terms`` and ``strong``. (The one call into the
    matcher, so tests can stand in for it.)"""

    if doc_type == "listings":
        return match_demands(session, item_id, k=MATCH_K)
    return match_listings(session, item_id, k=MATCH_K)


def run_due(session: Session, limit: int = 50) -> AlertResult:
    """Run up to ``limit`` due alert jobs, each in its own transaction, then send the
    e-mail copies. Errors of a job are recorded on it, never raised."""
    result = AlertResult()
    _refresh_if_due(session)
    for _ in range(limit):
        job = _claim(session)
        if job is None:
            break
        job_id = job.id
        try:
            result.notified += _run(session, job)
            job.done_at = utcnow()
            job.last_error = ""
            session.commit()
            result.jobs_done += 1
        except Exception as exc:  # noqa: BLE001 - recorded on the job and logged; retried
            session.rollback()
            log.exception("alert job %s failed; it will be retried", job_id)
            _record_failure(session, job_id, exc)
            result.jobs_failed += 1
    session.commit()
    result.mailed = notifications.send_pending_mail(session)
    return result


def _refresh_if_due(session: Session) -> None:
    """Make just-acknowledged documents searchable before jobs query them (Elasticsearch
    shows new documents after a refresh, normally within a second)."""
    due = session.scalars(
        select(AlertJob.doc_type)
        .where(AlertJob.done_at.is_(None))
        .where((AlertJob.next_attempt_at.is_(None)) | (AlertJob.next_attempt_at <= utcnow()))
        .distinct()
    ).all()
    index = search_index()
    for doc_type in due:
        if doc_type not in MODELS:
            continue  # a challenge is not indexed: its job queries the listings as they are
        try:
            index.refresh(doc_type)
        except SEARCH_ERRORS as exc:
            log.warning("alerts: could not refresh %s: %s", doc_type, exc)


def _claim(session: Session) -> AlertJob | None:
    """The oldest due job, locked (PostgreSQL: other workers skip it)."""
    now = utcnow()
    return session.scalar(
        select(AlertJob)
        .where(AlertJob.done_at.is_(None))
        .where((AlertJob.next_attempt_at.is_(None)) | (AlertJob.next_attempt_at <= now))
        .order_by(AlertJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def _record_failure(session: Session, job_id: int, exc: Exception) -> None:
    job = session.get(AlertJob, job_id)
    if job is None:
        return
    now = utcnow()
    job.attempts += 1
    job.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if job.attempts >= MAX_ATTEMPTS:
        job.done_at = now  # given up; the error stays on the row
    else:
        job.next_attempt_at = now + min(timedelta(seconds=2 ** (job.attempts + 2)), MAX_BACKOFF)
    session.commit()


def _run(session: Session, job: AlertJob) -> int:
    if job.doc_type == "challenges":
        # Its related listings are stored first (the page reads them), then the
        # organizations behind the strong ones are told, from the same list.
        match_store.refresh(session, "challenges", job.doc_id)
        challenge = session.get(Challenge, job.doc_id)
        if challenge is None:
            return 0
        return challenge_matching.notify_organizations(session, challenge)
    item = session.get(MODELS[job.doc_type], job.doc_id)
    if item is None or item.status != "published":
        return 0  # withdrawn, taken down or deleted since: nothing to announce
    return match_alerts(session, job.doc_type, item) + saved_search_alerts(
        session, job.doc_type, item
    )


def _members(session: Session, organization_ids: set[int]) -> dict[int, list[User]]:
    users: dict[int, list[User]] = {}
    if not organization_ids:
        return users
    for user in session.scalars(
        select(User)
        .where(User.organization_id.in_(organization_ids), User.active.is_(True))
        .order_by(User.id)
    ):
        users.setdefault(user.organization_id, []).append(user)
    return users


def _open(item: Listing | Demand) -> bool:
    if item.status != "published":
        return False
    deadline = getattr(item, "deadline", None)
    return deadline is None or deadline >= localtime.today()


def match_alerts(session: Session, doc_type: str, item: Listing | Demand) -> int:
    """Notify the owners of open items on the other side that strongly match ``item``."""
    matches = [m for m in find_matches(session, doc_type, item.id) if m.strong]
    if not matches:
        return 0
    other_model = Demand if doc_type == "listings" else Listing
    other_ids = {m.demand_id if doc_type == "listings" else m.listing_id for m in matches}
    others = {
        o.id: o for o in session.scalars(select(other_model).where(other_model.id.in_(other_ids)))
    }
    members = _members(session, {o.organization_id for o in others.values()})
    prefs = notifications.preferences_of(
        session, [u.id for users in members.values() for u in users]
    )
    kind = "match_listing" if doc_type == "listings" else "match_demand"
    created = 0
    for m in matches:
        other = others.get(m.demand_id if doc_type == "listings" else m.listing_id)
        if other is None or not _open(other) or other.organization_id == item.organization_id:
            continue
        listing, demand = (item, other) if doc_type == "listings" else (other, item)
        payload = {
            "listing_title": listing.title,
            "demand_title": demand.title,
            "score": round(float(m.score), 4),
            "matched_terms": list(m.matched_terms)[:TERMS_KEPT],
        }
        for user in members.get(other.organization_id, []):
            pref = prefs[user.id]
            if not pref.match_alerts:
                continue
            if notifications.create(
                session,
                user_id=user.id,
                kind=kind,
                listing_id=listing.id,
                demand_id=demand.id,
                payload=payload,
                email=pref.email,
            ):
                created += 1
    return created


def saved_search_alerts(session: Session, doc_type: str, item: Listing | Demand) -> int:
    """Notify the owners of saved searches (alerts on) that find the new item."""
    candidates = [
        s
        for s, organization_id in session.execute(
            select(SavedSearch, User.organization_id)
            .join(User, User.id == SavedSearch.user_id)
            .where(
                SavedSearch.doc_type == doc_type,
                SavedSearch.alerts.is_(True),
                User.active.is_(True),
            )
            .order_by(SavedSearch.id)
        )
        # Not about the searcher's own organization's items; not when the filters
        # already rule the item out.
        if organization_id != item.organization_id and saved_searches.could_match(s, item)
    ]
    if not candidates:
        return 0
    prefs = notifications.preferences_of(session, sorted({s.user_id for s in candidates}))
    created = 0
    for saved in candidates:
        pref = prefs[saved.user_id]
        if not pref.saved_search_alerts:
            continue
        if item.id not in saved_searches.matching_ids(saved, [item.id]):
            continue
        new_id = notifications.create(
            session,
            user_id=saved.user_id,
            kind="saved_search",
            listing_id=item.id if doc_type == "listings" else None,
            demand_id=item.id if doc_type == "demands" else None,
            saved_search_id=saved.id,
            payload={"search_name": saved.name, "item_title": item.title},
            email=pref.email,
        )
        if new_id:
            created += 1
            if saved.last_notified_at is None or _later(item.published_at, saved.last_notified_at):
                saved.last_notified_at = item.published_at
    return created


def _later(a, b) -> bool:
    return saved_searches.aware(a) > saved_searches.aware(b)


def status(session: Session) -> tuple[int, int]:
    """(jobs waiting to run, jobs given up after MAX_ATTEMPTS) for `flask search status`."""
    waiting = session.scalar(
        select(func.count()).select_from(AlertJob).where(AlertJob.done_at.is_(None))
    )
    given_up = session.scalar(
        select(func.count())
        .select_from(AlertJob)
        .where(AlertJob.done_at.is_not(None), AlertJob.last_error != "")
    )
    return waiting or 0, given_up or 0
