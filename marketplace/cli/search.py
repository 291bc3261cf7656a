"""flask search drain | embed | reindex | status."""

from __future__ import annotations

import logging
import signal
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from marketplace.core.uow import UnitOfWork
from marketplace.discovery import alerts, outbox, reindex, vectors, worker
from marketplace.discovery.index import search_index
from marketplace.extensions import db
from marketplace.statistics import cache as stats_cache
from marketplace.web import item_views
from search.client import DOC_TYPES

log = logging.getLogger(__name__)

search_cli = AppGroup("search", help="Keep the Elasticsearch index in step with the database.")


@search_cli.command("drain")
@click.option("--once", is_flag=True, help="Empty the outbox and exit (else keep running).")
@click.option("--retry-now", is_flag=True, help="Retry rows that are backing off after an outage.")
def drain_command(once: bool, retry_now: bool) -> None:
    """Send the search outbox to Elasticsearch."""
    index = search_index()
    if retry_now:
        outbox.retry_now(db.session)
    stopping = {"flag": False}

    def stop(*_):
        stopping["flag"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def report(batch):
        click.echo(f"sent {batch.sent} documents, {batch.failed} failed", err=batch.failed > 0)

    done = worker.drain(
        db.session,
        index,
        once=once,
        on_batch=report,
        stop=lambda: stopping["flag"],
        periodic=None if once else statistics_refresher(),
    )
    left = outbox.backlog(db.session)
    click.echo(f"outbox: {done} rows done, {left} pending")
    if once and left:
        sys.exit(1)


def statistics_refresher(check_seconds: float = 60.0):
    """The worker's fourth duty: every minute, recompute the cached statistics if they
    are older than STATS_CACHE_SECONDS; a failure is logged, never stops the worker."""
    state = {"next": 0.0}

    def refresh() -> None:
        if time.monotonic() < state["next"]:
            return
        state["next"] = time.monotonic() + check_seconds
        try:
            item_views.buffer().flush(db.session)
            stats_cache.refresh_if_due(db.session, current_app.config["STATS_CACHE_SECONDS"])
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("statistics not refreshed", exc_info=True)

    return refresh


@search_cli.command("embed")
@click.argument("doc_types", nargs=-1, type=click.Choice(DOC_TYPES))
@click.option("--batch", default=32, show_default=True, help="Texts per call of the model.")
@click.option("--prune", is_flag=True, help="Also delete vectors of other models or deleted items.")
def embed_command(doc_types: tuple[str, ...], batch: int, prune: bool) -> None:
    """Compute and store the vectors of published items that have none (or a stale one)."""
    embedder = vectors.app_embedder()
    if embedder is None:
        click.echo("EMBEDDER=none: no vectors to compute")
        return
    index = search_index()
    click.echo(f"model {embedder.model_id} ({embedder.dimensions} dimensions)")
    for doc_type in doc_types or DOC_TYPES:
        with UnitOfWork(db.session):  # ends the reading transaction before the long part
            published = vectors.published_ids(db.session, doc_type)
            missing = vectors.missing_texts(db.session, doc_type, published, embedder)
        # The index gets the new vectors through the outbox, when it has this model's field.
        usable = index.vectors_usable(doc_type)
        started = time.perf_counter()
        with click.progressbar(length=len(missing), label=doc_type, file=sys.stderr) as bar:
            done = vectors.embed_missing(
                db.session,
                doc_type,
                embedder,
                texts=missing,
                batch=batch,
                progress=bar.update,
                after_chunk=(lambda ids, t=doc_type: outbox.resend(db.session, t, ids))
                if usable
                else None,
            )
        seconds = time.perf_counter() - started
        rate = f", {len(done) / seconds:.1f} docs/s" if done and seconds > 0 else ""
        click.echo(
            f"{doc_type}: {len(done)} embedded in {seconds:.1f} s{rate}; "
            f"{len(published) - len(missing)} of {len(published)} published were current"
        )
        if done and not usable:
            click.echo(
                f"  the {doc_type} index has no vectors of this model: "
                "run `flask search reindex` to use them"
            )
    if prune:
        removed = vectors.prune(db.session, embedder)  # commits
        click.echo(f"pruned {removed} vectors of other models or deleted items")


@search_cli.command("reindex")
@click.argument("doc_types", nargs=-1, type=click.Choice(DOC_TYPES))
def reindex_command(doc_types: tuple[str, ...]) -> None:
    """Rebuild into a new versioned index, swap the alias, delete the old index."""
    index = search_index()
    for doc_type in doc_types or DOC_TYPES:
        total = reindex.published_count(db.session, doc_type)
        with click.progressbar(length=total, label=f"{doc_type}", file=sys.stderr) as bar:
            new, old, count = reindex.reindex(db.session, index, doc_type, progress=bar.update)
        click.echo(f"{doc_type}: {count} documents into {new} (was {old or 'none'})")


@search_cli.command("status")
def status_command() -> None:
    """Indexes, aliases, document counts, outbox backlog, and whether index and database agree."""
    index = search_index()
    ok = True
    for doc_type in DOC_TYPES:
        current = index.current_index(doc_type)
        versions = index.versions(doc_type)
        click.echo(
            f"{index.names.alias(doc_type)} → {current or '(no alias)'}; indexes: {', '.join(versions) or 'none'}"
        )
        if current and index.embedder is not None and not index.vectors_usable(doc_type):
            click.echo(
                f"  no vectors of {index.embedder.model_id} in this index: "
                "run `flask search reindex`"
            )
        if current:
            report = reindex.compare(db.session, index, doc_type)
            ok = ok and report["in_sync"]
            click.echo(
                f"  database {report['database']} published, index {report['index']} documents; "
                f"missing {len(report['missing'])}, extra {len(report['extra'])}, stale {len(report['stale'])}"
                f" → {'in sync' if report['in_sync'] else 'OUT OF SYNC'}"
            )
        else:
            ok = False
    click.echo(f"outbox backlog: {outbox.backlog(db.session)}")
    waiting, given_up = alerts.status(db.session)
    click.echo(f"alert jobs: {waiting} waiting, {given_up} given up (see alert_job.last_error)")
    if not ok:
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(search_cli)
