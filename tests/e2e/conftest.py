"""Browser end-to-end tests: the real app on a loopback port, driven in headless Chromium.

Run them with `make e2e` (it installs Debian's chromium and Playwright for Python);
plain `make test` skips this folder. The browser is the system's /usr/bin/chromium
(E2E_CHROMIUM overrides it): Playwright never downloads one.

- ``app`` overrides the suite's session app: CSRF on (the browser sends real tokens),
  no SERVER_NAME, its own migrated database (SQLite, or TEST_DATABASE_URL), tables
  emptied after each test by the suite's autouse fixture (``real_commits``: the server
  thread reads what the test wrote).
- ``live_server`` serves that app from a werkzeug thread on a free loopback port.
- ``e2e_search`` points the app at the suite's local search server (noida-db) with a fresh
  index prefix per test, syncing inline.
- ``browser_page(name)`` opens a page in a fresh browser context (its own cookies: one per
  person in a flow). When a test fails, every open page is saved as a screenshot and its
  HTML into a folder that the failure message prints (``E2E_ARTIFACTS`` or
  instance/e2e-failures/).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.discovery import outbox
from marketplace.discovery.index import search_index
from marketplace.extensions import db, limiter
from tests.conftest import use_fast_sqlite
from tests.search.conftest import search_server  # noqa: F401 - the session fixture, reused

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - said plainly instead of a collection traceback
    pytest.exit("Playwright is not installed: run `make e2e`.", returncode=4)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
# Known-good flags for Debian's chromium in a container: without the background-networking
# ones it tries to reach Google's services and its own connections get refused en masse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 10_000  # for each action and each expectation: generous for a busy CI machine
_prefixes = itertools.count()


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The app as a browser meets it (overrides tests/conftest.py's ``app``)."""
    instance = tempfile.mkdtemp(prefix="techmarket-e2e-")
    os.environ["INSTANCE_PATH"] = instance
    app = create_app(
        {
            "SECRET_KEY": "e2e-only-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": True,
            "SEARCH_SYNC": "inline",
            "ELASTICSEARCH_URL": "http://127.0.0.1:9",  # nothing: e2e_search points it somewhere
            "ATTACHMENTS_DIR": os.path.join(instance, "attachments"),
            # Buyers pay by bank transfer into this (test) escrow account.
            "OFFLINE_BANK_NAME": "测试银行 TEST BANK",
            "OFFLINE_BANK_HOLDER": "科技大市场测试托管账户",
            "OFFLINE_BANK_ACCOUNT": "TEST 6222 0000 0000",
            "MAIL_FILE_DIR": os.path.join(instance, "mail"),
        }
    )
    # Many logins in a few seconds from one address: rate limits are tested elsewhere.
    limiter.enabled = False
    use_fast_sqlite(app)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(instance, ignore_errors=True)


@pytest.fixture
def real_commits() -> bool:
    """The live server's threads read what a test wrote: every e2e test commits for real."""
    return True


class LiveServer:
    """The app served from a thread; its request log stays quiet unless something fails."""

    def __init__(self, app: Flask):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def e2e_search(app: Flask, search_server) -> Iterator[Callable[[], None]]:  # noqa: F811
    """The app on the local search server with a fresh index prefix; yields ``refresh()``."""
    saved = {k: app.config[k] for k in ("ELASTICSEARCH_URL", "ELASTICSEARCH_INDEX_PREFIX")}
    app.config.update(
        ELASTICSEARCH_URL=search_server.url,
        ELASTICSEARCH_INDEX_PREFIX=f"e2e{os.getpid()}-{next(_prefixes)}",
    )
    app.extensions.pop("search_index", None)
    with app.app_context():
        index = search_index(app)
        for doc_type in outbox.DOC_TYPES:
            index.ensure(doc_type)

    def refresh() -> None:
        with app.app_context():
            for doc_type in outbox.DOC_TYPES:
                search_index(app).refresh(doc_type)

    yield refresh
    with app.app_context():
        index = search_index(app)
        for doc_type in outbox.DOC_TYPES:  # by name: the server refuses wildcards
            for name in index.versions(doc_type):
                index.client.indices.delete(index=name)
        db.session.remove()
    app.extensions.pop("search_index", None)
    app.config.update(saved)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=TIMEOUT_MS)
    if not os.path.exists(CHROMIUM):
        pytest.exit(f"{CHROMIUM} not found: `make e2e` installs Debian's chromium.", returncode=4)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Session:
    """One person's browser: a context with its own cookies, one page, and what went wrong."""

    def __init__(self, name: str, context: BrowserContext, base_url: str):
        self.name = name
        self.context = context
        self.base_url = base_url
        self.page: Page = context.new_page()
        self.server_errors: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("response", self._on_response)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))

    def _on_response(self, response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def _on_console(self, message) -> None:
        # A 4xx answer is logged as "Failed to load resource": expected after a refused form,
        # and judged by the tests themselves; 5xx answers are caught in _on_response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)


@pytest.fixture
def browser_page(browser: Browser, live_server: LiveServer, request) -> Iterator[Callable]:
    """``browser_page("buyer")`` → a Page on the live server, in Chinese, with fresh cookies."""
    sessions: list[Session] = []
    request.node.e2e_sessions = sessions

    def open_page(name: str = "visitor", locale: str = "zh-CN") -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        session = Session(name, context, live_server.url)
        sessions.append(session)
        return session.page

    yield open_page
    problems = [f"{s.name}: server error {e}" for s in sessions for e in s.server_errors]
    problems += [
        f"{s.name}: browser console error: {e}" for s in sessions for e in s.console_errors
    ]
    if problems and not getattr(request.node, "e2e_failed", False):
        folder = save_artifacts(sessions, request.node.nodeid.split("::", 1)[-1])
        problems.append(f"screenshots and page HTML saved in {folder}")
    else:
        problems = []
    for session in sessions:
        session.context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# Screenshots on failure ---------------------------------------------------------------------


def artifacts_root() -> Path:
    return Path(os.environ.get("E2E_ARTIFACTS") or ROOT / "instance" / "e2e-failures")


def save_artifacts(sessions: list[Session], test_name: str) -> Path:
    """A screenshot (whole page) and the HTML of each person's page, into a new folder."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)[:120]
    folder = artifacts_root() / f"{time.strftime('%Y%m%d-%H%M%S')}-{slug}"
    folder.mkdir(parents=True, exist_ok=True)
    for n, session in enumerate(sessions, 1):
        stem = folder / f"{n}-{session.name}"
        page = session.page
        notes = [f"url: {page.url}"]
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)
            stem.with_suffix(".html").write_text(page.content(), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001 - a dead page must not hide the real failure
            notes.append(f"could not save the page: {exc}")
        notes += [f"server error: {e}" for e in session.server_errors]
        notes += [f"console error: {e}" for e in session.console_errors]
        stem.with_suffix(".txt").write_text("\n".join(notes) + "\n", encoding="utf-8")
    return folder


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    sessions = getattr(item, "e2e_sessions", None)
    if report.when != "call" or not report.failed or not sessions:
        return
    item.e2e_failed = True
    folder = save_artifacts(sessions, item.nodeid.split("::", 1)[-1])
    message = f"screenshots and page HTML saved in {folder}"
    if hasattr(report.longrepr, "addsection"):
        report.longrepr.addsection("e2e artifacts", message)
    else:
        report.sections.append(("e2e artifacts", message))
