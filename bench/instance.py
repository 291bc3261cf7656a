"""A throw-away TechMarket for benchmarks and `make eval`: a temporary folder with a
SQLite database migrated to head and a local search server (noida-db), both gone on exit."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.extensions import db
from tests.search.conftest import SearchServer


@dataclass(frozen=True)
class Instance:
    app: Flask
    search_url: str
    workdir: str


@contextmanager
def temporary_instance(name: str, **config) -> Iterator[Instance]:
    """``name`` prefixes the folder and the search indexes; ``config`` adds settings."""
    workdir = tempfile.mkdtemp(prefix=f"techmarket-{name}-")
    os.environ["INSTANCE_PATH"] = os.path.join(workdir, "instance")
    server = SearchServer(os.path.join(workdir, "search-data"))
    try:
        server.start(timeout=60)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(workdir, f"{name}.sqlite3"),
                "ELASTICSEARCH_URL": server.url,
                "ELASTICSEARCH_INDEX_PREFIX": name,
                "SEARCH_SYNC": "worker",
                # noida-db answers a full-text query over 10,000 documents in seconds,
                # beyond the default 10 s timeout; a timeout would turn into a degraded
                # (database) answer and poison the figures.
                "ELASTICSEARCH_TIMEOUT": 300,
                "SECRET_KEY": f"{name}-only-secret",
                **config,
            }
        )
        with app.app_context():
            upgrade()
        yield Instance(app, server.url, workdir)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
