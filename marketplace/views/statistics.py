"""Market statistics (市场统计): the public page with its charts and tables, each figure
as CSV/XLSX; an owner's analytics of one listing or demand; the operators' dashboard."""

from __future__ import annotations

from datetime import datetime

from flask import render_template, request
from flask_babel import gettext as _

from marketplace.accounts.users import require_operator
from marketplace.core.errors import Invalid, NotFound
from marketplace.core.messages import N_
from marketplace.extensions import db
from marketplace.models.types import utcnow
from marketplace.statistics import cache, dashboard, owners
from marketplace.statistics.periods import Period
from marketplace.views.base import actor, bp, field_errors, require_login
from marketplace.web import statistics as stats_web
from marketplace.web.exports import export

FORMATS = ("csv", "xlsx")


def _period() -> tuple[Period, dict]:
    raw = request.args.get("period", "")
    try:
        return stats_web.period_of(raw), {}
    except Invalid as exc:
        return stats_web.period_of(None), field_errors(exc.fields)


@bp.route("/statistics")
def statistics():
    period, errors = _period()
    payload = stats_web.snapshot(period)
    return render_template(
        "statistics/index.html",
        period=period,
        periods=cache.usual_periods(utcnow()),
        period_errors=errors,
        raw_period=request.args.get("period", ""),
        computed_at=datetime.fromisoformat(payload["computed_at"]),
        figures=stats_web.page_figures(payload),
    )


@bp.route("/statistics/<key>.<fmt>")
def statistics_download(key: str, fmt: str):
    if fmt not in FORMATS:
        raise NotFound(N_("No such download."))
    period = stats_web.period_of(request.args.get("period", ""))
    return stats_web.download(key, period, fmt)


def _days() -> tuple[int, dict]:
    raw = request.args.get("days", "30")
    if raw in ("7", "30", "90", "365"):
        return int(raw), {}
    return 30, {"days": [_("Choose 7, 30, 90 or 365 days.")]}


def _analytics(doc_type: str, item_id: int):
    days, errors = _days()
    result = owners.item_analytics(db.session, actor(), doc_type, item_id, days=days)
    fmt = request.args.get("format", "")
    headings = [stats_web.heading(c) for c in owners.COLUMNS]
    if fmt in FORMATS:
        return export(f"{doc_type[:-1]}-{item_id}-analytics-{days}d", headings, result["rows"], fmt)
    chart = {
        "type": "line",
        "title": result["item"].title,
        "categories": [r[0] for r in result["rows"]],
        "series": [
            {"name": h, "kind": "count", "data": [r[i] for r in result["rows"]]}
            for i, h in enumerate(headings[1:], start=1)
        ],
        "axes": stats_web.chart_axes(),
    }
    return render_template(
        "statistics/item.html",
        doc_type=doc_type,
        result=result,
        headings=headings,
        chart=chart,
        day_errors=errors,
    )


@bp.route("/listings/<int:item_id>/analytics")
@require_login
def listing_analytics(item_id: int):
    return _analytics("listings", item_id)


@bp.route("/demands/<int:item_id>/analytics")
@require_login
def demand_analytics(item_id: int):
    return _analytics("demands", item_id)


# The operators' dashboard ----------------------------------------------------------------

DASHBOARD_ARGS = ("period", "domain", "region")


def _dashboard_filters() -> tuple[dashboard.Filters, dict, dict]:
    """The filters asked for (defaults in place of bad ones, with their field errors), and
    the arguments as typed."""
    values = {k: v for k in DASHBOARD_ARGS if (v := request.args.get(k, "").strip())}
    try:
        return stats_web.dashboard_filters(values), {}, values
    except Invalid as exc:
        errors = field_errors(exc.fields)
        good = {k: v for k, v in values.items() if k not in errors}
        return stats_web.dashboard_filters(good), errors, values


@bp.route("/operator/dashboard")
@require_login
def operator_dashboard():
    require_operator(actor())
    f, errors, values = _dashboard_filters()
    now = utcnow()
    payload = {"figures": dashboard.compute(db.session, f, now)}
    query = {
        k: v for k, v in (("period", f.period.key), ("domain", f.domain), ("region", f.region)) if v
    }
    return render_template(
        "operator/dashboard.html",
        f=f,
        values=values,
        errors=errors,
        query=query,
        periods=cache.usual_periods(now),
        regions=dashboard.regions(db.session),
        computed_at=now,
        figures=stats_web.page_figures(payload, dashboard.DASHBOARD),
    ), (422 if errors else 200)


@bp.route("/operator/dashboard/<key>.<fmt>")
@require_login
def operator_dashboard_download(key: str, fmt: str):
    require_operator(actor())
    if fmt not in FORMATS:
        raise NotFound(N_("No such download."))
    f = stats_web.dashboard_filters(request.args)
    return stats_web.dashboard_download(key, f, fmt)
