"""Fixtures for the tests of running several processes (and of the installed wheel)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from tests.search.conftest import SearchServer


@pytest.fixture(scope="module")
def search_server() -> Iterator[SearchServer]:
    """A local noida-db (Elasticsearch 8 REST API) on a free loopback port."""
    data_dir = tempfile.mkdtemp(prefix="techmarket-deploy-search-")
    server = SearchServer(data_dir)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
