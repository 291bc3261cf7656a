"""The search worker (``flask search drain``): drains the outbox and runs the alert jobs
that each acknowledged document queued. It composes the two; neither knows the other."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy.orm import Session

from marketplace.discovery import alerts, outbox
from marketplace.discovery.outbox import DrainResult
from search.indexes import SearchIndex


def init_app(app: Flask) -> None:
    # Alerts for what is now in the index are queued in the commit that marks it done.
    outbox.init_app(app, after_ack=alerts.enqueue)


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
    total = 0
    while True:
        batch = outbox.drain_once(session, index, after_ack=alerts.enqueue)
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
