"""Fit the matcher's models (search/matching/model.json) on the tune split, and only on it.

    .venv/bin/python scripts/fit_match.py [--data DIR ...] [--split eval/splits.json]
                                          [--pairs FILE] [--out search/matching/model.json]

1. The evaluation sets are imported into one temporary instance (bench/match_harness.py),
   and for every *tune* demand (eval/splits.json) the service gathers its candidate pool
   and each admissible candidate's features (marketplace/discovery/matching.py
   ``listing_pairs_for``, the code the app runs), per variant. Unjudged candidates are
   grade 0. ``--pairs FILE`` keeps them (and reuses the file when it exists).
2. Per variant, an L2-regularised logistic regression of grade ≥ 2 on the features
   (search/matching/model.py). Five folds grouped by demand give out-of-fold logits; a
   one-dimensional logistic fit of the labels on them (Platt scaling) rescales the final
   model, fitted on all tune pairs, so that its output is a calibrated probability.
3. Label thresholds from the out-of-fold calibrated probabilities of the tune pairs: the
   lowest probability at which the pairs at or above it are still relevant (grade ≥ 2)
   in at least PRECISION[label] of cases.

The untouched demands are never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search.matching.model import MODEL_FILE, fit_logistic, fit_model  # noqa: E402

SETS = [ROOT / "eval" / "data" / s for s in ("dev", "plant_a", "plant_b")]
SPLIT = ROOT / "eval" / "splits.json"
PARTS = ["terms", "concepts", "domain", "ipc", "trl", "legal_status", "recency", "region"]
# Chosen by grouped cross-validation on the tune demands (see README "Matching").
VARIANTS: dict[str, tuple[list[str], float]] = {
    "lexical": (["text", *PARTS], 10.0),
    "hybrid": (
        ["dense", "dense_z", "terms", "domain", "trl", "legal_status", "recency", "region"],
        30.0,
    ),
    "hybrid+concepts": (["dense", "dense_z", *PARTS], 30.0),
}
PRECISION = {"high": 0.7, "good": 0.45, "fair": 0.2}
RELEVANT = 2
FOLDS = 5


def gather(sets: list[Path], tune: set[str]) -> dict[str, list[dict]]:
    from bench.match_harness import loaded
    from marketplace.discovery import vectors
    from marketplace.discovery.matching import listing_pairs_for
    from marketplace.extensions import db

    pairs: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    with loaded(sets) as data:
        embedder = vectors.app_embedder()
        pairs["embedder"] = embedder.model_id if embedder is not None else "none"  # type: ignore[assignment]
        for demand_id, name in sorted(data.demand_names.items()):
            if name not in tune:
                continue  # never read an untouched demand
            grades = data.qrels.get(name, {})
            for variant in VARIANTS:
                _, found = listing_pairs_for(db.session, demand_id, variant=variant)
                for m, features in found:
                    doc = data.listing_names[m.listing_id]
                    pairs[variant].append(
                        {"q": name, "doc": doc, "grade": grades.get(doc, 0), "f": features}
                    )
    return pairs


def _folds(demands: list[str]) -> list[set[str]]:
    order = sorted(demands)
    np.random.RandomState(20261204).shuffle(order)
    return [set(order[i::FOLDS]) for i in range(FOLDS)]


def fit_variant(name: str, rows: list[dict]) -> dict:
    features, l2 = VARIANTS[name]
    labels = [int(r["grade"] >= RELEVANT) for r in rows]
    oof = np.zeros(len(rows))
    for fold in _folds(sorted({r["q"] for r in rows})):
        train = [i for i, r in enumerate(rows) if r["q"] not in fold]
        test = [i for i, r in enumerate(rows) if r["q"] in fold]
        m = fit_model(
            name, features, [rows[i]["f"] for i in train], [labels[i] for i in train], l2=l2
        )
        for i in test:
            oof[i] = m.logit(rows[i]["f"])
    (a,), b = fit_logistic(oof[:, None], np.asarray(labels, dtype=float), l2=0.0)
    calibrated = 1 / (1 + np.exp(-(a * oof + b)))
    final = fit_model(name, features, [r["f"] for r in rows], labels, l2=l2)
    thresholds = thresholds_for(calibrated, np.asarray(labels))
    demands = sorted({r["q"] for r in rows})
    out = final.as_dict()
    out["coef"] = [round(a * c, 6) for c in final.coef]
    out["intercept"] = round(a * final.intercept + b, 6)
    out["thresholds"] = thresholds
    out["fitted"] = {
        "on": f"{len(demands)} tune demands of eval/splits.json ({len(rows)} candidate pairs, "
        f"{sum(labels)} with grade >= {RELEVANT}; unjudged candidates grade 0)",
        "sets": sorted({q.split("/")[0] for q in demands}),
        "target": f"grade >= {RELEVANT}",
        "l2": l2,
        "calibration": f"Platt scaling of {FOLDS}-fold out-of-fold logits: a={a:.4f}, b={b:.4f}",
        "thresholds": "lowest out-of-fold probability at which the pairs at or above it "
        f"are relevant with precision {PRECISION}",
        "by": "scripts/fit_match.py",
    }
    return out


def thresholds_for(p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    order = np.argsort(-p)
    hits = np.cumsum(y[order])
    precision = hits / np.arange(1, len(p) + 1)
    out = {}
    for label, target in PRECISION.items():
        ok = np.nonzero(precision >= target)[0]
        ok = ok[ok >= 4]  # at least five pairs above a threshold
        out[label] = round(float(p[order][ok[-1]]), 4) if len(ok) else 1.0
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, action="append")
    parser.add_argument("--split", type=Path, default=SPLIT)
    parser.add_argument("--pairs", type=Path, help="keep (or reuse) the gathered pairs")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args()
    tune = set(json.loads(args.split.read_text(encoding="utf-8"))["tune"])
    if args.pairs and args.pairs.exists():
        pairs = json.loads(args.pairs.read_text(encoding="utf-8"))
    else:
        pairs = gather(args.data or SETS, tune)
        if args.pairs:
            args.pairs.write_text(json.dumps(pairs, ensure_ascii=False), encoding="utf-8")
    embedder = pairs.pop("embedder", "unknown")
    variants = {name: fit_variant(name, rows) for name, rows in pairs.items()}
    for v in variants.values():
        v["fitted"]["embedder"] = embedder  # the dense features are this model's cosines
    args.out.write_text(
        json.dumps({"variants": variants}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    for name, v in variants.items():
        print(f"{name}: thresholds {v['thresholds']}; {v['fitted']['on']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
