"""Counting the views of listing and demand pages, cheaply.

A page view adds one to a counter in the web process's memory (``ViewBuffer.add``: a dict
under a lock, nothing else); the buffer is written to ``item_view_count`` in one
statement per batch (an upsert adding to the day's row), after a response has been sent,
once the oldest count waits ``flush_seconds`` or ``max_keys`` items are waiting, and by
``flask stats refresh``. A process that dies loses at most its unwritten batch.

Not counted: bots, crawlers and spiders by their user agent (the crawlerdetect library's
patterns; an empty user agent too), the members of the item's own organization, and
operators (their views are reviews, not interest).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import date, datetime
from functools import lru_cache

from crawlerdetect import CrawlerDetect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from marketplace.core.uow import unit_of_work
from marketplace.models import Demand, ItemViewCount, Listing, User
from marketplace.models.types import utcnow
from marketplace.statistics.periods import local_today

log = logging.getLogger(__name__)

Key = tuple[str, int, date]  # (doc_type, doc_id, Asia/Shanghai day)

_detector = CrawlerDetect()
_detector_lock = threading.Lock()


@lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    """Whether the user agent is a bot's (cached: a page asks once per distinct agent)."""
    if not (user_agent or "").strip():
        return True
    with _detector_lock:  # the detector keeps the last match on itself
        return bool(_detector.isCrawler(user_agent))


def counts_as_view(actor: User | None, item: Listing | Demand, user_agent: str) -> bool:
    if actor is not None and (
        actor.is_operator
        or (actor.organization_id and actor.organization_id == item.organization_id)
    ):
        return False
    return not is_bot(user_agent)


class ViewBuffer:
    """One web process's unwritten view counts."""

    def __init__(self, flush_seconds: float = 30.0, max_keys: int = 500):
        self.flush_seconds = flush_seconds
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._counts: Counter[Key] = Counter()
        self._oldest: float | None = None

    def add(self, doc_type: str, doc_id: int, now: datetime | None = None) -> None:
        key = (doc_type, doc_id, local_today(now or utcnow()))
        with self._lock:
            self._counts[key] += 1
            if self._oldest is None:
                self._oldest = time.monotonic()

    def due(self) -> bool:
        with self._lock:
            if not self._counts:
                return False
            waited = time.monotonic() - (self._oldest or 0)
            return waited >= self.flush_seconds or len(self._counts) >= self.max_keys

    def pending(self) -> dict[Key, int]:
        with self._lock:
            return dict(self._counts)

    def take(self) -> Counter[Key]:
        with self._lock:
            counts, self._counts, self._oldest = self._counts, Counter(), None
            return counts

    def put_back(self, counts: Counter[Key]) -> None:
        with self._lock:
            self._counts.update(counts)
            if self._oldest is None:
                self._oldest = time.monotonic()

    def flush(self, session: Session) -> int:
        """Write the waiting counts (one statement); returns the rows touched. On a
        database error the counts go back into the buffer for the next flush."""
        counts = self.take()
        if not counts:
            return 0
        try:
            write_counts(session, counts)
        except SQLAlchemyError:
            log.warning("view counts not written; kept for the next flush", exc_info=True)
            self.put_back(counts)
            return 0
        return len(counts)


@unit_of_work
def write_counts(session: Session, counts: Counter[Key]) -> None:
    """Add the counts to their (item, day) rows, creating the missing ones: one upsert
    for the whole batch, safe against another process writing the same rows."""
    rows = [
        {"doc_type": doc_type, "doc_id": doc_id, "day": day, "views": n}
        for (doc_type, doc_id, day), n in sorted(counts.items())
    ]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(ItemViewCount)
    stmt = stmt.on_conflict_do_update(
        index_elements=["doc_type", "doc_id", "day"],
        set_={"views": ItemViewCount.views + stmt.excluded.views},
    )
    session.execute(stmt, rows)
