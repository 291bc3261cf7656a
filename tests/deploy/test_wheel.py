"""The wheel, installed alone, run the way production runs it (`make test-wheel`).

Builds the sdist and from it the wheel (`python -m build` in a builder virtualenv), installs
the wheel with its `production` extra into a fresh virtualenv, and from a temporary folder
(no source tree on any path): migrates a new PostgreSQL database, loads the demo data,
serves the app with gunicorn (2 workers, rate limits counted in Redis), starts two
`flask search drain` workers over the one outbox against a local noida-db, and makes a
batch of changes through the JSON API while they run. Then:

- every outbox row was marked done exactly once: the rows each worker reports done add up
  to the rows in the table (a row done by both would count twice), and none is pending;
- the index is the database: one index behind each alias, and exactly the published rows
  in it, each at its row's version (`flask search status` agrees);
- pages come in Chinese from the compiled catalogs, static files are served, and the
  registration limit holds across both gunicorn workers (Redis).

Marked `wheel`: `make test` leaves it out (pyproject's addopts); `make test-wheel` runs it.
Each step has a timeout, every process is stopped at the end, the database dropped.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg
import pyotp
import pytest
from elasticsearch import Elasticsearch, helpers

from marketplace.demo.data import DEMO_TOTP_SECRETS
from tests.conftest import demand_payload, listing_payload
from tests.mails import link_path
from tests.search.conftest import SearchServer, free_port

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("WHEEL_REDIS_URL", "redis://127.0.0.1:6379/0")
DEMO_PASSWORD = {"operator": "demo-operator-2024", "enterprise": "demo-enterprise-2024"}
RESEARCHERS, LISTINGS_EACH, DEMANDS = 3, 8, 6
TIMINGS: dict[str, float] = {}


class Step:
    """Times a phase of the test; the figures are printed at the end."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.start = time.monotonic()
        print(f"[wheel] {self.name} …", flush=True)

    def __exit__(self, *exc):
        TIMINGS[self.name] = time.monotonic() - self.start


