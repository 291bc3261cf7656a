"""`make eval`: the matcher and the plain baseline on the development set, side by side.

Imports eval/data/dev/{patents,demands}.jsonl (published) into a fresh temporary
instance (a temporary SQLite database and a noida-db on a free loopback port, both removed
afterwards), exports both runs with the same code as `flask match export`, and scores
them with bench/match_eval.py. Where the development files are not there yet, it uses the
sample_* files and says so.

    .venv/bin/python scripts/eval_match.py [--data DIR] [--k 50] [--by-query] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench.instance import temporary_instance  # noqa: E402
from bench.match_eval import evaluate, read_qrels, read_run  # noqa: E402
from marketplace.catalog import imports  # noqa: E402
from marketplace.discovery import outbox, reindex  # noqa: E402
from marketplace.discovery.index import search_index  # noqa: E402
from marketplace.discovery.match_export import run_lines  # noqa: E402
from marketplace.extensions import db  # noqa: E402

DEFAULT_DATA = ROOT / "eval" / "data" / "dev"


def data_files(data: Path) -> tuple[Path, Path, Path, bool]:
    names = ("patents.jsonl", "demands.jsonl", "qrels.tsv")
    if all((data / n).exists() for n in names):
        return (*(data / n for n in names), False)
    sample = tuple(data / f"sample_{n}" for n in names)
    if all(p.exists() for p in sample):
        return (*sample, True)
    sys.exit(f"no development set in {data} (neither {names} nor their sample_* files)")


def constrained_demands(patents: Path, demands: Path, qrels: dict) -> set[str]:
    """Demands with a judged patent that breaks a hard constraint (no common mode, or a
    fixed price above the budget maximum)."""
    pats = {
        p["id"]: p for p in map(json.loads, patents.read_text(encoding="utf-8").splitlines()) if p
    }
    out = set()
    for line in demands.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        for pid in qrels.get(d["id"], {}):
            p = pats.get(pid)
            if p is None:
                continue
            if not admissible(d, p):
                out.add(d["id"])
    return out


def admissible_qrels(patents: Path, demands: Path, qrels: dict) -> dict:
    """The judgments without the pairs that break a hard constraint."""
    pats = {
        p["id"]: p for p in map(json.loads, patents.read_text(encoding="utf-8").splitlines()) if p
    }
    dems = {
        d["id"]: d for d in map(json.loads, demands.read_text(encoding="utf-8").splitlines()) if d
    }
    return {
        q: {
            pid: g
            for pid, g in grades.items()
            if q not in dems or admissible(dems[q], pats.get(pid))
        }
        for q, grades in qrels.items()
    }


def admissible(d: dict, p: dict | None) -> bool:
    if p is None:
        return True
    if not set(p.get("transfer_modes") or ()) & set(d.get("cooperation_modes") or ()):
        return False
    return not (
        p.get("price_type") == "fixed"
        and d.get("budget_max_cny") is not None
        and (p.get("price_cny") or 0) > d["budget_max_cny"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--by-query", action="store_true")
    parser.add_argument("--keep", type=Path, help="also copy both run files to this folder")
    args = parser.parse_args()
    patents, demands, qrels_file, sample = data_files(args.data)
    if sample:
        print(f"NOTE: {args.data} has no development set yet; using the sample_* files.")
    print(f"data: {patents.name}, {demands.name}, {qrels_file.name} from {args.data}")

    began = time.perf_counter()
    with temporary_instance("eval") as instance:
        app, workdir = instance.app, instance.workdir
        runs = {}
        with app.app_context():
            for kind, path in (("listings", patents), ("demands", demands)):
                report = imports.import_file(
                    db.session, kind, path, path.name, source="dev", publish=True
                )
                print(f"imported {kind}: {report.created} created, {report.failed} failed")
            index = search_index()
            for doc_type in outbox.DOC_TYPES:
                reindex.reindex(db.session, index, doc_type)
            for system in ("baseline", "matcher"):
                out = Path(workdir) / f"{system}.run"
                started = time.perf_counter()
                lines = list(run_lines(db.session, k=args.k, system=system))
                out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
                runs[system] = out
                print(f"{system}: {len(lines)} lines in {time.perf_counter() - started:.1f} s")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for out in runs.values():
                shutil.copy(out, args.keep / out.name)
        qrels = read_qrels(qrels_file)
        parsed = {s: read_run(p) for s, p in runs.items()}
        results = {s: evaluate(r, qrels) for s, r in parsed.items()}

    metrics = ("ndcg@10", "recall@20", "mrr")
    print(
        f"\n{'':12}{'nDCG@10':>10}{'Recall@20':>11}{'MRR':>8}   ({results['matcher']['queries']} demands)"
    )
    for system in ("baseline", "matcher"):
        m = results[system]["mean"]
        print(
            f"{system:12}"
            + "".join(f"{m[k]:>{w}.4f}" for k, w in zip(metrics, (10, 11, 8), strict=True))
        )
    base, ours = results["baseline"]["mean"], results["matcher"]["mean"]
    print(
        f"{'gain':12}"
        + "".join(
            f"{ours[k] - base[k]:>+{w}.4f}" for k, w in zip(metrics, (10, 11, 8), strict=True)
        )
    )

    hard = sorted(
        constrained_demands(patents, demands, qrels) & set(results["matcher"]["per_query"])
    )
    if hard:
        # A listing that breaks a hard constraint is graded at most 1 and the matcher never
        # returns it, so on the raw judgments such a demand can lose that grade-1 credit.
        # "within" judges both runs against the admissible listings only.
        judged = admissible_qrels(patents, demands, qrels)
        within = {s: evaluate(r, judged) for s, r in parsed.items()}
        print(f"\ndemands with a judged listing that breaks a hard constraint: {len(hard)}")
        print("  nDCG@10 baseline → matcher (raw judgments | admissible listings only)")
        for q in hard:
            b, o = results["baseline"]["per_query"][q], results["matcher"]["per_query"][q]
            wb = within["baseline"]["per_query"].get(q, {}).get("ndcg@10", 0.0)
            wo = within["matcher"]["per_query"].get(q, {}).get("ndcg@10", 0.0)
            flag = "  WORSE" if wo < wb - 1e-9 else ""
            print(
                f"  {q}: {b['ndcg@10']:.3f} → {o['ndcg@10']:.3f} | {wb:.3f} → {wo:.3f}"
                f"   MRR {b['mrr']:.2f} → {o['mrr']:.2f}{flag}"
            )
    if args.by_query:
        print("\nper demand (baseline → matcher nDCG@10, Recall@20, MRR):")
        for q, o in results["matcher"]["per_query"].items():
            b = results["baseline"]["per_query"][q]
            print(
                f"  {q}: {b['ndcg@10']:.3f} → {o['ndcg@10']:.3f}, "
                f"{b['recall@20']:.2f} → {o['recall@20']:.2f}, {b['mrr']:.2f} → {o['mrr']:.2f}"
            )
    print(f"\ntotal {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
