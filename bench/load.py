"""Load figures: TechMarket under gunicorn at rising concurrency, beside a bare Flask
"return JSON" endpoint under the same server settings as the ceiling. Prints figures;
not a test.

    createdb -h 127.0.0.1 -U postgres bench_load
    .venv/bin/python bench/load.py                                 # 2,000 listings, 300 demands
    .venv/bin/python bench/load.py --steps 1,4,16 --duration 10

- The database (PostgreSQL, --database-url; emptied first, so its name must contain
  "bench" or "load") is migrated and filled with generated published listings (the
  generator of bench/search.py) and demands; a local noida-db gets both indexed.
- gunicorn serves wsgi:app with --workers 2 (sync workers) on a free loopback port; rate
  limits are off (every request comes from one address).
- The load generator is this script: one thread per simulated client, each a closed loop
  (send, wait for the answer, send the next) over a fresh connection per request, with a
  fixed mix (--mix changes it): home 15 %, search page 25 %, listing page 30 %, demand
  page with its recommended listings (the matcher) 15 %, API lists 15 %. Each step runs for
  --duration seconds (requests in flight then finish, each bounded by --timeout).
- An error is any answer other than 200, or a failed connection or time-out. A search
  page that fell back to the database (the search server too slow) is counted apart as
  "degraded".
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.discovery import outbox, reindex  # noqa: E402
from marketplace.discovery.index import search_index  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models import Demand, Listing, Organization  # noqa: E402
from marketplace.models.vocab import TRANSFER_MODES  # noqa: E402
from tests.search.conftest import SearchServer, free_port  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_load"
MIX = {"home": 15, "search": 25, "listing": 30, "demand": 15, "api": 15}
KINDS = tuple(MIX)
DEGRADED_MARK = b"notice notice-warn"  # the search page's "fell back to the database" notice


def bench_search_module():
    """bench/search.py, for its data generator (its file name hides it behind `search`)."""
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Data --------------------------------------------------------------------------------------


def reset_database(url: str, force: bool) -> None:
    name = url.rsplit("/", 1)[-1].split("?")[0]
    if not url.startswith("postgresql"):
        sys.exit("bench/load.py measures PostgreSQL: pass a postgresql:// URL.")
    if "bench" not in name and "load" not in name and not force:
        sys.exit(f"Refusing to empty database '{name}': use one named *bench* or *load*.")
    engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def generate_demands(app, bench_search, n: int, seed: int) -> None:
    """Published demands from enterprises, worded with each domain's real terms."""
    rng = random.Random(seed)
    vocab = bench_search.vocabulary()
    domains = list(bench_search.DOMAIN_WEIGHTS)
    weights = list(bench_search.DOMAIN_WEIGHTS.values())
    now = datetime.now(UTC)
    with app.app_context():
        orgs = [
            Organization(kind="enterprise", name=f"宁波{name}有限公司", region="宁波")
            for name in ("精工机械", "新能科技", "海天材料", "智造电子", "康泰医疗", "绿源环保")
        ]
        db.session.add_all(orgs)
        db.session.flush()
        rows = []
        for i in range(n):
            domain = rng.choices(domains, weights)[0]
            zh = vocab[domain][0]
            a, b = rng.choice(zh), rng.choice(zh)
            low = rng.randint(1, 200) * 1_000_000
            rows.append(
                {
                    "title": f"寻求{a}相关技术，解决{b}{rng.choice(bench_search.PROBLEMS)}的问题",
                    "description": f"我公司希望引进{a}技术，用于{b}的产线升级，可合作开发或独家许可。",
                    "domain": domain,
                    "budget_min": low,
                    "budget_max": low * rng.randint(2, 5),
                    "currency": "CNY",
                    "cooperation_modes": rng.sample(TRANSFER_MODES, rng.randint(1, 3)),
                    "deadline": date.today() + timedelta(days=rng.randint(30, 400)),
                    "region": rng.choice(bench_search.CITIES),
                    "organization_id": rng.choice(orgs).id,
                    "status": "published",
                    "rejection_reason": "",
                    "source": "generated",
                    "external_id": f"D{seed}-{i}",
                    "language": "zh",
                    "created_at": now,
                    "updated_at": now,
                    "published_at": now - timedelta(minutes=rng.randint(0, 200_000)),
                    "version": 1,
                }
            )
        db.session.execute(insert(Demand), rows)
        db.session.commit()


