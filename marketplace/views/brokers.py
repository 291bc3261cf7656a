"""技术经纪人 pages: the directory, public profiles, a broker's own profile and earnings,
and the operators' verification queue and ranking. (Brokers on deals: broker_deals.py.)

Forms → the broker services, with the API's schemas → templates. A refused input shows
the form again with its messages (422); exports reuse the API's CSV/XLSX writer.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from marketplace.accounts import brokers
from marketplace.accounts.users import require_operator
from marketplace.brokers import assignment as broker_assignment
from marketplace.brokers import earnings as broker_earnings
from marketplace.brokers import offers as broker_offers
from marketplace.brokers import stats as broker_stats
from marketplace.core.errors import Conflict, Forbidden, NotFound
from marketplace.deals import machine as deals
from marketplace.deals import workflow as deal_workflow
from marketplace.extensions import db
from marketplace.schemas.brokers import DirectoryQuery, PeriodQuery, ProfileIn, RankingQuery
from marketplace.views.base import actor, attempt, bp, form_text, require_login
from marketplace.views.deal_text import load_form
from marketplace.web.exports import export, period_name

PER_PAGE = 20

LABELS = {
    "profile": {
        "pending": _l("Waiting for verification"),
        "verified": _l("Verified"),
        "rejected": _l("Rejected"),
    },
    "assignment": {
        "invited": _l("Invited"),
        "active": _l("Mediating"),
        "declined": _l("Declined"),
        "withdrawn": _l("Withdrawn"),
        "released": _l("Released by both parties"),
    },
    "offer": {
        "pending": _l("Waiting for the owner"),
        "accepted": _l("Accepted"),
        "declined": _l("Declined"),
        "withdrawn": _l("Withdrawn"),
    },
    "record": {
        "call": _l("Call"),
        "meeting": _l("Meeting"),
        "site_visit": _l("Site visit"),
        "evaluation": _l("Technical evaluation"),
        "document": _l("Document"),
        "negotiation_note": _l("Negotiation note"),
    },
    # The postings on a broker's commission account (brokers/earnings.py).
    "earning": {
        "release": _l("Commission on a milestone release"),
        "payout": _l("Commission paid out"),
    },
    "visibility": {
        "shared": _l("Shared with both parties"),
        "private": _l("Private: broker and operators only"),
    },
}


@bp.app_template_global()
def broker_label(vocabulary: str, code: str | None) -> str:
    return str(LABELS[vocabulary].get(code, code)) if code else ""


def _query(schema, keys: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str], dict]:
    """Filters from the query string; a bad one is ignored and said so."""
    raw = {k: request.args.get(k, "").strip() for k in keys}
    args, errors = load_form(schema, {k: v for k, v in raw.items() if v})
    if args is None:
        args, _ignored = load_form(schema, {k: v for k, v in raw.items() if v and k not in errors})
    return args or {}, raw, errors


# The directory and profiles ------------------------------------------------------------


@bp.route("/brokers")
def broker_directory():
    args, raw, errors = _query(DirectoryQuery(), ("domain", "region", "q", "page"))
    page = brokers.directory(db.session, **(args | {"per_page": PER_PAGE}))
    return render_template(
        "brokers/directory.html",
        page=page,
        filters=raw,
        filter_errors=errors,
        regions=brokers.known_regions(db.session),
    )


@bp.route("/brokers/<int:broker_id>")
def broker_profile(broker_id: int):
    try:
        profile = brokers.get_profile(db.session, actor(), broker_id)
    except NotFound:
        return render_template("error.html", message=_("No such broker.")), 404
    return render_template(
        "brokers/profile.html",
        profile=broker_stats.profile_detail(db.session, profile),
        invitable_deals=_invitable_deals(broker_id),
    )


def _invitable_deals(broker_id: int) -> list:
    """My organization's deals still in negotiation without a broker (the invite form)."""
    user = actor()
    if user is None or user.organization_id is None:
        return []
    page = deal_workflow.list_deals(db.session, user, per_page=100)
    return [
        d
        for d in page.items
        if d.state in broker_assignment.OPEN_STATES
        and d.active_broker_id is None
        and deals.actor_roles(d, user) & {deals.BUYER, deals.SUPPLIER}
    ]


