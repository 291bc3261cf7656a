"""网上竞价 back office and the seller's application: operators schedule sessions and admit
or reject the lots applied for; a listing's owner applies to auction a published listing
(amounts typed in yuan, times in Beijing time)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from marketplace.auctions import lots
from marketplace.catalog.publication import get_visible
from marketplace.core import localtime
from marketplace.core.errors import Forbidden
from marketplace.core.messages import N_
from marketplace.extensions import db
from marketplace.models import Listing
from marketplace.models.auctions import AUCTION_TRANSFER_MODES
from marketplace.models.types import utcnow
from marketplace.schemas.auctions import LotIn, SessionIn
from marketplace.views.base import actor, attempt, bp, form_int, merge_errors, require_login
from marketplace.views.deal_terms_form import yuan_amount
from marketplace.views.deal_text import client_ip, load_form

# Operators: sessions and applications ---------------------------------------------------


def _sessions_page(values=None, errors=None):
    user = actor()
    lots.require_operator(user)
    sessions = [
        (auction, [lot for lot in lots.list_lots(db.session, user, auction.id)])
        for auction in lots.list_sessions(db.session)
    ]
    return render_template(
        "auctions/operator_sessions.html",
        sessions=sessions,
        values=values if values is not None else MultiDict(),
        errors=errors or {},
        section="auctions",
    ), (422 if errors else 200)


@bp.route("/operator/auctions", endpoint="operator_auctions")
@require_login
def operator_auctions():
    return _sessions_page()


@bp.route("/operator/auctions/sessions", methods=["POST"], endpoint="operator_schedule_session")
@require_login
def operator_schedule_session():
    user = actor()
    lots.require_operator(user)
    form = request.form
    payload = {
        "title": form.get("title", "").strip(),
        "domain": form.get("domain", ""),
        "starts_at": localtime.from_local_input(form.get("starts_at", "")),
        "ends_at": localtime.from_local_input(form.get("ends_at", "")),
        "rules": form.get("rules", "").strip(),
    }
    data, errors = load_form(SessionIn(), payload)
    if errors:
        return _sessions_page(form, errors)
    result = attempt(lambda: lots.schedule_session(db.session, user, ip=client_ip(), **data))
    if result.errors:
        return _sessions_page(form, result.errors)
    if result.ok:
        flash(_("The session is scheduled."), "success")
    return redirect(url_for("views.operator_auctions"), 303)


@bp.route(
    "/operator/auctions/lots/<int:lot_id>/<any(admit, reject):action>",
    methods=["POST"],
    endpoint="operator_decide_lot",
)
@require_login
def operator_decide_lot(lot_id: int, action: str):
    user = actor()
    lots.require_operator(user)
    result = attempt(lambda: lots.decide_lot(db.session, user, lot_id, action, ip=client_ip()))
    if result.ok:
        flash(
            _("The lot is admitted: it is public now.")
            if action == "admit"
            else _("The application is rejected."),
            "success",
        )
    return redirect(url_for("views.operator_auctions", _anchor=f"lot-{lot_id}"), 303)


# The seller: apply to auction a published listing -----------------------------------


def _ladder(form: MultiDict, currency: str, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The form's ladder: one step, or a step below a threshold and another above it."""
    low = yuan_amount(form, "step", currency, errors)
    threshold = yuan_amount(form, "threshold", currency, errors)
    high = yuan_amount(form, "step_above", currency, errors)
    if threshold is None and high is None:
        return [{"below": None, "step": low}]
    if threshold is None or high is None:
        errors.setdefault("threshold", []).append(
            _("Give both the threshold and the increment above it, or neither.")
        )
    return [{"below": threshold, "step": low}, {"below": None, "step": high}]


def _apply_page(listing: Listing, values=None, errors=None):
    now = utcnow()
    upcoming = [s for s in lots.list_sessions(db.session) if s.starts_at > now]
    modes = [m for m in AUCTION_TRANSFER_MODES if m in (listing.transfer_modes or [])]
    return render_template(
        "auctions/apply.html",
        item=listing,
        sessions=upcoming,
        session_options=[
            (s.id, f"{s.title} · {localtime.fmt(s.starts_at)} – {localtime.fmt(s.ends_at)}")
            for s in upcoming
        ],
        modes=modes,
        values=values
        if values is not None
        else MultiDict({"extension_minutes": "5", "forfeit_seller_pct": "50"}),
        errors=errors or {},
    ), (422 if errors else 200)


def _own_listing(item_id: int) -> Listing:
    user = actor()
    listing = get_visible(db.session, Listing, item_id, user)
    if user.organization_id != listing.organization_id:
        raise Forbidden(N_("Only members of the listing's organization apply to auction it."))
    return listing


@bp.route(
    "/listings/<int:item_id>/auction", methods=["GET", "POST"], endpoint="listing_auction_apply"
)
@require_login
def listing_auction_apply(item_id: int):
    listing = _own_listing(item_id)
    if request.method == "GET":
        return _apply_page(listing)
    form, errors = request.form, {}
    currency = listing.currency
    payload: dict[str, Any] = {
        "listing_id": listing.id,
        "transfer_mode": form.get("transfer_mode", ""),
        "start_price": yuan_amount(form, "start_price", currency, errors),
        "reserve_price": yuan_amount(form, "reserve_price", currency, errors),
        "deposit": yuan_amount(form, "deposit", currency, errors),
        "ladder": _ladder(form, currency, errors),
        "extension_minutes": form_int(form.get("extension_minutes"), 1000),
    }
    pct = form_int(form.get("forfeit_seller_pct"), 100)
    if pct is None:
        errors.setdefault("forfeit_seller_pct", []).append(_("A whole percentage, 0 to 100."))
    else:
        payload["forfeit_seller_bp"] = pct * 100
    session_id = form_int(form.get("session_id"))
    if session_id is None:
        errors.setdefault("session_id", []).append(_("Choose a session."))
    data, schema_errors = load_form(LotIn(), payload)
    errors = merge_errors(errors, {k: v for k, v in schema_errors.items() if k not in errors})
    if errors:
        return _apply_page(listing, form, _rename(errors))
    result = attempt(lambda: lots.apply_lot(db.session, actor(), session_id, data, ip=client_ip()))
    if result.errors:
        return _apply_page(listing, form, _rename(result.errors))
    if result.refusal is not None:
        return _apply_page(listing, form)
    flash(_("Your application is sent: an operator admits the lot before the session starts."))
    return redirect(url_for("views.auction_lot", lot_id=result.value.id), 303)


LADDER_FIELDS = {
    "ladder-0-step": "step",
    "ladder-0-below": "threshold",
    "ladder-1-step": "step_above",
}


def _rename(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Errors of the service's fields on the form's fields."""
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        if key.startswith("ladder"):
            name = LADDER_FIELDS.get(key, "step")
        elif key == "forfeit_seller_bp":
            name = "forfeit_seller_pct"
        else:
            name = key
        out.setdefault(name, []).extend(m for m in messages if m not in out.get(name, []))
    return out