def prepare(args, search_url: str, bench_search) -> tuple[list[int], list[int], bool]:
    """Migrate, fill, index; returns listing ids, demand ids, whether demands show matches."""
    reset_database(args.database_url, args.force)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "ELASTICSEARCH_URL": search_url,
            "ELASTICSEARCH_INDEX_PREFIX": "load",
            "ELASTICSEARCH_TIMEOUT": 300,  # indexing a few thousand documents into noida-db
            "SEARCH_SYNC": "worker",
            "SECRET_KEY": "bench-only-secret",
            "EMBEDDER": args.embedder,
        }
    )
    with app.app_context():
        upgrade()
    started = time.perf_counter()
    bench_search.generate(app, args.listings, args.seed)
    generate_demands(app, bench_search, args.demands, args.seed)
    with app.app_context():
        index = search_index(app)
        for doc_type in outbox.DOC_TYPES:
            reindex.reindex(db.session, index, doc_type)
        listing_ids = list(db.session.scalars(select(Listing.id)))
        demand_ids = list(db.session.scalars(select(Demand.id)))
        if args.stored_matches:
            store_matches(listing_ids, demand_ids)
        db.engine.dispose()
    # The demand page shows its recommended listings where the matcher is installed.
    matches = importlib.util.find_spec("marketplace.views.matching") is not None
    print(
        f"data: {len(listing_ids):,} listings with patents, {len(demand_ids):,} demands, "
        f"indexed in noida-db, in {time.perf_counter() - started:.1f} s"
    )
    return listing_ids, demand_ids, matches


def store_matches(listing_ids: list[int], demand_ids: list[int]) -> None:
    """What the worker keeps up to date (marketplace/discovery/match_store.py): every
    published item's stored matches, computed here once before the load."""
    from marketplace.discovery import match_store

    started = time.perf_counter()
    for doc_type, ids in (("demands", demand_ids), ("listings", listing_ids)):
        for doc_id in ids:
            match_store.refresh(db.session, doc_type, doc_id)
            db.session.commit()
    took = time.perf_counter() - started
    count = len(listing_ids) + len(demand_ids)
    print(f"stored matches: {count:,} items in {took:.1f} s ({count / took:.1f} items/s)")


def parse_mix(text: str) -> dict[str, int]:
    """ "home=15,search=25,…" → weights; kinds left out get weight 0."""
    mix = dict.fromkeys(KINDS, 0)
    for part in text.split(","):
        kind, _, weight = part.partition("=")
        if kind.strip() not in mix or not weight.strip().isdigit():
            sys.exit(f"--mix: expected kind=weight with kinds {', '.join(KINDS)}, got {part!r}")
        mix[kind.strip()] = int(weight)
    if not any(mix.values()):
        sys.exit("--mix: give at least one kind a weight")
    return mix


def request_mix(listing_ids, demand_ids, matches: bool, bench_search, mix: dict[str, int]):
    """A function rng → (kind, path) drawing from the mix."""
    searches = []
    for query in bench_search.QUERIES:
        params = {k: v for k, v in query.items() if v not in ("", None)}
        searches.append("/search?" + urlencode(params, doseq=True) if params else "/search")
    kinds = [k for k, w in mix.items() if w]
    weights = [mix[k] for k in kinds]

    def pick(rng: random.Random) -> tuple[str, str]:
        kind = rng.choices(kinds, weights)[0]
        if kind == "home":
            return kind, "/"
        if kind == "search":
            return kind, rng.choice(searches)
        if kind == "listing":
            return kind, f"/listings/{rng.choice(listing_ids)}"
        if kind == "demand":
            return kind, f"/demands/{rng.choice(demand_ids)}"
        which = rng.choice(("listings", "demands"))
        return kind, f"/api/v1/{which}?page={rng.randint(1, 20)}&per_page=20"

    return pick, ("demand page with its matches" if matches else "demand page (no matcher)")


# Servers -----------------------------------------------------------------------------------


class Gunicorn:
    """gunicorn with 2 sync workers on a free loopback port; the same flags for both apps."""

    def __init__(self, app_spec: str, env: dict[str, str], workers: int, extra: list[str]):
        self.port = free_port()
        self.cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            *extra,
            app_spec,
        ]
        self.env = {**os.environ, **env}
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # gunicorn's graceful stop for its master and workers
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# Load --------------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    ms: float
    outcome: str  # "ok", "degraded", or what went wrong ("HTTP 502", "TimeoutError")


def one_request(port: int, path: str, timeout: float) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "text/html,application/json"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        return f"HTTP {response.status}"
    return "degraded" if path.startswith("/search") and DEGRADED_MARK in body else "ok"


def run_step(port: int, clients: int, duration: float, timeout: float, pick, seed: int):
    results: list[list[Sample]] = [[] for _ in range(clients)]
    start = time.perf_counter()
    deadline = start + duration

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        out = results[n]
        while time.perf_counter() < deadline:
            kind, path = pick(rng)
            began = time.perf_counter()
            try:
                outcome = one_request(port, path, timeout)
            except (OSError, http.client.HTTPException) as exc:
                outcome = type(exc).__name__
            out.append(Sample(kind, (time.perf_counter() - began) * 1000, outcome))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return [s for chunk in results for s in chunk], elapsed


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[p - 1]
        if len(values) > 1
        else values[0]
    )