def run(cmd: list[str], *, timeout: float, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


class Processes:
    """Long-running children, each in its own process group with its output in a file."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, cmd: list[str], **kw) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kw
        )
        log.close()
        self.started.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen, grace: float = 60) -> int:
        """SIGTERM to the group (graceful for gunicorn and the drain worker), then SIGKILL."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
            if proc.poll() is not None:
                break
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=wait)
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
        return proc.wait(timeout=10)

    def stop_all(self) -> None:
        for _, proc in reversed(self.started):
            self.stop(proc, grace=20)

    def output(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def dump(self) -> None:
        for name, _ in self.started:
            print(f"----- {name} (last lines) -----\n{self.output(name)[-4000:]}")


class Api:
    """One client of the JSON API with its own session cookie and CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.csrf = ""

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict | str]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.csrf:
            request.add_header("X-CSRFToken", self.csrf)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with self.opener.open(request, timeout=60) as response:
                status, raw, kind = response.status, response.read(), response.headers
        except urllib.error.HTTPError as exc:
            status, raw, kind = exc.code, exc.read(), exc.headers
        text = raw.decode("utf-8", errors="replace")
        return status, json.loads(text) if "json" in kind.get("Content-Type", "") else text

    def ok(self, method: str, path: str, body=None, expect: int = 200) -> dict:
        status, answer = self.call(method, path, body)
        assert status == expect, f"{method} {path}: {status} {answer}"
        if isinstance(answer, dict) and "csrf_token" in answer:
            self.csrf = answer["csrf_token"]
        return answer

    def login(self, email: str, password: str) -> Api:
        status, answer = self.call(
            "POST", "/api/v1/auth/login", {"email": email, "password": password}
        )
        if status == 202 and isinstance(answer, dict) and answer.get("second_factor_required"):
            role = email.split("@", 1)[0]
            code = pyotp.TOTP(DEMO_TOTP_SECRETS[role]).now()
            self.ok("POST", "/api/v1/auth/login/second-factor", {"code": code})
        else:
            assert status == 200, f"login: {status} {answer}"
            if isinstance(answer, dict) and "csrf_token" in answer:
                self.csrf = answer["csrf_token"]
        return self


def wait_until(check: Callable[[], bool], what: str, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


# -- fixtures ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Iterator[Path]:
    """Build, virtualenvs, instance folder and logs; the virtualenvs (some 200 MB) go at
    the end, the logs stay with pytest's temporary folders."""
    path = tmp_path_factory.mktemp("wheel")
    yield path
    for name in ("builder", "venv", "dist"):
        shutil.rmtree(path / name, ignore_errors=True)


@pytest.fixture(scope="module")
def wheel(workdir: Path) -> Path:
    """sdist, then the wheel built from it, by `python -m build` in its own virtualenv."""
    with Step("build the sdist and the wheel"):
        builder = workdir / "builder"
        run([sys.executable, "-m", "venv", str(builder)], timeout=120)
        run([str(builder / "bin/pip"), "install", "-q", "build"], timeout=300)
        dist = workdir / "dist"
        run(
            [str(builder / "bin/python"), "-m", "build", "--outdir", str(dist), str(ROOT)],
            timeout=600,
        )
    (found,) = dist.glob("techmarket-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(workdir: Path, wheel: Path) -> Path:
    with Step("install the wheel into a fresh virtualenv"):
        target = workdir / "venv"
        run([sys.executable, "-m", "venv", str(target)], timeout=120)
        run([str(target / "bin/pip"), "install", "-q", f"{wheel}[production]"], timeout=900)
    return target


@pytest.fixture(scope="module")
def wheel_database() -> Iterator[str]:
    name = f"techmarket_wheel_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def redis_prefix(venv: Path) -> Iterator[str]:
    """A key prefix of our own in the shared Redis; its keys are deleted afterwards."""
    prefix = f"techmarket-wheel-{secrets.token_hex(4)}"
    yield prefix
    script = (
        "import redis, sys; r = redis.Redis.from_url(sys.argv[1]); "
        "keys = list(r.scan_iter('*' + sys.argv[2] + '*')); keys and r.delete(*keys)"
    )
    subprocess.run([str(venv / "bin/python"), "-c", script, REDIS_URL, prefix], timeout=30)


# -- the test ---------------------------------------------------------------------
def test_the_wheel_alone_serves_and_two_workers_index_each_change_once(
    wheel, venv, wheel_database, redis_prefix, search_server: SearchServer, workdir: Path
):
    started = time.monotonic()
    redis = urllib.parse.urlsplit(REDIS_URL)
    socket.create_connection((redis.hostname, redis.port or 6379), timeout=5).close()
    check_wheel_contents(wheel)
    here = workdir / "run"  # the processes' working directory: no source tree in it
    here.mkdir()
    prefix = f"wheel{secrets.token_hex(3)}"
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(workdir)),
        "LANG": "C.UTF-8",
        "DATABASE_URL": wheel_database,
        "ELASTICSEARCH_URL": search_server.url,
        "ELASTICSEARCH_INDEX_PREFIX": prefix,
        "SEARCH_SYNC": "worker",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "INSTANCE_PATH": str(workdir / "instance"),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        # Per address: each researcher's registration and its confirmation count.
        "REGISTER_ADDRESS_RATE_LIMIT": f"{2 * RESEARCHERS} per hour",
        "MAIL_FILE_DIR": str(workdir / "mail"),
        "LOGIN_RATE_LIMIT": "100 per minute",
        "WRITE_RATE_LIMIT": "1000 per minute",
    }
    flask = [str(venv / "bin/flask"), "--app", "marketplace"]

    def cli(*args: str, timeout: float = 180) -> str:
        return run([*flask, *args], cwd=here, env=env, timeout=timeout).stdout

    where = run(
        [str(venv / "bin/python"), "-c", "import marketplace; print(marketplace.__file__)"],
        cwd=here,
        env=env,
        timeout=60,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where

    logs = workdir / "logs"
    logs.mkdir()
    processes = Processes(logs)
    try:
        with Step("flask db upgrade, flask demo load"):
            cli("db", "upgrade")
            cli("demo", "load")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with Step("start gunicorn (2 workers) and two drain workers"):
            gunicorn = [str(venv / "bin/gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}"]
            processes.start(
                "gunicorn",
                [*gunicorn, "--timeout", "60", "--access-logfile", "-", "marketplace.wsgi:app"],
                cwd=here,
                env=env,
            )
            drains = [
                processes.start(f"drain{n}", [*flask, "search", "drain"], cwd=here, env=env)
                for n in (1, 2)
            ]
            wait_until(lambda: answers(base + "/"), "gunicorn to serve", timeout=120)

        with Step("a batch of changes through the API"):
            make_changes(base, workdir / "mail")

        with Step("wait for the outbox to empty"):
            wait_until(lambda: pending(wheel_database) == 0, "an empty outbox", timeout=180)

        with Step("stop the drain workers"):
            codes = [processes.stop(proc) for proc in drains]
        outputs = [processes.output(f"drain{n}") for n in (1, 2)]
        assert codes == [0, 0], outputs
        # Whatever a worker does besides indexing (alerts, stored matches) went through:
        # a traceback there is a file the wheel lacks or a bug only production meets.
        assert not any("Traceback" in out for out in outputs), outputs
        check_each_row_done_once(wheel_database, outputs)

        with Step("compare the index with the database"):
            check_index_is_the_database(search_server.url, prefix, wheel_database)
            status = cli("search", "status", timeout=120)
            assert status.count("→ in sync") == 2 and "outbox backlog: 0" in status, status

        check_pages(base)
        check_rate_limits_in_redis(venv, redis_prefix)
    except BaseException:
        processes.dump()
        raise
    finally:
        processes.stop_all()
    TIMINGS["whole test (after build and install)"] = time.monotonic() - started
    print("\n[wheel] timings:")
    for name, seconds in TIMINGS.items():
        print(f"  {seconds:7.1f} s  {name}")


# -- the batch of changes -----------------------------------------------------------
def make_changes(base: str, mail: Path) -> None:
    """Researchers register and confirm by the mailed link (the next registration is
    refused by the shared limit), create, submit and edit listings while operators publish
    them; an enterprise posts demands; an operator takes down demo listings. Each thread
    has its own sessions."""
    researchers = []
    for n in range(RESEARCHERS):
        api, body = Api(base), registration(n)
        api.ok("POST", "/api/v1/auth/register", body, expect=202)
        token = link_path(mail, body["email"], "/register/confirm/").rsplit("/", 1)[1]
        api.ok("POST", "/api/v1/auth/register/confirm", {"token": token})
        researchers.append(api)
    # The limit is counted in Redis, whichever gunicorn worker answers.
    status, answer = Api(base).call("POST", "/api/v1/auth/register", registration(RESEARCHERS))
    assert status == 429, answer

    # The demo operator has a second factor (the demo's published secret): one login with
    # a code, shared by the threads (a code is accepted once in its 30 s step).
    op_api = Api(base).login("operator@demo.techmarket.local", DEMO_PASSWORD["operator"])

    def operator() -> Api:
        return op_api

    def researcher_flow(api: Api) -> None:
        op = operator()
        for i in range(LISTINGS_EACH):
            item = api.ok("POST", "/api/v1/listings", listing_payload(trl=3 + i % 5), expect=201)
            path = f"/api/v1/listings/{item['id']}"
            api.ok("POST", f"{path}/submit")
            op.ok("POST", f"{path}/publish")
            if i % 3 == 0:  # an edit sends it back to review; published again
                api.ok("PATCH", path, {"trl": 9})
                op.ok("POST", f"{path}/publish")
            if i % 4 == 1:
                api.ok("POST", f"{path}/withdraw")

    def enterprise_flow() -> None:
        api = Api(base).login("enterprise@demo.techmarket.local", DEMO_PASSWORD["enterprise"])
        op = operator()
        for i in range(DEMANDS):
            item = api.ok("POST", "/api/v1/demands", demand_payload(), expect=201)
            path = f"/api/v1/demands/{item['id']}"
            api.ok("POST", f"{path}/submit")
            op.ok("POST", f"{path}/publish")
            if i % 3 == 2:
                api.ok("POST", f"{path}/withdraw")

    def take_downs() -> None:
        op = operator()
        published = op.ok("GET", "/api/v1/listings?per_page=3")["items"]
        assert len(published) == 3
        for item in published:
            op.ok("POST", f"/api/v1/listings/{item['id']}/reject", {"reason": "权属待核实"})

    flows = [lambda a=a: researcher_flow(a) for a in researchers] + [enterprise_flow, take_downs]
    with ThreadPoolExecutor(len(flows)) as pool:
        for future in [pool.submit(flow) for flow in flows]:
            future.result(timeout=300)


def registration(n: int) -> dict:
    tag = secrets.token_hex(3)
    return {
        "email": f"researcher{n}-{tag}@example.org",
        "password": "long-enough-pw",
        "display_name": f"研究员{n}",
        "role": "researcher",
        "organization_name": f"试验大学{n}-{tag}",
        "organization_kind": "university",
        "region": "宁波",
    }


# -- checks -------------------------------------------------------------------------
def check_wheel_contents(wheel: Path) -> None:
    """Every module and data file of the source tree is in the wheel, where the app looks."""
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        p.relative_to(ROOT).as_posix()
        for package in ("marketplace", "search", "payments")
        for p in (ROOT / package).rglob("*")
        if p.suffix in (".py", ".txt", ".json") and "__pycache__" not in p.parts
    }
    for folder in ("templates", "migrations"):
        wanted |= {
            "marketplace/" + p.relative_to(ROOT).as_posix()
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        }
    wanted |= {
        p.relative_to(ROOT).with_suffix(".mo").as_posix()
        for p in (ROOT / "marketplace/translations").glob("*/LC_MESSAGES/*.po")
    }
    missing = sorted(wanted - names)
    assert not missing, f"not in the wheel: {missing[:20]}"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def pending(database_url: str) -> int:
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        return conn.execute("SELECT count(*) FROM search_outbox WHERE done_at IS NULL").fetchone()[
            0
        ]


def check_each_row_done_once(database_url: str, outputs: list[str]) -> None:
    done = []
    for output in outputs:
        found = re.search(r"outbox: (\d+) rows done, (\d+) pending", output)
        assert found, output
        done.append(int(found.group(1)))
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        rows, not_done, retried = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE done_at IS NULL),"
            " count(*) FILTER (WHERE attempts > 0) FROM search_outbox"
        ).fetchone()
    print(f"[wheel] outbox: {rows} rows; done by the workers: {done}; retried: {retried}")
    assert rows > 200 and not_done == 0
    assert sum(done) == rows, (done, rows)  # a row done by both workers would count twice


