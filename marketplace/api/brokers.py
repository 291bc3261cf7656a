"""Brokers API: the directory and public profiles, a broker's own profile, operator
verification, the operators' ranking (JSON, CSV, XLSX) and a broker's earnings statement
(JSON, CSV). Deal-side broker endpoints are in api/broker_deals.py."""

from __future__ import annotations

from flask_smorest import Blueprint

from marketplace.accounts import brokers
from marketplace.api.publication import page_body
from marketplace.api.spec import login_required
from marketplace.brokers import earnings as broker_earnings
from marketplace.brokers import stats as broker_stats
from marketplace.core.errors import NotFound, Unauthorized
from marketplace.core.messages import N_
from marketplace.extensions import db
from marketplace.schemas.brokers import (
    DirectoryQuery,
    EarningsOut,
    PeriodQuery,
    ProfileDetailOut,
    ProfileIn,
    ProfileOut,
    ProfilePage,
    RankingQuery,
    RankingRowOut,
    ReviewIn,
)
from marketplace.schemas.common import ApiError
from marketplace.web.auth import current_actor
from marketplace.web.exports import export, period_name


def export_doc(json_schema: dict) -> dict:
    """``format=csv|xlsx`` answers with a file instead of JSON: the document says so."""
    files = {
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
    }
    content = {"application/json": {"schema": json_schema}} | files
    return {"responses": {"200": {"description": "OK", "content": content}}}


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "brokers", __name__, url_prefix="/api/v1/brokers", description="Technology brokers"
    )

    @blp.route("", methods=["GET"])
    @blp.arguments(DirectoryQuery, location="query")
    @blp.response(200, ProfilePage)
    def directory(args):
        """Verified brokers, filtered by domain, region and free text."""
        return page_body(brokers.directory(db.session, **args))

    @blp.route("/me", methods=["GET"])
    @login_required(blp)
    @blp.response(200, ProfileOut)
    @blp.alt_response(404, schema=ApiError)
    def my_profile():
        """My broker profile, whatever its status (with the rejection reason)."""
        actor = current_actor()
        if actor is None:
            raise Unauthorized(N_("Log in first."))
        profile = brokers.profile_of(db.session, actor.id)
        if profile is None:
            raise NotFound(N_("You have no broker profile yet."))
        return profile

    @blp.route("/me", methods=["PUT"])
    @login_required(blp)
    @blp.arguments(ProfileIn)
    @blp.response(200, ProfileOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def save_profile(data):
        """Create or update my profile; a new or corrected profile waits for an operator."""
        profile = brokers.save_profile(db.session, current_actor(), data)
        return profile

    @blp.route("/me/earnings", methods=["GET"])
    @login_required(blp)
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, EarningsOut)
    @blp.doc(**export_doc({"$ref": "#/components/schemas/EarningsOut"}))
    def my_earnings(args):
        """My commission over a period (dates included); ``format=csv`` downloads it."""
        actor = current_actor()
        if actor is None:
            raise Unauthorized(N_("Log in first."))
        return _earnings(actor.id, args)

    @blp.route("/<int:broker_id>/earnings", methods=["GET"])
    @login_required(blp)
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, EarningsOut)
    @blp.doc(**export_doc({"$ref": "#/components/schemas/EarningsOut"}))
    @blp.alt_response(404, schema=ApiError)
    def earnings(args, broker_id: int):
        """A broker's commission statement (the broker and operators)."""
        return _earnings(broker_id, args)

    def _earnings(broker_id: int, args):
        statement = broker_earnings.earnings(
            db.session, current_actor(), broker_id, start=args.get("start"), end=args.get("end")
        )
        if args["format"] == "json":
            return statement
        rows = broker_earnings.earnings_rows(statement)
        name = period_name(f"earnings-{broker_id}", args.get("start"), args.get("end"))
        return export(name, broker_earnings.EARNINGS_COLUMNS, rows, args["format"])

    @blp.route("/reviews", methods=["GET"])
    @login_required(blp)
    @blp.response(200, ProfileOut(many=True))
    @blp.alt_response(403, schema=ApiError)
    def pending():
        """Profiles waiting for an operator's verification."""
        return brokers.pending_profiles(db.session, current_actor())

    @blp.route("/profiles/<int:profile_id>/review", methods=["POST"])
    @login_required(blp)
    @blp.arguments(ReviewIn)
    @blp.response(200, ProfileOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def review(data, profile_id: int):
        """Verify a profile, or reject it with a reason (operators)."""
        profile = brokers.review(
            db.session, current_actor(), profile_id, data["decision"], data["reason"]
        )
        return profile

    @blp.route("/ranking", methods=["GET"])
    @login_required(blp)
    @blp.arguments(RankingQuery, location="query")
    @blp.response(200, RankingRowOut(many=True))
    @blp.doc(
        **export_doc({"type": "array", "items": {"$ref": "#/components/schemas/RankingRowOut"}})
    )
    @blp.alt_response(403, schema=ApiError)
    def ranking(args):
        """Every verified broker's performance over a period, best first (operators);
        ``format=csv`` or ``format=xlsx`` downloads it."""
        fmt = args.pop("format")
        rows = broker_stats.ranking(db.session, current_actor(), **args)
        if fmt == "json":
            return [{"broker": p, "performance": perf.as_dict()} for p, perf in rows]
        name = period_name("broker-ranking", args.get("start"), args.get("end"))
        return export(name, broker_stats.RANKING_COLUMNS, broker_stats.ranking_rows(rows), fmt)

    @blp.route("/<int:broker_id>", methods=["GET"])
    @blp.response(200, ProfileDetailOut)
    @blp.alt_response(404, schema=ApiError)
    def profile(broker_id: int):
        """A broker's public profile with performance and ratings."""
        return broker_stats.profile_detail(
            db.session, brokers.get_profile(db.session, current_actor(), broker_id)
        )

    return blp
