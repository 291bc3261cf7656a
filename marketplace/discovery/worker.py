"""The search worker (``flask search drain``): drains the outbox, runs the alert jobs that
each acknowledged document queued, and refreshes the stored matches it made stale. It
composes the three; none knows the others."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from flask import Flask
from sqlalchemy.orm import Session

from marketplace.discovery import alerts, match_store, outbox
from marketplace.discovery.outbox import DrainResult
from search.indexes import SearchIndex


def after_ack(session: Session, acknowledged: Iterable[tuple[str, int]]) -> None:
    """In the commit that marks documents done: queue their alerts, and mark the stored
    matches they change stale."""
    acknowledged = list(acknowledged)
    alerts.enqueue(session, acknowledged)
    match_store.enqueue(session, acknowledged)


def init_app(app: Flask) -> None:
    outbox.init_app(app, after_ack=after_ack)


def drain(
    session: Session,
    index: SearchIndex,
    *,
    once: bool = True,
    poll_seconds: float = 1.0,
    on_batch: Callable[[DrainResult], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
    periodic: Callable[[], object] | None = None,
) -> int:
    """Empty the outbox (once) or keep draining (worker). Returns rows marked done.
    ``periodic`` is called once per round: the command line hands in the duties of
    higher layers (refreshing the statistics when due), which this module cannot import."""
    total = 0
    while True:
        if periodic is not None:
            periodic()
        batch = outbox.drain_once(session, index, after_ack=after_ack)
        total += batch.rows_done
        alerts.run_due(session)  # the worker's second duty; never raises for a bad job
        refreshed = match_store.refresh_due(session)  # the third; never raises either
        if on_batch and (batch.rows_done or batch.failed):
            on_batch(batch)
        if refreshed and once:
            continue  # refreshing can make more items stale: until none is left
        if batch.rows_done == 0 and (once or batch.failed == 0):
            if once or stop():
                return total
            time.sleep(poll_seconds)
        elif once and batch.failed and batch.rows_done == 0:
            return total
