"""Market statistics for the page, the API and the downloads alike: the cached figures of
a period, their tables in the reader's language, chart data for the browser (ECharts,
static/js/statistics.js) and CSV/XLSX downloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from marketplace.core.errors import Invalid, NotFound
from marketplace.core.messages import N_
from marketplace.core.money import format_money
from marketplace.extensions import db
from marketplace.models.types import utcnow
from marketplace.statistics import cache, dashboard
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
    if column.kind in ("stage", "queue"):
        labels = dashboard.STAGES if column.kind == "stage" else dashboard.QUEUES
        return _(labels[value]) if value in labels else str(value)
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
    if column.kind == "percent":
        return f"{value:.1f}%"
    return str(value)


def table(figure: Figure, rows: list[list[Any]]) -> dict[str, Any]:
    """Headings and display rows of a figure, for a page."""
    return {
        "key": figure.key,
        "title": _(figure.title),
        "note": _(figure.note) if figure.note else "",
        "headings": [heading(c) for c in figure.columns],
        "numeric": [c.kind in ("count", "money", "days", "percent") for c in figure.columns],
        "rows": [
            [cell_text(figure, c, v, row) for c, v in zip(figure.columns, row, strict=True)]
            for row in rows
        ],
    }


def _major(minor: int | None) -> float | None:
    return None if minor is None else float(Decimal(int(minor)) / MINOR)


def chart(figure: Figure, rows: list[list[Any]]) -> dict[str, Any]:
    """What static/js/statistics.js draws: categories, and one series per value column
    (money in yuan on a second axis); percentages stay in the table."""
    categories = [dimension_text(figure.dimension, row[0]) for row in rows]
    series = []
    for i, column in enumerate(figure.columns[1:], start=1):
        if column.kind == "percent":
            continue
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


def page_figures(payload: dict[str, Any], figures: dict[str, Figure] = FIGURES):
    """Every figure with its table and chart data, in registration order."""
    out = []
    for key, figure in figures.items():
        rows = payload["figures"].get(key, [])
        out.append({**table(figure, rows), "chart": chart(figure, rows), "empty": not rows})
    return out


# The operators' dashboard ----------------------------------------------------------------


def dashboard_filters(args) -> dashboard.Filters:
    """The dashboard's filters from a request's arguments (period, domain, region);
    Invalid with every bad field."""
    errors: dict[str, Any] = {}
    try:
        period = period_of(args.get("period"))
    except Invalid as exc:
        errors.update(exc.fields)
        period = period_of(None)
    try:
        found = dashboard.filters(period, args.get("domain"), args.get("region"))
    except Invalid as exc:
        errors.update(exc.fields)
    if errors:
        raise Invalid(errors)
    return found


def dashboard_figure_of(key: str) -> Figure:
    figure = dashboard.DASHBOARD.get(key)
    if figure is None:
        raise NotFound(N_("No statistic %(figure)s."), figure=key)
    return figure


def dashboard_name(f: dashboard.Filters, key: str) -> str:
    parts = ["dashboard", key, f.period.key, f.domain or ""]  # ASCII: a header
    return "-".join(p for p in parts if p)


def dashboard_download(key: str, f: dashboard.Filters, fmt: str):
    figure = dashboard_figure_of(key)
    rows = figure.compute(db.session, f, utcnow())  # type: ignore[arg-type]
    headings, lines = export_rows(figure, rows)
    return export(dashboard_name(f, key), headings, lines, fmt)