@bp.route("/brokers/me", methods=["GET", "POST"])
@require_login
def my_broker_profile():
    user = actor()
    profile = brokers.profile_of(db.session, user.id)
    errors: dict = {}
    values: MultiDict = MultiDict()
    if request.method == "POST":
        form = request.form
        payload = {
            "certificate_number": form.get("certificate_number", ""),
            "display_name": form.get("display_name", ""),
            "domains": form.getlist("domains"),
            "regions": _split(form.get("regions", "")),
            "languages": _split(form.get("languages", "")),
            "bio": form.get("bio", ""),
        }
        data, errors = load_form(ProfileIn(), payload)
        if data is not None:
            saved = attempt(
                lambda: brokers.save_profile(db.session, user, data), flashed=(Forbidden,)
            )
            if saved.ok:
                flash(_("Your profile is saved."), "success")
                return redirect(url_for("views.my_broker_profile"), 303)
            if not saved.errors:
                return redirect(url_for("views.home"), 303)
            errors = saved.errors
        values = form
    elif profile is not None:
        values = MultiDict(
            [
                ("certificate_number", profile.certificate_number),
                ("display_name", profile.display_name),
                ("regions", "、".join(profile.regions)),
                ("languages", " ".join(profile.languages)),
                ("bio", profile.bio),
            ]
            + [("domains", d) for d in profile.domains]
        )
    return render_template(
        "brokers/me.html",
        profile=profile,
        values=values,
        errors=errors,
        invitations=broker_assignment.my_invitations(db.session, user),
        offers=broker_offers.offers_of_broker(db.session, user),
    ), (422 if errors else 200)


def _split(text: str) -> list[str]:
    for sep in ("、", "，", ",", ";", "；", "\n"):
        text = text.replace(sep, " ")
    return [part for part in text.split() if part]


@bp.route("/brokers/me/earnings")
@require_login
def my_earnings():
    return _earnings_page(actor().id)


@bp.route("/operator/brokers/<int:broker_id>/earnings")
@require_login
def operator_broker_earnings(broker_id: int):
    require_operator(actor())
    return _earnings_page(broker_id)


def _earnings_page(broker_id: int):
    args, raw, errors = _query(PeriodQuery(), ("start", "end", "format"))
    args.pop("format", None)
    statement = broker_earnings.earnings(db.session, actor(), broker_id, **args)
    if raw.get("format") == "csv" and not errors:
        name = period_name(f"earnings-{broker_id}", args.get("start"), args.get("end"))
        return export(
            name, broker_earnings.EARNINGS_COLUMNS, broker_earnings.earnings_rows(statement), "csv"
        )
    return render_template(
        "brokers/earnings.html",
        statement=statement,
        broker=broker_stats.broker_user(db.session, broker_id),
        filters=raw,
        filter_errors=errors,
    )


# Operators -----------------------------------------------------------------------------


@bp.route("/operator/brokers")
@require_login
def operator_brokers(errors=None, posted: str = ""):
    user = require_operator(actor())
    return render_template(
        "brokers/operator_reviews.html",
        profiles=brokers.pending_profiles(db.session, user),
        errors=errors or {},
        posted=posted,
        values=request.form if errors else MultiDict(),
    ), (422 if errors else 200)


@bp.route("/operator/brokers/<int:profile_id>/review", methods=["POST"])
@require_login
def operator_review_broker(profile_id: int):
    require_operator(actor())
    decision = request.form.get("decision", "")
    reviewed = attempt(
        lambda: brokers.review(db.session, actor(), profile_id, decision, form_text("reason")),
        flashed=(Conflict, NotFound),
    )
    if reviewed.errors:
        return operator_brokers(errors=reviewed.errors, posted=f"review-{profile_id}")
    if not reviewed.ok:
        return redirect(url_for("views.operator_brokers"), 303)
    flash(
        _("The broker is verified.") if decision == "verify" else _("The profile is rejected."),
        "success",
    )
    return redirect(url_for("views.operator_brokers"), 303)


@bp.route("/operator/brokers/ranking")
@require_login
def operator_broker_ranking():
    user = require_operator(actor())
    args, raw, errors = _query(RankingQuery(), ("start", "end", "domain", "region", "format"))
    fmt = args.pop("format", "json")
    rows = broker_stats.ranking(db.session, user, **args)
    if fmt in ("csv", "xlsx") and not errors:
        name = period_name("broker-ranking", args.get("start"), args.get("end"))
        return export(name, broker_stats.RANKING_COLUMNS, broker_stats.ranking_rows(rows), fmt)
    return render_template(
        "brokers/ranking.html",
        rows=rows,
        filters=raw,
        filter_errors=errors,
        regions=brokers.known_regions(db.session),
    )
