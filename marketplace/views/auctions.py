"""网上竞价 pages: the sessions and their lots, a lot's page (live by polling a small
JSON endpoint; the script is the site's own, templates/static/js/auction.js), registering
with the deposit, bidding, and the results of closed sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from marketplace.auctions import bidding, deposits, lots, status
from marketplace.auctions.rules import DEPOSIT_WORDS, LOT_WORDS
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.core.localtime import fmt as when
from marketplace.core.messages import N_
from marketplace.core.money import format_money
from marketplace.core.payments import gateway_for
from marketplace.extensions import db
from marketplace.models import AuctionRegistration
from marketplace.models.types import utcnow
from marketplace.schemas.auctions import DepositConfirmIn
from marketplace.views.base import actor, attempt, bp, form_int, merge_errors, require_login
from marketplace.views.deal_terms_form import yuan_amount
from marketplace.views.deal_text import client_ip, load_form
from marketplace.views.second_factor import step_up_page

PHASES = {
    "upcoming": _l("Not started"),
    "open": _l("Bidding"),
    "ended": _l("Closing"),
    "closed": _l("Closed"),
    "applied": _l("Applied"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}
MAX_YUAN = 10**10  # the service's ceiling (10^12 fen)
MY_STATUS = {
    "registered": _l("Registered"),
    "leading": _l("You are leading"),
    "outbid": _l("You have been outbid"),
}


@bp.app_template_global()
def auction_label(kind: str, code: str | None) -> str:
    words = {
        "phase": PHASES,
        "me": MY_STATUS,
        "lot": LOT_WORDS["state"],
        "deposit": DEPOSIT_WORDS["state"],
    }[kind]
    return str(words.get(code, code)) if code else ""


@bp.route("/auctions", endpoint="auctions")
def auctions_page():
    user, now = actor(), utcnow()
    sessions = []
    for auction in lots.list_sessions(db.session):
        visible = lots.list_lots(db.session, user, auction.id)
        sessions.append(
            status.session_view(auction, visible, now)
            | {"lots": [status.lot_status(db.session, user, lot, now) for lot in visible]}
        )
    return render_template("auctions/list.html", sessions=sessions)


@bp.route("/auctions/results", endpoint="auction_results")
def auction_results_page():
    return render_template("auctions/results.html", results=status.results(db.session))


@bp.route("/auctions/lots/<int:lot_id>", endpoint="auction_lot")
def auction_lot_page(lot_id: int):
    user = actor()
    lot = lots.get_lot(db.session, user, lot_id)
    # "You are leading" after the bidder's own bid: shown once, on this lot's page, where
    # the live update turns it to outbid when another bid takes the lead.
    leading_notice = session.pop("auction_leading", None) == lot_id
    return _lot_page(user, lot, leading_notice=leading_notice)


def _card_payments() -> bool:
    """Whether a deposit may be paid by card: Stripe configured, Stripe.js keyed."""
    return bool(
        current_app.config.get("STRIPE_PUBLISHABLE_KEY")
        and "stripe" in gateway_for(current_app).providers
    )


def _lot_page(user, lot, *, leading_notice=False, card_secret=""):
    # The card form (and the policy that admits Stripe.js: web/security.py) only on the
    # page answering the bidder's "pay by card".
    g.card_form = bool(card_secret)
    return render_template(
        "auctions/lot.html",
        leading_notice=leading_notice,
        card_payments=_card_payments(),
        card_secret=card_secret,
        lot=status.lot_status(db.session, user, lot),
        log=status.bid_log(db.session, lot)["bids"],
        rules=lot.session.rules,
    )


def live(data: dict[str, Any], log: list[dict[str, Any]]) -> dict[str, Any]:
    """The lot page's live figures, formatted for the reader."""
    money = lambda v: format_money(v, data["currency"]) if v is not None else "—"  # noqa: E731
    me = data["me"] or {}
    return {
        "phase": data["phase"],
        "phase_label": auction_label("phase", data["phase"]),
        "current_price": money(data["current_price"]),
        "minimum_bid": data["minimum_bid"],
        "minimum_bid_text": money(data["minimum_bid"]) if data["phase"] != "closed" else "—",
        "seconds_left": data["seconds_left"],
        "ends_at": when(data["ends_at"]),
        "extensions": data["extensions"],
        "bidder_count": data["bidder_count"],
        "bid_count": data["bid_count"],
        "leader": data["leader"] or "—",
        "my_status": auction_label("me", me.get("status")) if me else "",
        "my_status_code": me.get("status") or "",
        "log": [
            {
                "seq": b["seq"],
                "bidder": _("Bidder %(name)s", name=b["bidder"]),
                "amount": money(b["amount"]),
                "at": when(data_time(b["at"])),
                "hash": b["hash"][:12],
            }
            for b in reversed(log[-20:])
        ],
    }


