"""Benchmark: the statistics page and the operators' dashboard against the listing index page.

    .venv/bin/python bench/market_statistics.py                         # SQLite file, 10,000 / 2,000
    .venv/bin/python bench/market_statistics.py --database-url postgresql://postgres@127.0.0.1:5432/bench_stats
    .venv/bin/python bench/market_statistics.py --listings 10000 --deals 2000 --repeat 30

Fills an empty database with LISTINGS published listings, a tenth as many demands and
DEALS deals (most with an agreed contract, some with releases and a broker), spread over
two years, then times GET /statistics (this year) and GET /listings through the app's test
client, alternating, REPEAT times each after a warm-up. The statistics page reads its
period's cached figures (models/statistics.py), so the figures' cold computation (what
the worker and `flask stats refresh` pay, and a reader after STATS_CACHE_SECONDS) is
timed too. Prints the median and the spread (min, p90, max) in milliseconds and the ratio
of the medians (target: statistics ≤ 2 × listings). The operators' dashboard (computed on
every request, not cached) is timed the same way, as an operator, for this year and for
this year in one domain; the data then also has five days of page views per listing and
a match alert per deal. Prints figures; not a test. A PostgreSQL database is emptied first,
so its name must contain "bench".
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name is the standard library's `statistics`: take bench/ off the path before
# anything imports that module, and put the project on it.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import hashlib  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from flask_login import FlaskLoginClient  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from bench.ledger import reset  # noqa: E402 - empties a database named *bench*
from marketplace import create_app  # noqa: E402
from marketplace.accounts import sessions  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models import (  # noqa: E402
    Deal,
    DealTerms,
    Demand,
    ItemViewCount,
    Listing,
    Notification,
    Organization,
    PayoutInstruction,
    User,
    UserRole,
)
from marketplace.models.vocab import DOMAINS, TRANSFER_MODES  # noqa: E402
from marketplace.statistics import cache  # noqa: E402
from marketplace.statistics.periods import for_day, local_today  # noqa: E402

REGIONS = ("宁波", "杭州", "上海", "苏州", "合肥", "")
NOW = datetime.now(UTC)


def when(rng: random.Random) -> datetime:
    return NOW - timedelta(seconds=rng.randrange(2 * 365 * 86400))


def fill(session, n_listings: int, n_deals: int, seed: int = 18) -> None:
    rng = random.Random(seed)
    orgs = [
        Organization(
            kind=("university", "enterprise")[i % 2], name=f"基准机构 {i}", region=REGIONS[i % 5]
        )
        for i in range(40)
    ]
    session.add_all(orgs)
    brokers = [
        User(
            email=f"bench-broker-{i}@example.org",
            password_hash="x",
            display_name=f"经纪人{i}",
            role_rows=[UserRole(role="broker")],
        )
        for i in range(20)
    ]
    session.add_all(brokers)
    session.flush()
    suppliers = [o.id for o in orgs if o.kind == "university"]
    buyers = [o.id for o in orgs if o.kind == "enterprise"]
    rows = []
    for i in range(n_listings):
        at = when(rng)
        rows.append(
            {
                "title": f"基准技术成果 {i}",
                "summary": "一种用于测试的技术成果摘要",
                "description": "",
                "domain": rng.choice(DOMAINS),
                "tags": [],
                "trl": rng.randrange(1, 10),
                "transfer_modes": ["assignment"],
                "price_type": "negotiable",
                "currency": "CNY",
                "region": rng.choice(REGIONS),
                "organization_id": rng.choice(suppliers),
                "status": "published",
                "published_at": at,
                "created_at": at,
                "updated_at": at,
                "rejection_reason": "",
                "source": "bench",
                "external_id": f"L{i}",
                "language": "zh",
            }
        )
    session.execute(insert(Listing), rows)
    rows = []
    for i in range(max(1, n_listings // 10)):
        at = when(rng)
        rows.append(
            {
                "title": f"基准技术需求 {i}",
                "description": "",
                "domain": rng.choice(DOMAINS),
                "currency": "CNY",
                "cooperation_modes": [],
                "region": rng.choice(REGIONS),
                "organization_id": rng.choice(buyers),
                "status": "published",
                "published_at": at,
                "created_at": at,
                "updated_at": at,
                "rejection_reason": "",
                "source": "bench",
                "external_id": f"D{i}",
                "language": "zh",
            }
        )
    session.execute(insert(Demand), rows)
    listing_ids = list(session.scalars(select(Listing.id)))
    published = dict(session.execute(select(Listing.id, Listing.published_at)).all())
    for i in range(n_deals):
        listing_id = rng.choice(listing_ids)
        created = published[listing_id] + timedelta(hours=rng.randrange(1, 24 * 30))
        state = rng.choice(
            ("inquiry", "negotiating", "agreed", "funded", "in_progress", "completed", "cancelled")
        )
        supplier = session.get(Listing, listing_id).organization_id
        deal = Deal(
            title=f"基准交易 {i}",
            listing_id=listing_id,
            buyer_org_id=rng.choice(buyers),
            supplier_org_id=supplier,
            opened_by_role="buyer",
            state=state,
            created_at=created,
        )
        session.add(deal)
        session.flush()
        agreed = state not in ("inquiry", "negotiating")
        price = rng.randrange(1, 500) * 100_000
        broker = rng.choice(brokers) if rng.random() < 0.3 else None
        agreed_at = created + timedelta(days=rng.randrange(1, 30)) if agreed else None
        session.add(
            DealTerms(
                deal_id=deal.id,
                number=1,
                proposed_by_role="buyer",
                price=price,
                currency="CNY",
                transfer_mode=rng.choice(TRANSFER_MODES),
                milestones=[{"title": "全部", "amount": price, "due_date": None}],
                platform_fee_bp=300,
                commission_bp=500 if broker else 0,
                broker_id=broker.id if broker else None,
                terms_hash=hashlib.sha256(f"bench-{deal.id}".encode()).hexdigest(),
                created_at=created,
                agreed_at=agreed_at,
            )
        )
        if state in ("in_progress", "completed"):
            session.add(
                PayoutInstruction(
                    deal_id=deal.id,
                    kind="release",
                    provider="offline",
                    beneficiary_org_id=supplier,
                    account_code=f"supplier:{supplier}",
                    amount=price // 2,
                    currency="CNY",
                    source_key=f"bench-{deal.id}",
                    created_at=agreed_at + timedelta(days=rng.randrange(1, 30)),
                )
            )
    views, seen = [], set()
    for listing_id in listing_ids:
        for _ in range(5):
            day = local_today(when(rng))
            if day not in seen:
                seen.add(day)
                views.append(
                    {
                        "doc_type": "listings",
                        "doc_id": listing_id,
                        "day": day,
                        "views": rng.randrange(1, 30),
                    }
                )
        seen.clear()
    session.execute(insert(ItemViewCount), views)
    person = User(email="bench-member@example.org", password_hash="x", display_name="成员")
    person.organization_id = buyers[0]
    session.add(person)
    session.flush()
    alerts = [
        {
            "user_id": person.id,
            "kind": "match_listing",
            "listing_id": listing_id,
            "payload": {},
            "created_at": when(rng),
            "event_key": "",
            "email_state": "none",
        }
        for listing_id in rng.sample(listing_ids, min(n_deals, len(listing_ids)))
    ]
    session.execute(insert(Notification), alerts)
    session.commit()


class LoginClient(FlaskLoginClient):
    """A test client logged in as ``user`` with a server-side login session."""

    def __init__(self, app, *args, **kwargs):
        user = kwargs.get("user")
        if user is not None:
            with app.app_context():
                user.login_key = sessions.begin(db.session, user)
                db.session.commit()
        super().__init__(app, *args, **kwargs)


def timed(client, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path, headers={"Accept-Language": "zh-CN"})
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        sys.exit(f"{path} answered {response.status_code}")
    return elapsed


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return (
        f"median {statistics.median(values):7.1f} ms  (min {ordered[0]:.1f}, p90 {p90:.1f}, "
        f"max {ordered[-1]:.1f}, n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--deals", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    url = args.database_url
    if url:
        reset(url)
    else:
        url = "sqlite:///" + str(Path(tempfile.mkdtemp(prefix="bench-stats-")) / "bench.sqlite3")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
            "RATELIMIT_ENABLED": False,
            "SECOND_FACTOR_REQUIRED_ROLES": (),  # the operator below has none
        }
    )
    app.test_client_class = LoginClient
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        fill(db.session, args.listings, args.deals)
        print(
            f"{db.engine.dialect.name}: {args.listings} listings, {args.listings // 10} demands, "
            f"{args.deals} deals in {time.perf_counter() - started:.1f} s"
        )
        period = for_day(local_today(NOW), "year")
        cold = []
        for _ in range(5):
            started = time.perf_counter()
            cache.compute(db.session, period, NOW)
            cold.append((time.perf_counter() - started) * 1000)
        operator = User(
            email="bench-operator@example.org",
            password_hash="x",
            display_name="运营",
            role_rows=[UserRole(role="operator")],
        )
        db.session.add(operator)
        db.session.commit()
        db.session.refresh(operator)
        operator.roles  # noqa: B018 - loaded before it leaves the session
        db.session.expunge(operator)
    client = app.test_client(user=operator)
    pages = {
        "statistics": f"/statistics?period={period.key}",
        "listings": "/listings",
        "dashboard": f"/operator/dashboard?period={period.key}",
        "dashboard_domain": f"/operator/dashboard?period={period.key}&domain={DOMAINS[0]}",
    }
    for path in pages.values():  # warm-up: templates compiled, the period's figures cached
        timed(client, path)
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(args.repeat):
        for name, path in pages.items():
            times[name].append(timed(client, path))
    for name in pages:
        print(f"GET {pages[name]:<28} {spread(times[name])}")
    print(f"figures computed (cache miss)      {spread(cold)}")
    ratio = statistics.median(times["statistics"]) / statistics.median(times["listings"])
    print(f"statistics / listings (medians): {ratio:.2f} (target ≤ 2)")
    for name in ("dashboard", "dashboard_domain"):
        ratio = statistics.median(times[name]) / statistics.median(times["listings"])
        print(f"{name} / listings (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
