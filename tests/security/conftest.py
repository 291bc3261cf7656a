"""Fixtures for the security tests."""

from __future__ import annotations

import re
from email import message_from_bytes

import pytest

from marketplace.core.mailer import sent_files
from marketplace.extensions import limiter


@pytest.fixture
def rate_limits(app):
    """Rate limits switched on (the suite runs with them off), counters empty."""
    limiter.enabled = True
    limiter.reset()
    yield
    limiter.reset()
    limiter.enabled = False


@pytest.fixture
def mailbox(app, tmp_path, monkeypatch):
    """Mail written under a fresh folder; ``mailbox()`` returns the messages sent so far."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path / "mail"))

    def messages():
        out = []
        for path in sent_files(tmp_path / "mail"):
            msg = message_from_bytes(path.read_bytes())
            body = msg.get_payload(decode=True).decode(msg.get_content_charset() or "utf-8")
            out.append((msg["To"], body))
        return out

    return messages


def reset_link(body: str) -> str:
    """The path of the reset link in a mail body."""
    match = re.search(r"https?://[^/\s]+(/password/reset/\S+)", body)
    assert match, body
    return match.group(1)
