"""Benchmark concurrent deal operations on PostgreSQL, then check every ledger invariant.

    createdb -h 127.0.0.1 -U postgres bench_ledger
    .venv/bin/python bench/ledger.py                     # 1,000 operations, 8 threads
    .venv/bin/python bench/ledger.py --ops 2000 --threads 16 --repeat 3

Sets up funded deals with several milestones through the real services (each milestone
delivered by the supplier, where deliveries exist), then fires a
shuffled mix of operations from a thread pool: accept a milestone, dispute one, resolve a
dispute (release, refund or split), and deliberate duplicates of each (the same operation
twice at once, which must have one effect). Prints operations/s, how many took effect or
were refused, and the result of ledger.check() plus the per-deal money identity
released + refunded + held == funded. Prints figures; not a test. The database is emptied
first, so its name must contain "bench".
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.accounts import users as accounts  # noqa: E402
from marketplace.catalog import listings, publication  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.core import ledger  # noqa: E402
from marketplace.core.errors import DomainError  # noqa: E402
from marketplace.deals import delivery as deal_delivery  # noqa: E402
from marketplace.deals import escrow as deal_money  # noqa: E402
from marketplace.deals import terms as deal_terms  # noqa: E402
from marketplace.deals import workflow as deal_workflow  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models import (  # noqa: E402
    Deal,
    Listing,  # noqa: E402
    Milestone,
    Organization,
    User,
)
from marketplace.schemas.listings import ListingIn  # noqa: E402

accounts.PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # setup speed; not what is measured


def reset(url: str) -> None:
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("refusing to empty a database whose name does not contain 'bench'")
    engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def setup(app, n_deals: int, milestones: int) -> tuple[dict, list[int]]:
    s = db.session
    uni = Organization(kind="university", name="基准大学", region="宁波")
    ent = Organization(kind="enterprise", name="基准企业", region="宁波")
    s.add_all([uni, ent])
    s.flush()
    make = lambda email, role, org: accounts.create_user(  # noqa: E731
        s,
        email=email,
        password="bench-password",
        display_name=email,
        roles=[role],
        organization=org,
    )
    supplier, buyer = make("s@bench", "researcher", uni), make("b@bench", "enterprise_member", ent)
    operator = make("o@bench", "operator", None)
    s.commit()
    from tests.conftest import listing_payload

    listing = listings.create_listing(s, supplier, ListingIn().load(listing_payload()))
    publication.transition(s, Listing, listing.id, "submit", supplier)
    publication.transition(s, Listing, listing.id, "publish", operator)
    s.commit()
    amount = 100_000
    ids = []
    for _ in range(n_deals):
        deal = deal_workflow.open_deal(s, buyer, listing_id=listing.id, message="bench")
        s.commit()
        terms = {
            "price": amount * milestones,
            "currency": "CNY",
            "transfer_mode": "license_exclusive",
            "milestones": [
                {"title": f"M{i}", "amount": amount, "due_date": None} for i in range(milestones)
            ],
        }
        deal_terms.propose_terms(s, supplier, deal.id, terms, platform_fee_bp=300)
        s.commit()
        h = s.get(Deal, deal.id).current_terms.terms_hash
        deal_terms.confirm_terms(s, buyer, deal.id, h)
        deal_terms.confirm_terms(s, supplier, deal.id, h)
        funding = deal_money.request_funding(s, buyer, deal.id)
        deal_money.confirm_bank_transfer(
            s, operator, deal.id, reference=funding.reference, amount=amount * milestones
        )
        s.commit()
        # The supplier delivers every milestone first (not measured): the buyer accepts
        # only what was delivered.
        deliver = getattr(deal_delivery, "deliver_milestone", None)
        for m in s.get(Deal, deal.id).milestones if deliver else ():
            deliver(s, supplier, deal.id, m.id, "bench delivery")
        s.commit()
        ids.append(deal.id)
    return {"buyer": buyer.id, "operator": operator.id}, ids


def operations(session, users: dict, deal_ids: list[int], count: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    milestones = session.execute(
        select(Milestone.id, Milestone.deal_id).where(Milestone.deal_id.in_(deal_ids))
    ).all()
    ops: list[tuple] = []
    while len(ops) < count:
        mid, did = rng.choice(milestones)
        kind = rng.choices(("accept", "dispute", "resolve"), weights=(5, 2, 2))[0]
        op = (kind, did, mid, rng.choice(("release", "refund", "split")))
        ops.append(op)
        if rng.random() < 0.25 and len(ops) < count:
            ops.append(op)  # the same request twice: exactly one may take effect
    rng.shuffle(ops)
    return ops[:count]


def run_op(app, users: dict, op: tuple) -> str:
    kind, deal_id, milestone_id, outcome = op
    with app.app_context():
        s = db.session
        try:
            if kind == "accept":
                deal_delivery.accept_milestone(
                    s, s.get(User, users["buyer"]), deal_id, milestone_id
                )
            elif kind == "dispute":
                deal_delivery.dispute_milestone(
                    s, s.get(User, users["buyer"]), deal_id, milestone_id, "交付物不符合约定"
                )
            else:
                m = s.get(Milestone, milestone_id)
                deal_delivery.resolve_dispute(
                    s,
                    s.get(User, users["operator"]),
                    deal_id,
                    milestone_id,
                    outcome,
                    release_amount=m.amount // 2 if outcome == "split" else None,
                    note="bench",
                )
            s.commit()
            return f"{kind}:effect"
        except DomainError:
            s.rollback()
            return f"{kind}:refused"
        except Exception as exc:  # noqa: BLE001 - counted and printed: must stay at zero
            s.rollback()
            return f"{kind}:ERROR {type(exc).__name__}: {str(exc)[:120]}"


def money_identity(session, deal_ids: list[int]) -> list[str]:
    problems = []
    for deal_id in deal_ids:
        st = deal_money.statement(session, session.get(Deal, deal_id))
        if st["released"] + st["refunded"] + st["held"] != st["funded"]:
            problems.append(f"deal {deal_id}: {st}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/bench_ledger"
    )
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--deals", type=int, default=60)
    parser.add_argument("--milestones", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    rates = []
    for run in range(args.repeat):
        reset(args.database_url)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": args.database_url,
                "SECRET_KEY": "bench",
                "SEARCH_SYNC": "worker",
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.threads + 2, "max_overflow": 4},
            }
        )
        with app.app_context():
            upgrade()
            t0 = time.perf_counter()
            users, deal_ids = setup(app, args.deals, args.milestones)
            setup_s = time.perf_counter() - t0
            ops = operations(db.session, users, deal_ids, args.ops, seed=run)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            outcomes = Counter(pool.map(partial(run_op, app, users), ops))
        elapsed = time.perf_counter() - t0
        rates.append(len(ops) / elapsed)
        with app.app_context():
            violations = ledger.check(db.session)
            identity = money_identity(db.session, deal_ids)
            entries = db.session.execute(text("SELECT count(*) FROM ledger_entry")).scalar()
        print(
            f"run {run + 1}: {args.deals} funded deals × {args.milestones} milestones (setup {setup_s:.1f} s)"
        )
        print(
            f"  {len(ops)} operations on {args.threads} threads in {elapsed:.2f} s → {rates[-1]:.0f} ops/s"
        )
        for key, n in sorted(outcomes.items()):
            print(f"    {key:<40} {n}")
        print(
            f"  ledger entries: {entries}; ledger.check(): {'clean' if not violations else violations[:5]}"
        )
        print(
            f"  released + refunded + held == funded for every deal: {'yes' if not identity else identity[:3]}"
        )
        errors = sum(n for k, n in outcomes.items() if "ERROR" in k)
        if violations or identity or errors:
            sys.exit(1)
    if len(rates) > 1:
        print(
            f"ops/s over {len(rates)} runs: median {statistics.median(rates):.0f},"
            f" min {min(rates):.0f}, max {max(rates):.0f}"
        )


if __name__ == "__main__":
    main()
