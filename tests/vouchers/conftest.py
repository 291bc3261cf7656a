from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def mailbox(app, tmp_path) -> Path:
    """Mail written as files to a folder of this test (no mail server)."""
    saved = app.config["MAIL_FILE_DIR"], app.config.get("MAIL_SERVER")
    folder = tmp_path / "mail"
    app.config.update(MAIL_FILE_DIR=str(folder), MAIL_SERVER="")
    yield folder
    app.config["MAIL_FILE_DIR"], app.config["MAIL_SERVER"] = saved