def run_target(name: str, port: int, args, pick) -> list[tuple[int, list[Sample], float]]:
    print(f"\n{name}")
    print(
        f"{'clients':>7} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7} {'degraded':>8}"
    )
    steps = []
    for clients in args.steps:
        samples, elapsed = run_step(port, clients, args.duration, args.timeout, pick, args.seed)
        ms = [s.ms for s in samples]
        outcomes = Counter(s.outcome for s in samples)
        errors = sum(n for o, n in outcomes.items() if o not in ("ok", "degraded"))
        print(
            f"{clients:>7} {len(samples):>9,} {len(samples) / elapsed:>8.1f} "
            f"{percentile(ms, 50):>8.1f} {percentile(ms, 95):>8.1f} {percentile(ms, 99):>8.1f} "
            f"{errors:>7} {outcomes['degraded']:>8}"
        )
        if errors:
            what = Counter(
                (s.kind, s.outcome) for s in samples if s.outcome not in ("ok", "degraded")
            )
            print("        " + ", ".join(f"{k}: {o} ×{n}" for (k, o), n in what.most_common(5)))
        steps.append((clients, samples, elapsed))
    return steps


def print_by_kind(steps) -> None:
    print("\nTechMarket by request kind: p50 / p95 ms")
    kinds = [k for k in KINDS if any(s.kind == k for _, samples, _ in steps for s in samples)]
    print(f"{'clients':>7} " + " ".join(f"{kind:>15}" for kind in kinds))
    for clients, samples, _ in steps:
        cells = []
        for kind in kinds:
            ms = [s.ms for s in samples if s.kind == kind]
            cells.append(f"{percentile(ms, 50):>7.0f} /{percentile(ms, 95):>6.0f}")
        print(f"{clients:>7} " + " ".join(f"{c:>15}" for c in cells))


def warm_up(port: int, pick, timeout: float, rounds: int) -> None:
    """Each worker loads jieba, opens its pools and compiles its templates outside the figures."""
    rng = random.Random(0)
    for _ in range(rounds):
        try:
            one_request(port, pick(rng)[1], timeout)
        except (OSError, http.client.HTTPException):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--force", action="store_true", help="empty a database of any name")
    parser.add_argument("--listings", type=int, default=2000)
    parser.add_argument("--demands", type=int, default=300)
    parser.add_argument("--steps", default="1,2,4,8,16,32", help="concurrent clients per step")
    parser.add_argument("--duration", type=float, default=15, help="seconds per step")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--mix",
        default=",".join(f"{k}={v}" for k, v in MIX.items()),
        help="request kinds and weights, e.g. home=20,listing=40,api=40 (no search)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--embedder", default="none", help="EMBEDDER of the app (none: no vectors to compute)"
    )
    parser.add_argument(
        "--no-stored-matches",
        dest="stored_matches",
        action="store_false",
        help="do not precompute the matches (pages then compute them on each view)",
    )
    args = parser.parse_args()
    args.steps = [int(s) for s in args.steps.split(",")]
    mix = parse_mix(args.mix)
    sys.stdout.reconfigure(line_buffering=True)

    bench_search = bench_search_module()
    workdir = tempfile.mkdtemp(prefix="techmarket-load-")
    os.environ["INSTANCE_PATH"] = os.path.join(workdir, "instance")
    server = SearchServer(os.path.join(workdir, "search-data"))
    began = time.perf_counter()
    try:
        server.start(timeout=60)
        listing_ids, demand_ids, matches = prepare(args, server.url, bench_search)
        pick, demand_kind = request_mix(listing_ids, demand_ids, matches, bench_search, mix)
        print(
            f"gunicorn --workers {args.workers} (sync) on 127.0.0.1; {args.duration:g} s per step; "
            f"mix {', '.join(f'{k} {v}' for k, v in mix.items() if v)}; demand = {demand_kind}"
        )
        app_env = {
            "DATABASE_URL": args.database_url,
            "ELASTICSEARCH_URL": server.url,
            "ELASTICSEARCH_INDEX_PREFIX": "load",
            "SEARCH_SYNC": "worker",
            "SECRET_KEY": "bench-only-secret",
            "RATELIMIT_ENABLED": "0",
            "INSTANCE_PATH": os.environ["INSTANCE_PATH"],
            "EMBEDDER": args.embedder,
        }
        with Gunicorn("wsgi:app", app_env, args.workers, []) as app_server:
            warm_up(app_server.port, pick, args.timeout, rounds=10 * args.workers)
            app_steps = run_target("TechMarket (wsgi:app)", app_server.port, args, pick)
        with Gunicorn(
            "bare_app:app", {}, args.workers, ["--pythonpath", str(ROOT / "bench")]
        ) as bare_server:
            bare = lambda rng: ("bare", "/")  # noqa: E731
            warm_up(bare_server.port, bare, args.timeout, rounds=10)
            run_target(
                "Ceiling: bare Flask returning JSON (bench/bare_app.py)",
                bare_server.port,
                args,
                bare,
            )
        print_by_kind(app_steps)
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\ntotal {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