def check_index_is_the_database(es_url: str, prefix: str, database_url: str) -> None:
    es = Elasticsearch(es_url, request_timeout=30)
    for doc_type, table in (("listings", "listing"), ("demands", "demand")):
        alias = f"{prefix}-{doc_type}"
        assert list(es.indices.get_alias(name=alias).body) == [f"{alias}-v1"]
        es.indices.refresh(index=alias)
        indexed = {
            hit["_id"]: hit["_version"]
            for hit in helpers.scan(
                es, index=alias, query={"query": {"match_all": {}}}, version=True
            )
        }
        with psycopg.connect(database_url, connect_timeout=10) as conn:
            published = {
                str(i): v
                for i, v in conn.execute(
                    f"SELECT id, version FROM {table} WHERE status = 'published'"
                )
            }
        assert indexed == published, doc_type
        assert es.count(index=alias)["count"] == len(published) > 0


def check_pages(base: str) -> None:
    api = Api(base)
    status, page = api.call("GET", "/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    # From the compiled catalog: the title and the navigation.
    assert status == 200 and "<title>首页 · 科技大市场</title>" in page, page[:500]
    assert ">技术成果</a>" in page and ">技术需求</a>" in page
    status, page = api.call("GET", "/?lang=en")
    assert status == 200 and "<title>Home · TechMarket</title>" in page, page[:500]
    status, css = api.call("GET", "/static/css/app.css")
    assert status == 200 and css == (ROOT / "templates/static/css/app.css").read_text()
    status, found = api.call("GET", "/api/v1/search/listings?q=%E9%92%A0%E7%A6%BB%E5%AD%90")
    assert status == 200 and found["degraded"] is False and found["total"] > 0, found


def check_rate_limits_in_redis(venv: Path, prefix: str) -> None:
    script = (
        "import redis, sys; r = redis.Redis.from_url(sys.argv[1]); "
        "print(sum(1 for _ in r.scan_iter('*' + sys.argv[2] + '*')))"
    )
    out = run([str(venv / "bin/python"), "-c", script, REDIS_URL, prefix], timeout=30).stdout
    assert int(out) > 0
