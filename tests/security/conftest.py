"""Fixtures for the security tests."""

from __future__ import annotations

import re

import pytest

from marketplace.extensions import limiter
from tests import mails


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

    return lambda: mails.messages(tmp_path / "mail")


def reset_link(body: str) -> str:
    """The path of the reset link in a mail body."""
    match = re.search(r"https?://[^/\s]+(/password/reset/\S+)", body)
    assert match, body
    return match.group(1)
