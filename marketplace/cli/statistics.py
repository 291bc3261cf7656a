"""flask stats refresh | flask report market --quarter 2026Q4."""

from __future__ import annotations

import re
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from marketplace.core.errors import Invalid
from marketplace.extensions import db
from marketplace.statistics import cache
from marketplace.statistics.periods import parse
from marketplace.web import item_views
from marketplace.web.market_report import quarterly_report

stats_cli = AppGroup("stats", help="Market statistics.")
report_cli = AppGroup("report", help="Reports for the authorities.")


@stats_cli.command("refresh")
def refresh_command() -> None:
    """Write this process's waiting view counts and recompute the cached statistics."""
    written = item_views.buffer().flush(db.session)
    keys = cache.refresh(db.session)
    click.echo(f"statistics refreshed: {', '.join(keys)}; {written} view counts written")


@report_cli.command("market")
@click.option("--quarter", required=True, help="The quarter, e.g. 2026Q4 (Beijing time).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PDF to write (default: market-report-<quarter>.pdf here).",
)
def market_report_command(quarter: str, output: Path | None) -> None:
    """Write the quarterly market statistics report as a PDF (Chinese)."""
    if not re.fullmatch(r"\d{4}Q[1-4]", quarter.strip()):
        raise click.BadParameter("a quarter such as 2026Q4", param_hint="--quarter")
    try:
        period = parse(quarter.strip())
    except Invalid as exc:
        raise click.BadParameter("a quarter such as 2026Q4", param_hint="--quarter") from exc
    output = output or Path(f"market-report-{period.key}.pdf")
    output.write_bytes(quarterly_report(period))
    click.echo(f"wrote {output}")


def init_app(app: Flask) -> None:
    app.cli.add_command(stats_cli)
    app.cli.add_command(report_cli)
