"""Evaluate a ranked run against graded judgments.

    .venv/bin/python bench/match_eval.py RUN_FILE QRELS_FILE [--by-query]

RUN_FILE: tab-separated ``demand_id  listing_id  rank  score`` (``flask match export``).
QRELS_FILE: tab-separated ``demand_id  patent_id  grade`` with a header line; unlisted
pairs count as grade 0.

Prints nDCG@10 (gain 2^grade − 1, ideal from all judged grades of the demand), Recall@20
and MRR (grade ≥ 2 is relevant), averaged over the demands that have at least one
relevant judgment (a demand in the qrels missing from the run scores 0).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from pathlib import Path

RELEVANT = 2


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.strip().split("\t")
        if not line.strip() or (number == 1 and not parts[-1].strip().lstrip("-").isdigit()):
            continue  # blank or header
        if len(parts) != 3:
            raise ValueError(f"{path}:{number}: expected 3 tab-separated fields")
        qrels[parts[0]][parts[1]] = int(parts[2])
    return dict(qrels)


def read_run(path: Path) -> dict[str, list[str]]:
    rows: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3:
            raise ValueError(f"{path}:{number}: expected demand, listing, rank, score")
        rows[parts[0]].append((int(parts[2]), parts[1]))
    return {q: [doc for _, doc in sorted(docs)] for q, docs in rows.items()}


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    def dcg(gains: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k]))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(d, 0) for d in ranked]) / ideal if ideal > 0 else 0.0


def recall(ranked: list[str], grades: dict[str, int], k: int = 20) -> float:
    relevant = {d for d, g in grades.items() if g >= RELEVANT}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: list[str], grades: dict[str, int]) -> float:
    for i, d in enumerate(ranked, 1):
        if grades.get(d, 0) >= RELEVANT:
            return 1.0 / i
    return 0.0


def evaluate(run: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict:
    per_query = {}
    for q, grades in sorted(qrels.items()):
        if not any(g >= RELEVANT for g in grades.values()):
            continue
        ranked = run.get(q, [])
        per_query[q] = {
            "ndcg@10": ndcg(ranked, grades),
            "recall@20": recall(ranked, grades),
            "mrr": reciprocal_rank(ranked, grades),
        }
    n = len(per_query) or 1
    means = {m: sum(v[m] for v in per_query.values()) / n for m in ("ndcg@10", "recall@20", "mrr")}
    return {"queries": len(per_query), "mean": means, "per_query": per_query}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("qrels", type=Path)
    parser.add_argument("--by-query", action="store_true", help="print each demand's figures")
    args = parser.parse_args(argv)
    result = evaluate(read_run(args.run), read_qrels(args.qrels))
    if args.by_query:
        for q, m in result["per_query"].items():
            print(f"{q}\t" + "\t".join(f"{k}={v:.3f}" for k, v in m.items()))
    means = result["mean"]
    print(
        f"queries {result['queries']}  nDCG@10 {means['ndcg@10']:.4f}  "
        f"Recall@20 {means['recall@20']:.4f}  MRR {means['mrr']:.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
