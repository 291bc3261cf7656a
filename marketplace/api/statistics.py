"""Statistics API: the market's figures of a period (public, cached), each figure as JSON,
CSV or XLSX, and an owner's analytics of one listing or demand."""

from __future__ import annotations

from datetime import datetime

from flask_smorest import Blueprint

from marketplace.accounts.users import require_operator
from marketplace.api.brokers import export_doc
from marketplace.api.spec import login_required
from marketplace.extensions import db
from marketplace.models.types import utcnow
from marketplace.schemas.common import ApiError
from marketplace.schemas.statistics import (
    AnalyticsOut,
    AnalyticsQuery,
    DashboardFigureQuery,
    DashboardOut,
    DashboardQuery,
    FigureOut,
    FigureQuery,
    StatisticsOut,
    StatisticsQuery,
)
from marketplace.statistics import dashboard, owners
from marketplace.statistics.figures import FIGURES, Figure
from marketplace.web import statistics as stats_web
from marketplace.web.auth import current_actor
from marketplace.web.exports import export


def _columns(columns) -> list[dict]:
    return [{"key": c.key, "kind": c.kind, "title": c.title} for c in columns]


def _figure(figure: Figure, rows) -> dict:
    return {
        "key": figure.key,
        "title": figure.title,
        "chart": figure.chart,
        "columns": _columns(figure.columns),
        "rows": rows,
    }


def create_blueprint() -> Blueprint:
    blp = Blueprint("statistics", __name__, url_prefix="/api/v1", description="Market statistics")

    @blp.route("/statistics", methods=["GET"])
    @blp.arguments(StatisticsQuery, location="query")
    @blp.response(200, StatisticsOut)
    def statistics(args):
        """Every figure of the market over a period (Asia/Shanghai days): listings
        published and transferred, demands posted and met, deals agreed, contract value
        and released amounts by month, domain, region and transfer mode; time to first
        inquiry and to deal; brokers' output. Cached; ``computed_at`` says when."""
        period = stats_web.period_of(args.get("period"))
        payload = stats_web.snapshot(period)
        return {
            "period": period.key,
            "start": period.start,
            "end": period.end,
            "computed_at": datetime.fromisoformat(payload["computed_at"]),
            "figures": [_figure(f, payload["figures"].get(k, [])) for k, f in FIGURES.items()],
        }

    @blp.route("/statistics/<key>", methods=["GET"])
    @blp.arguments(FigureQuery, location="query")
    @blp.response(200, FigureOut)
    @blp.doc(**export_doc({"$ref": "#/components/schemas/FigureOut"}))
    @blp.alt_response(404, schema=ApiError)
    def figure(args, key: str):
        """One figure of a period; ``format=csv`` or ``format=xlsx`` downloads it (money
        in yuan there, labels in the request's language)."""
        fig = stats_web.figure_of(key)
        period = stats_web.period_of(args.get("period"))
        if args["format"] != "json":
            return stats_web.download(key, period, args["format"])
        return _figure(fig, stats_web.snapshot(period)["figures"].get(key, []))

    def analytics(doc_type: str, item_id: int, args):
        result = owners.item_analytics(
            db.session, current_actor(), doc_type, item_id, days=args["days"]
        )
        if args["format"] != "json":
            headings = [stats_web.heading(c) for c in owners.COLUMNS]
            name = f"{doc_type[:-1]}-{item_id}-analytics-{args['days']}d"
            return export(name, headings, result["rows"], args["format"])
        return {
            "doc_type": doc_type,
            "item_id": item_id,
            "days": result["days"],
            "columns": _columns(owners.COLUMNS),
            "rows": result["rows"],
            "totals": result["totals"],
        }

    analytics_doc = export_doc({"$ref": "#/components/schemas/AnalyticsOut"})

    @blp.route("/listings/<int:item_id>/analytics", methods=["GET"])
    @login_required(blp)
    @blp.arguments(AnalyticsQuery, location="query")
    @blp.response(200, AnalyticsOut)
    @blp.doc(**analytics_doc)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    def listing_analytics(args, item_id: int):
        """A listing's views, inquiries, matches and saved-search hits per day
        (Asia/Shanghai) over the last ``days`` days, and its totals (its organization's
        members and operators)."""
        return analytics("listings", item_id, args)

    @blp.route("/demands/<int:item_id>/analytics", methods=["GET"])
    @login_required(blp)
    @blp.arguments(AnalyticsQuery, location="query")
    @blp.response(200, AnalyticsOut)
    @blp.doc(**analytics_doc)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    def demand_analytics(args, item_id: int):
        """A demand's views, inquiries, matches and saved-search hits per day, as for
        listings."""
        return analytics("demands", item_id, args)

    @blp.route("/operator/dashboard", methods=["GET"])
    @login_required(blp)
    @blp.arguments(DashboardQuery, location="query")
    @blp.response(200, DashboardOut)
    @blp.alt_response(403, schema=ApiError)
    def operator_dashboard(args):
        """The operators' dashboard (operators): the funnel from item views to completed
        deals, overall and per domain; review-queue ages; matches shown and inquiries
        from them; brokers' output — over a period, optionally of one domain and one
        region. Computed now, not cached."""
        require_operator(current_actor())
        f = stats_web.dashboard_filters(args)
        now = utcnow()
        rows = dashboard.compute(db.session, f, now)
        return {
            "period": f.period.key,
            "start": f.period.start,
            "end": f.period.end,
            "domain": f.domain,
            "region": f.region,
            "computed_at": now,
            "figures": [_figure(fig, rows[k]) for k, fig in dashboard.DASHBOARD.items()],
        }

    @blp.route("/operator/dashboard/<key>", methods=["GET"])
    @login_required(blp)
    @blp.arguments(DashboardFigureQuery, location="query")
    @blp.response(200, FigureOut)
    @blp.doc(**export_doc({"$ref": "#/components/schemas/FigureOut"}))
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    def operator_dashboard_figure(args, key: str):
        """One figure of the operators' dashboard (operators); ``format=csv`` or
        ``format=xlsx`` downloads it."""
        require_operator(current_actor())
        fig = stats_web.dashboard_figure_of(key)
        f = stats_web.dashboard_filters(args)
        if args["format"] != "json":
            return stats_web.dashboard_download(key, f, args["format"])
        return _figure(fig, fig.compute(db.session, f, utcnow()))  # type: ignore[arg-type]

    return blp
