"""Market statistics for the page, the API and the downloads alike: the cached figures of
a period, their tables in the reader's language, chart data for the browser (ECharts,
static/js/statistics.js) and CSV/XLSX downloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from marketplace.core.errors import NotFound
from marketplace.core.messages import N_
from marketplace.core.money import format_money
from marketplace.extensions import db
from marketplace.models.types import utcnow
from marketplace.statistics import cache
from marketplace.statistics.figures import FIGURES, Column, Figure
from marketplace.statistics.periods import Period, for_day, local_today, parse
from marketplace.web.exports import export
from marketplace.web.i18n import label

MINOR = Decimal(100)
CENTS = Decimal("0.01")


def period_of(raw: str | None) -> Period:
    """The period a request names (``period=``), this year by default; Invalid if bad."""
    if not raw:
        return for_day(local_today(utcnow()), "year")
    return parse(raw)


def snapshot(period: Period) -> dict[str, Any]:
    return cache.get(db.session, period, max_age=current_app.config["STATS_CACHE_SECONDS"])


def figure_of(key: str) -> Figure:
    figure = FIGURES.get(key)
    if figure is None:
        raise NotFound(N_("No statistic %(figure)s."), figure=key)
    return figure


def heading(column: Column) -> str:
    text = _(column.title)
    return text + _(" (CNY)") if column.kind == "money" else text


def dimension_text(column: Column, value: Any) -> str:
    if column.kind in ("domain", "transfer_mode"):
        return label(column.kind, value)
    if column.kind == "region":
        return value or _("Region not given")
    if column.kind == "item_kind":
        return _("Listings") if value == "listings" else _("Demands")
    return str(value)


def _money_currency(figure: Figure, row: list[Any]) -> str:
    return row[0] if figure.dimension.kind == "currency" else "CNY"


def cell_text(figure: Figure, column: Column, value: Any, row: list[Any]) -> str:
    if column is figure.dimension:
        return dimension_text(column, value)
    if value is None:
        return "—"
    if column.kind == "money":
        return format_money(int(value), _money_currency(figure, row))
    if column.kind == "days":
        return f"{value:.1f}"
    return str(value)


def table(figure: Figure, rows: list[list[Any]]) -> dict[str, Any]:
    """Headings and display rows of a figure, for a page."""
    return {
        "key": figure.key,
        "title": _(figure.title),
        "note": _(figure.note) if figure.note else "",
        "headings": [heading(c) for c in figure.columns],
        "numeric": [c.kind in ("count", "money", "days") for c in figure.columns],
        "rows": [
            [cell_text(figure, c, v, row) for c, v in zip(figure.columns, row, strict=True)]
            for row in rows
        ],
    }


def _major(minor: int | None) -> float | None:
    return None if minor is None else float(Decimal(int(minor)) / MINOR)


def chart(figure: Figure, rows: list[list[Any]]) -> dict[str, Any]:
    """What static/js/statistics.js draws: categories, and one series per value column
    (money in yuan on a second axis)."""
    categories = [dimension_text(figure.dimension, row[0]) for row in rows]
    series = []
    for i, column in enumerate(figure.columns[1:], start=1):
        data = [row[i] for row in rows]
        if column.kind == "money":
            data = [_major(v) for v in data]
        series.append({"name": heading(column), "kind": column.kind, "data": data})
    return {
        "type": figure.chart,
        "title": _(figure.title),
        "categories": categories,
        "series": series,
        "axes": chart_axes(),
    }


def chart_axes() -> dict[str, str]:
    return {"count": _("Number"), "money": _("Yuan"), "days": _("Days")}


def export_rows(figure: Figure, rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    """Headings and rows for a file: labels for codes, money in yuan (two decimals)."""
    out = []
    for row in rows:
        line = []
        for column, value in zip(figure.columns, row, strict=True):
            if column is figure.dimension:
                line.append(dimension_text(column, value))
            elif column.kind == "money":
                line.append((Decimal(int(value or 0)) / MINOR).quantize(CENTS))
            elif value is None:
                line.append("")
            else:
                line.append(value)
        out.append(line)
    return [heading(c) for c in figure.columns], out


def download(key: str, period: Period, fmt: str):
    figure = figure_of(key)
    rows = snapshot(period)["figures"][key]
    headings, lines = export_rows(figure, rows)
    return export(f"statistics-{key}-{period.key}", headings, lines, fmt)


def page_figures(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure with its table and chart data, in registration order."""
    out = []
    for key, figure in FIGURES.items():
        rows = payload["figures"].get(key, [])
        out.append({**table(figure, rows), "chart": chart(figure, rows), "empty": not rows})
    return out
