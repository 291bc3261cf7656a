"""Fixtures for the notification tests: the search tests' local search server (alerts run
after Elasticsearch acknowledged an item), a mail folder per test, and helpers."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.core.mailer import sent_files
from marketplace.discovery import worker
from marketplace.discovery.index import search_index
from marketplace.extensions import db
from marketplace.models import AlertJob, Notification
from marketplace.models.notifications import ALERT_KINDS
from tests.search.conftest import (  # noqa: F401 - shared fixtures
    embedder_name,
    search_app,
    search_server,
)


@pytest.fixture
def mailbox(app, tmp_path) -> Path:
    saved = app.config["MAIL_FILE_DIR"], app.config.get("MAIL_SERVER")
    folder = tmp_path / "mail"
    app.config.update(MAIL_FILE_DIR=str(folder), MAIL_SERVER="")
    yield folder
    app.config["MAIL_FILE_DIR"], app.config["MAIL_SERVER"] = saved


def work(app) -> None:
    """What the worker does: drain the outbox, then run the alert jobs."""
    with app.app_context():
        worker.drain(db.session, search_index(), once=True)


def notes(app, user=None, kind=None, kinds=ALERT_KINDS) -> list[Notification]:
    """The notifications written (by default the match and saved-search alerts only: the
    fixtures' own reviews tell their owners that their items are published)."""
    with app.app_context():
        stmt = select(Notification).order_by(Notification.id)
        if kinds is not None:
            stmt = stmt.where(Notification.kind.in_(kinds))
        if user is not None:
            stmt = stmt.where(Notification.user_id == user.id)
        if kind is not None:
            stmt = stmt.where(Notification.kind == kind)
        rows = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return rows


def jobs(app) -> list[AlertJob]:
    with app.app_context():
        rows = list(db.session.scalars(select(AlertJob).order_by(AlertJob.id)))
        db.session.expunge_all()
        return rows


def mails(folder: Path) -> list[dict[str, str]]:
    """The messages written to the folder: recipient, subject and decoded text."""
    out = []
    for path in sent_files(folder) if folder.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        out.append(
            {
                "to": str(message["To"]),
                "subject": str(message["Subject"]),
                "body": message.get_body(("plain",)).get_content(),
            }
        )
    return out
