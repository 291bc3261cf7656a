"""SECRET_KEY generated into the instance folder by processes that start together."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

from marketplace import config


def test_a_process_that_loses_the_race_reads_the_winners_key(tmp_path, monkeypatch):
    (tmp_path / "secret_key").write_text("the-winners-key")
    # It looked before the winner wrote the file.
    monkeypatch.setattr(Path, "exists", lambda self: False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert config.load_secret_key(str(tmp_path)) == "the-winners-key"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no candidate left


def _load(instance: str) -> str:
    return config.load_secret_key(instance)


def test_processes_starting_together_share_one_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with multiprocessing.get_context("fork").Pool(6) as pool:
        keys = pool.map(_load, [str(tmp_path)] * 24)
    assert len(set(keys)) == 1 and len(keys[0]) > 40
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
