"""Benchmark concurrent bidding: N bidders (threads, each its own session and
connection, as requests are) bid against one lot on PostgreSQL for S seconds. Each
bidder reads the lot's next minimum bid, then submits it (sometimes with a proxy
maximum); a bid that someone else's got ahead of is refused as stale (409 bid_too_low).
Prints accepted bids/s, p50/p95/max bid latency, the refusals by code, and the invariant
violations found after the run (expected: none): the log's order is total (seq 1…n),
every bid respects the ladder, no amount twice, the chain verifies, the lot's price is
the last bid, and after the close the deposits and the ledger are clean.

    createdb -h 127.0.0.1 -U postgres bench_auction
    .venv/bin/python bench/auction.py --bidders 50 --seconds 60

The target database is emptied first: its name must contain "bench".
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.accounts import users as accounts  # noqa: E402
from marketplace.auctions import audit_money, bidding, chain, closing, deposits, lots  # noqa: E402
from marketplace.auctions.rules import increment  # noqa: E402
from marketplace.catalog import listings, publication  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.core import ledger  # noqa: E402
from marketplace.core.errors import Conflict  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models import AuctionLot, Listing, Organization, User  # noqa: E402
from marketplace.models.types import utcnow  # noqa: E402
from marketplace.schemas.listings import ListingIn  # noqa: E402

# 200 万元 start; 1 万元 steps below 1 亿, 5 万元 above (fen).
START = 200_000_000
LADDER = [{"below": 10_000_000_000, "step": 1_000_000}, {"below": None, "step": 5_000_000}]
LISTING = {
    "title": "基准：钠离子电池正极材料",
    "summary": "竞价基准",
    "description": "竞价基准",
    "domain": "new_energy",
    "tags": [],
    "trl": 6,
    "transfer_modes": ["assignment"],
    "price_type": "auction",
    "price_amount": START,
    "currency": "CNY",
    "region": "宁波",
    "language": "zh",
    "patents": [],
}


def reset(url: str) -> None:
    name = url.rsplit("/", 1)[-1].split("?")[0]
    if "bench" not in name:
        sys.exit(f"Refusing to empty database '{name}': use one named *bench*.")
    engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def setup(bidders: int, seconds: int) -> tuple[int, list[int], int]:
    s = db.session

    def user(email, role, org):
        return accounts.create_user(
            s,
            email=email,
            password="bench-password",
            display_name=email,
            roles=[role],
            organization=org,
        )

    uni = Organization(kind="university", name="基准大学", region="宁波")
    s.add(uni)
    s.flush()
    seller, operator = user("s@bench", "researcher", uni), user("o@bench", "operator", None)
    s.commit()
    listing = listings.create_listing(s, seller, ListingIn().load(LISTING))
    publication.transition(s, Listing, listing.id, "submit", seller)
    publication.transition(s, Listing, listing.id, "publish", operator)
    s.commit()
    now = utcnow()
    auction = lots.schedule_session(
        s,
        operator,
        title="基准专场",
        domain="new_energy",
        starts_at=now + timedelta(seconds=2),
        ends_at=now + timedelta(hours=1),
    )
    lot = lots.apply_lot(
        s,
        seller,
        auction.id,
        {
            "listing_id": listing.id,
            "transfer_mode": "assignment",
            "start_price": START,
            "ladder": LADDER,
            "deposit": 20_000_000,
            "extension_minutes": 5,
        },
        now=now,
    )
    lots.decide_lot(s, operator, lot.id, "admit")
    ids = []
    for i in range(bidders):
        org = Organization(
            kind="enterprise", name=f"基准企业 {i}", region="宁波", verification_status="verified"
        )
        s.add(org)
        s.flush()
        u = user(f"b{i}@bench", "enterprise_member", org)
        s.commit()
        reg = deposits.register(s, u, lot.id)
        deposits.confirm_deposit(
            s, operator, reg.id, reference=reg.reference, amount=reg.deposit_amount
        )
        ids.append(u.id)
    time.sleep(max(0.0, (auction.starts_at - utcnow()).total_seconds()) + 0.1)
    return lot.id, ids, seconds


def bidder(app, lot_id: int, user_id: int, stop: float, seed: int, out: list, lock) -> None:
    rng = random.Random(seed)
    latencies: list[float] = []
    codes: Counter = Counter()
    with app.app_context():
        s = db.session
        actor = s.get(User, user_id)
        while time.perf_counter() < stop:
            lot = s.get(AuctionLot, lot_id, populate_existing=True)
            amount = bidding.next_minimum(lot)
            s.rollback()  # a client reads the price, then submits
            maximum = amount + rng.randint(1, 20) * 1_000_000 if rng.random() < 0.1 else None
            t0 = time.perf_counter()
            try:
                bidding.place_bid(s, actor, lot_id, amount, maximum)
                codes["accepted"] += 1
            except Conflict as refused:
                codes[refused.code] += 1
            latencies.append(time.perf_counter() - t0)
            actor = s.get(User, user_id)
    with lock:
        out.append((latencies, codes))


def invariants(lot_id: int) -> list[str]:
    s = db.session
    lot = s.get(AuctionLot, lot_id, populate_existing=True)
    log = bidding.bids(s, lot_id)
    found = []
    if [b.seq for b in log] != list(range(1, len(log) + 1)) or lot.last_seq != len(log):
        found.append("the log's sequence has a gap or a twin")
    amounts = [b.amount for b in log]
    if len(set(amounts)) != len(amounts):
        found.append("an amount was accepted twice")
    for i, a in enumerate(amounts):
        least = START if i == 0 else amounts[i - 1] + increment(LADDER, amounts[i - 1])
        if a < least:
            found.append(f"bid {i + 1} is below the ladder ({a} < {least})")
    if log and lot.current_price != amounts[-1]:
        found.append("the lot's price is not its last bid")
    found += [f"chain: bid {p.seq} {p.reason}" for p in chain.verify(s, lot_id, lot.last_hash)]
    closing.close_lot(s, lot_id, now=lot.ends_at)
    found += [f"ledger: {v.rule} {v.detail}" for v in ledger.check(s)]
    found += [f"deposits: {v.detail}" for v in audit_money.deposit_violations(s)]
    return found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/bench_auction"
    )
    parser.add_argument("--bidders", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    reset(args.database_url)
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="techmarket-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "SECRET_KEY": "bench",
            "SEARCH_SYNC": "worker",
            "OFFLINE_BANK_NAME": "基准银行",
            "OFFLINE_BANK_HOLDER": "基准托管",
            "OFFLINE_BANK_ACCOUNT": "BENCH 0000",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.bidders + 2, "max_overflow": 4},
        }
    )
    with app.app_context():
        upgrade()
        lot_id, users, seconds = setup(args.bidders, args.seconds)
    out: list = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=bidder, args=(app, lot_id, u, stop, i, out, lock))
        for i, u in enumerate(users)
    ]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    latencies = [x for lat, _ in out for x in lat]
    codes: Counter = sum((c for _, c in out), Counter())
    with app.app_context():
        lot = db.session.get(AuctionLot, lot_id)
        violations = invariants(lot_id)
        bids_logged = lot.last_seq
    print(f"bidders {args.bidders}, {elapsed:.1f} s, PostgreSQL")
    print(f"submissions {len(latencies)}: {dict(codes)}")
    print(
        f"accepted submissions/s {codes['accepted'] / elapsed:.1f}; bids in the log "
        f"{bids_logged} ({bids_logged / elapsed:.1f}/s, proxies included)"
    )
    print(
        f"latency ms: p50 {pct(latencies, 0.5):.1f}, p95 {pct(latencies, 0.95):.1f}, "
        f"max {max(latencies) * 1000:.1f}, mean {sum(latencies) / len(latencies) * 1000:.1f}"
    )
    print(f"rejected as stale (bid_too_low): {codes['bid_too_low']}")
    print(f"invariant violations: {len(violations)}")
    for v in violations:
        print("  " + v)
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
