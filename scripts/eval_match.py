"""`make eval`: the matcher's variants and the plain BM25 baseline, side by side, on the
untouched split, the tune split and the development set alone.

Imports the evaluation sets (by default eval/data/{dev,plant_a,plant_b}) into one fresh
temporary instance — one catalogue, so every demand faces every patent — computes the
vectors of every listing and demand, rebuilds the indexes, exports each system's run with
the code of `flask match export`, and scores them with bench/match_eval.py (nDCG@10,
Recall@20, MRR). Demands are split by eval/splits.json (tune: looked at and fitted on;
untouched: reported, never looked at demand by demand); with --data naming other sets
(someone else's held-out data), every demand of them counts as untouched.

    .venv/bin/python scripts/eval_match.py [--data DIR ...] [--k 50] [--keep DIR]
                                            [--systems a,b] [--by-query tune]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench.match_eval import evaluate  # noqa: E402
from bench.match_harness import data_files, loaded  # noqa: E402
from marketplace.discovery.match_export import run_lines  # noqa: E402
from marketplace.extensions import db  # noqa: E402

DEFAULT_SETS = [ROOT / "eval" / "data" / s for s in ("dev", "plant_a", "plant_b")]
SPLIT = ROOT / "eval" / "splits.json"
# (system, label): the rows of the table
SYSTEMS = (
    ("baseline-filtered", "BM25 baseline (filters)"),
    ("landed", "lexical, landed (no model)"),
    ("lexical", "lexical-only (no vectors)"),
    ("dense", "dense-only (kNN, filters)"),
    ("hybrid", "hybrid (no concepts)"),
    ("hybrid+concepts", "hybrid + concepts (app)"),
)
METRICS = ("ndcg@10", "recall@20", "mrr")


def groups_for(names: list[str], default_sets: bool) -> dict[str, set[str]]:
    """The demand groups the table reports: untouched, tune and dev (eval/splits.json)
    for the project's own sets; "all demands (no split)" for anyone else's."""
    if not default_sets:
        return {"all demands (no split)": set(names)}
    split = json.loads(SPLIT.read_text(encoding="utf-8"))
    return {
        "untouched": set(split["untouched"]) & set(names),
        "tune": set(split["tune"]) & set(names),
        "dev": {n for n in names if n.startswith("dev/")},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, action="append")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="also copy the run files to this folder")
    parser.add_argument("--systems", help="comma-separated, default all")
    parser.add_argument(
        "--by-query", choices=("tune", "all"), help="per-demand figures (tune: the tune split)"
    )
    args = parser.parse_args()
    sets = args.data or DEFAULT_SETS
    default_sets = args.data is None or [p.resolve() for p in sets] == DEFAULT_SETS
    chosen = [s for s in SYSTEMS if not args.systems or s[0] in args.systems.split(",")]
    for s in sets:
        data_files(s)
    began = time.perf_counter()
    results: dict[str, dict[str, dict]] = {}
    with loaded(sets) as data:
        qrels = data.qrels
        groups = groups_for(sorted(data.demand_names.values()), default_sets)

        def name(row) -> str:
            names = data.demand_names if row.__tablename__ == "demand" else data.listing_names
            return names[row.id]

        for system, _ in chosen:
            started = time.perf_counter()
            lines = list(run_lines(db.session, k=args.k, system=system, name=name))
            print(f"{system}: {len(lines)} lines in {time.perf_counter() - started:.1f} s")
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                (args.keep / f"{system}.run").write_text(
                    "".join(line + "\n" for line in lines), encoding="utf-8"
                )
            run = read_run_lines(lines)
            results[system] = {
                g: evaluate(run, {q: v for q, v in qrels.items() if q in members})
                for g, members in groups.items()
            }
    print()
    header = f"{'':30}" + "".join(f"| {g[:24]:^26}" for g in groups)
    print(header)
    print(f"{'':30}" + "".join(f"| {'nDCG@10 R@20  MRR   n':^26}" for _ in groups))
    for system, label in chosen:
        cells = []
        for g in groups:
            r = results[system][g]
            m = r["mean"]
            cells.append(
                f"| {m['ndcg@10']:.3f}  {m['recall@20']:.3f} {m['mrr']:.3f} {r['queries']:>3} "
            )
        print(f"{label:30}" + "".join(cells))
    if args.by_query:
        shown = groups.get("tune", set()) if args.by_query == "tune" else set(qrels)
        print(f"\nper demand ({args.by_query}), nDCG@10 per system:")
        for q in sorted(shown):
            row = []
            for system, _ in chosen:
                per = next(
                    (
                        r["per_query"].get(q)
                        for r in results[system].values()
                        if q in r["per_query"]
                    ),
                    None,
                )
                row.append(f"{per['ndcg@10']:.3f}" if per else "  -  ")
            print(f"  {q:20} " + " ".join(row))
    print(f"\ntotal {time.perf_counter() - began:.1f} s")
    return 0


def read_run_lines(lines: list[str]) -> dict[str, list[str]]:
    rows: dict[str, list[tuple[int, str]]] = {}
    for line in lines:
        q, doc, rank, _ = line.split("\t")
        rows.setdefault(q, []).append((int(rank), doc))
    return {q: [d for _, d in sorted(v)] for q, v in rows.items()}


if __name__ == "__main__":
    sys.exit(main())
