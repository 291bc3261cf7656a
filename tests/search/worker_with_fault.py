"""`flask search drain` with one fault point armed, for the kill drill
(tests/search/test_worker_kill_drill.py): ``python -m tests.search.worker_with_fault``.

At the point named by DRILL_POINT the worker writes that name into the file DRILL_MARK
and stops there, with its transaction open, until the test kills it (SIGKILL):

- ``acknowledged``: Elasticsearch acknowledged the batch and its alert jobs are written,
  but the commit that marks the outbox rows done has not happened;
- ``alert_job``: an alert job wrote its notifications, not yet committed;
- ``mail``: a notification's e-mail is about to be sent.

Without DRILL_POINT it is the plain command. Nothing of this is in the app: the faults are
monkeypatches on the worker's own functions, applied before the CLI starts.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def _stop_here(point: str) -> None:
    Path(os.environ["DRILL_MARK"]).write_text(point)
    time.sleep(600)  # the test kills the process long before this ends
    raise SystemExit(f"{point}: not killed in time")


def arm(point: str) -> None:
    if point == "acknowledged":
        from marketplace.discovery import worker

        after_ack = worker.after_ack

        def acknowledged_then_stop(session, acknowledged):
            after_ack(session, acknowledged)
            session.flush()
            _stop_here(point)

        worker.after_ack = acknowledged_then_stop
    elif point == "alert_job":
        from marketplace.discovery import alerts

        run = alerts._run

        def notified_then_stop(session, job):
            created = run(session, job)
            session.flush()
            if created:
                _stop_here(point)
            return created

        alerts._run = notified_then_stop
    elif point == "mail":
        from marketplace.notifications import inbox

        inbox._send_one = lambda notification: _stop_here(point)
    elif point:
        raise SystemExit(f"unknown DRILL_POINT {point!r}")


if __name__ == "__main__":
    arm(os.environ.get("DRILL_POINT", ""))
    from flask.cli import main

    sys.argv = ["flask", "--app", "marketplace", "search", "drain", *sys.argv[1:]]
    main()
