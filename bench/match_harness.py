"""What `make eval` (scripts/eval_match.py) and scripts/fit_match.py share: evaluation sets
imported into one temporary instance (one catalogue: every demand faces every patent),
vectors for every item, the indexes rebuilt with them.

A demand or patent is named "<set>/<id>" (the set is its folder's name) when several sets
are loaded, since sets may reuse ids; with one set, by its own id.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.instance import temporary_instance
from bench.match_eval import read_qrels
from marketplace.catalog import imports
from marketplace.discovery import outbox, reindex, vectors
from marketplace.discovery.index import search_index
from marketplace.extensions import db
from marketplace.models import Demand, Listing

NAMES = ("patents.jsonl", "demands.jsonl", "qrels.tsv")


@dataclass
class Loaded:
    app: object
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)
    demand_names: dict[int, str] = field(default_factory=dict)  # demand id → name
    listing_names: dict[int, str] = field(default_factory=dict)
    sets: list[str] = field(default_factory=list)


def data_files(data: Path) -> tuple[Path, Path, Path, bool]:
    if all((data / n).exists() for n in NAMES):
        return (*(data / n for n in NAMES), False)
    sample = tuple(data / f"sample_{n}" for n in NAMES)
    if all(p.exists() for p in sample):
        return (*sample, True)
    sys.exit(f"no evaluation set in {data} (neither {NAMES} nor their sample_* files)")


@contextmanager
def loaded(sets: list[Path], *, embed: bool = True, echo=print) -> Iterator[Loaded]:
    """A temporary instance with ``sets`` imported (published), vectors computed and the
    indexes rebuilt; yields inside its app context."""
    many = len(sets) > 1
    with temporary_instance("eval") as instance, instance.app.app_context():
        out = Loaded(instance.app, sets=[s.name for s in sets])
        for data in sets:
            patents, demands, qrels_file, sample = data_files(data)
            if sample:
                echo(f"NOTE: {data} has no evaluation set yet; using the sample_* files.")
            source = data.name[:50] or "eval"
            for kind, path in (("listings", patents), ("demands", demands)):
                report = imports.import_file(
                    db.session, kind, path, path.name, source=source, publish=True
                )
                echo(f"{source}: {kind} {report.created} created, {report.failed} failed")
            prefix = f"{source}/" if many else ""
            for q, grades in read_qrels(qrels_file).items():
                out.qrels[prefix + q] = {prefix + p: g for p, g in grades.items()}
        for model, names in ((Demand, out.demand_names), (Listing, out.listing_names)):
            for row_id, source, external in db.session.execute(
                db.select(model.id, model.source, model.external_id)
            ):
                name = external or str(row_id)
                names[row_id] = f"{source}/{name}" if many else name
        embedder = vectors.app_embedder()
        if embed and embedder is not None:
            for doc_type in outbox.DOC_TYPES:
                started = time.perf_counter()
                done = vectors.embed_missing(db.session, doc_type, embedder)
                took = time.perf_counter() - started
                rate = len(done) / took if took > 0 else 0.0
                echo(f"vectors: {len(done)} {doc_type} in {took:.1f} s ({rate:.1f} docs/s)")
        index = search_index()
        for doc_type in outbox.DOC_TYPES:
            reindex.reindex(db.session, index, doc_type)
        yield out