def data_time(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


@bp.route("/auctions/lots/<int:lot_id>/live.json", endpoint="auction_lot_live")
def auction_lot_live(lot_id: int):
    user = actor()
    lot = lots.get_lot(db.session, user, lot_id)
    data = status.lot_status(db.session, user, lot)
    response = jsonify(live(data, status.bid_log(db.session, lot)["bids"]))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/auctions/lots/<int:lot_id>/register", methods=["POST"], endpoint="auction_register")
@require_login
def auction_register(lot_id: int):
    attempt(
        lambda: deposits.register(
            db.session, actor(), lot_id, gateway=gateway_for(current_app), ip=request.remote_addr
        )
    )
    return redirect(url_for("views.auction_lot", lot_id=lot_id), 303)


@bp.route(
    "/auctions/lots/<int:lot_id>/deposit/card", methods=["POST"], endpoint="auction_card_deposit"
)
@require_login
def auction_card_deposit(lot_id: int):
    """Pay the pending deposit by card: the page again, with the card form for the
    PaymentIntent (the deposit is held when Stripe's webhook reports the payment)."""
    done = attempt(
        lambda: deposits.request_card_deposit(
            db.session, actor(), lot_id, gateway=gateway_for(current_app)
        ),
        shown=(),
        flashed=(Conflict, Forbidden, Invalid, NotFound),
    )
    if done.refusal is not None:
        return redirect(url_for("views.auction_lot", lot_id=lot_id), 303)
    _reg, client = done.value
    lot = lots.get_lot(db.session, actor(), lot_id)
    return _lot_page(actor(), lot, card_secret=client.get("client_secret", ""))


@bp.route("/auctions/lots/<int:lot_id>/bid", methods=["POST"], endpoint="auction_bid")
@require_login
def auction_bid(lot_id: int):
    """Amounts are typed in yuan; the service counts in fen."""
    amount = form_int(request.form.get("amount"), MAX_YUAN)
    raw_max = (request.form.get("max_amount") or "").strip()
    maximum = form_int(raw_max, MAX_YUAN) if raw_max else None
    if not amount or (raw_max and not maximum):
        flash(_("Type the amount in yuan, digits only."), "error")
        return redirect(url_for("views.auction_lot", lot_id=lot_id), 303)
    done = attempt(
        lambda: bidding.place_bid(
            db.session, actor(), lot_id, amount * 100, maximum * 100 if maximum else None
        ),
        shown=(),
        flashed=(Conflict, Forbidden, Invalid),
    )
    if done.refusal is None:
        if done.value.leading:
            session["auction_leading"] = lot_id  # the lot page shows it, live
        else:
            flash(_("Your bid was accepted, but another bidder's maximum is higher."), "error")
    return redirect(url_for("views.auction_lot", lot_id=lot_id), 303)


# Operators: deposits awaiting confirmation ---------------------------------------------


def _deposits_page(posted: str = "", errors=None):
    pending = deposits.pending_deposits(db.session, actor())
    return render_template(
        "auctions/operator_deposits.html",
        registrations=pending,
        lots_by_id={r.lot_id: lots.get_lot(db.session, actor(), r.lot_id) for r in pending},
        posted=posted,
        values=request.form if posted else MultiDict(),
        errors=errors or {},
        section="deposits",
    ), (422 if errors else 200)


@bp.route("/operator/auctions/deposits", endpoint="operator_auction_deposits")
@require_login
def operator_auction_deposits():
    return _deposits_page()


@bp.route(
    "/operator/auctions/deposits/<int:registration_id>/confirm",
    methods=["POST"],
    endpoint="operator_confirm_deposit",
)
@require_login
@step_up_page
def operator_confirm_deposit(registration_id: int):
    user = actor()
    reg = db.session.get(AuctionRegistration, registration_id)
    if reg is None or not (user and user.is_operator):
        lots.require_operator(user)
        raise NotFound(
            N_("No auction registration %(registration)s."), registration=registration_id
        )
    posted, errors = f"deposit-{registration_id}", {}
    amount = yuan_amount(request.form, "amount", reg.currency, errors)
    payload = {"reference": request.form.get("reference", "").strip()}
    if amount is not None:
        payload["amount"] = amount
    data, schema_errors = load_form(DepositConfirmIn(), payload)
    errors = merge_errors(errors, {k: v for k, v in schema_errors.items() if k not in errors})
    if errors:
        return _deposits_page(posted, errors)
    result = attempt(
        lambda: deposits.confirm_deposit(db.session, user, registration_id, ip=client_ip(), **data)
    )
    if result.errors:
        return _deposits_page(posted, result.errors)
    if result.ok:
        flash(_("The deposit is confirmed and held in escrow."), "success")
    return redirect(url_for("views.operator_auction_deposits"), 303)
