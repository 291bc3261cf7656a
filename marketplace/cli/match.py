"""flask match export."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from marketplace.discovery import match_store
from marketplace.discovery.match_export import SYSTEMS, run_lines
from marketplace.extensions import db

match_cli = AppGroup("match", help="The matcher: demands ↔ listings.")


@match_cli.command("export")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--k", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--system", type=click.Choice(SYSTEMS), default="matcher", show_default=True)
def export_command(out: Path, k: int, system: str) -> None:
    """Write every published demand's ranked listings as tab-separated
    `demand_external_id  listing_external_id  rank  score` lines."""
    count = 0
    with out.open("w", encoding="utf-8") as fh:
        for line in run_lines(db.session, k=k, system=system):
            fh.write(line + "\n")
            count += 1
    click.echo(f"{count} lines ({system}) written to {out}")


@match_cli.command("refresh")
@click.option("--now", is_flag=True, help="compute them here instead of leaving it to the worker")
def refresh_command(now: bool) -> None:
    """Mark every published item's stored matches stale (after a deployment or a new
    model); `flask search drain` recomputes them, or this command with --now."""
    count = match_store.mark_all(db.session)  # commits
    click.echo(f"{count} items marked for new matches")
    if now:
        done = 0
        while refreshed := match_store.refresh_due(db.session, limit=100):
            done += refreshed
        click.echo(f"{done} items refreshed")


def init_app(app: Flask) -> None:
    app.cli.add_command(match_cli)
