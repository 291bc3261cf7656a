"""Brokers on the deal page and around it: invitations and their answers, release by both
parties, mediation offers on listings and demands, brokerage records, ratings.

The deal page includes templates/brokers/_deal_panel.html, which asks ``broker_panel``
for what to show; every form posts here and comes back to the page it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from marketplace.accounts import brokers
from marketplace.brokers import assignment as broker_assignment
from marketplace.brokers import offers as broker_offers
from marketplace.brokers import records as brokerage_records
from marketplace.brokers import stats as broker_stats
from marketplace.core import localtime
from marketplace.core.errors import Conflict, DomainError, Forbidden, NotFound
from marketplace.deals import machine as deals
from marketplace.deals import mediation
from marketplace.extensions import db
from marketplace.models import BrokerRating, Deal
from marketplace.schemas.brokers import RecordIn
from marketplace.views.base import actor, attempt, bp, form_int, form_text, require_login
from marketplace.views.deal_text import load_form, visible_deal
from marketplace.web.downloads import record_download, storage_dir


@bp.app_template_global()
def broker_panel(deal: Deal) -> dict[str, Any]:
    """What the deal page shows about brokers, for the current user."""
    user = actor()
    roles = deals.actor_roles(deal, user)
    assignments = broker_assignment.deal_assignments(db.session, user, deal.id)
    active = next((a for a in assignments if a.status == "active"), None)
    profile = brokers.profile_of(db.session, active.broker_id) if active else None
    party = roles & {deals.BUYER, deals.SUPPLIER}
    rated = set()
    if deal.state == "completed" and active:
        rated = {
            r.role
            for r in db.session.query(BrokerRating).filter(BrokerRating.deal_id == deal.id).all()
        }
    return {
        "roles": roles,
        "is_party": bool(party),
        "is_broker": deals.BROKER in roles,
        "open": deal.state in broker_assignment.OPEN_STATES,
        "active": active,
        "profile": profile,
        "invited": [a for a in assignments if a.status == "invited"],
        "records": brokerage_records.list_records(db.session, user, deal.id),
        "can_rate": deal.state == "completed" and active is not None and bool(party - rated),
        "rated": rated,
        "editable": lambda r: brokerage_records.is_editable(r),
        "editable_until": brokerage_records.editable_until,
    }


def _back(deal_id: int, anchor: str = "brokers") -> str:
    return url_for("views.deal", deal_id=deal_id) + f"#{anchor}"


def _flashing(call: Callable[[], Any]):
    """Call a service for a broker form: any refusal is flashed, for the page the form
    was on."""
    return attempt(call, shown=(), flashed=(DomainError,))


def _run(deal_id: int, run: Callable[[], Any], done: str, anchor: str = "brokers"):
    """Run a service; a refusal comes back to the deal page as a message."""
    visible_deal(deal_id)
    if _flashing(run).ok:
        flash(done, "success")
    return redirect(_back(deal_id, anchor), 303)


# Assignment ----------------------------------------------------------------------------


@bp.route("/brokers/<int:broker_id>/invite", methods=["POST"])
@require_login
def invite_broker(broker_id: int):
    """The invite form of a broker's profile page: a deal of mine, a message."""
    deal_id = form_int(request.form.get("deal_id"))
    if not deal_id:
        flash(_("Choose one of your deals."), "error")
        return redirect(url_for("views.broker_profile", broker_id=broker_id), 303)
    return _run(
        deal_id,
        lambda: broker_assignment.invite(
            db.session, actor(), deal_id, broker_id, form_text("message")
        ),
        _("The broker is invited. They join the deal when they accept."),
    )


@bp.route("/deals/<int:deal_id>/brokers/release", methods=["POST"])
@require_login
def deal_release_broker(deal_id: int):
    return _run(
        deal_id,
        lambda: broker_assignment.consent_release(db.session, actor(), deal_id),
        _("Your consent is recorded. The broker leaves once both parties consented."),
    )


@bp.route("/broker-invitations/<int:assignment_id>/<any(accept, decline):answer>", methods=["POST"])
@require_login
def answer_broker_invitation(assignment_id: int, answer: str):
    answered = _flashing(
        lambda: broker_assignment.respond(db.session, actor(), assignment_id, answer == "accept")
    )
    if not answered.ok:
        return redirect(url_for("views.my_broker_profile"), 303)
    if answer == "accept":
        flash(_("You now mediate this deal."), "success")
        return redirect(url_for("views.deal", deal_id=answered.value.deal_id), 303)
    flash(_("Invitation declined."), "success")
    return redirect(url_for("views.my_broker_profile"), 303)


# Mediation offers ----------------------------------------------------------------------


@bp.route("/mediation-offers", methods=["POST"])
@require_login
def offer_mediation():
    kind = "listing" if request.form.get("listing_id") else "demand"
    item_id = form_int(request.form.get(f"{kind}_id"))
    if not item_id:
        flash(_("Choose a listing or a demand."), "error")
        return redirect(url_for("views.home"), 303)
    back = url_for(f"views.{kind}_detail", item_id=item_id)
    offered = _flashing(
        lambda: broker_offers.offer_mediation(
            db.session, actor(), message=form_text("message"), **{f"{kind}_id": item_id}
        )
    )
    if not offered.ok:
        return redirect(back, 303)
    flash(_("Your offer is sent to the owner."), "success")
    return redirect(back, 303)


@bp.route("/mediation-offers")
@require_login
def mediation_offers():
    return render_template(
        "brokers/offers.html",
        offers=broker_offers.offers_for_owner(db.session, actor()),
    )


@bp.route(
    "/mediation-offers/<int:offer_id>/<any(accept, decline, withdraw):decision>", methods=["POST"]
)
@require_login
def decide_mediation_offer(offer_id: int, decision: str):
    if decision == "withdraw":
        done = _flashing(lambda: broker_offers.withdraw_offer(db.session, actor(), offer_id))
    else:
        done = _flashing(
            lambda: broker_offers.decide_offer(
                db.session, actor(), offer_id, decision == "accept", form_text("reason")
            )
        )
    if done.ok:
        flash(_("Saved."), "success")
    # Back to the page the decision is made on (never a Referer the client chose).
    page = "views.my_broker_profile" if decision == "withdraw" else "views.mediation_offers"
    return redirect(url_for(page), 303)


@bp.app_template_global()
def item_broker(kind: str, item_id: int):
    """The broker accepted for a listing or demand (its page shows them)."""
    offer = mediation.item_broker(db.session, **{f"{kind}_id": item_id})
    return brokers.profile_of(db.session, offer.broker_id) if offer else None


# Brokerage records ---------------------------------------------------------------------


def _record_payload(form) -> dict[str, Any]:
    participants = [p.strip() for p in form.get("participants", "").splitlines() if p.strip()]
    return {
        "kind": form.get("kind", ""),
        "occurred_at": localtime.from_local_input(form.get("occurred_at", "")),
        "participants": participants,
        "notes": form.get("notes", ""),
        "visibility": form.get("visibility", "shared"),
    }


@bp.route("/deals/<int:deal_id>/brokerage-records", methods=["POST"])
@require_login
def deal_add_record(deal_id: int):
    visible_deal(deal_id)
    data, errors = load_form(RecordIn(), _record_payload(request.form))
    if data is not None:
        added = attempt(
            lambda: brokerage_records.add_record(db.session, actor(), deal_id, data),
            flashed=(Forbidden, Conflict, NotFound),
        )
        if added.ok:
            flash(_("The entry is recorded."), "success")
        if not added.errors:
            return redirect(_back(deal_id, "records"), 303)
        errors = added.errors
    for messages in errors.values():
        for message in messages:
            flash(message, "error")
    return redirect(_back(deal_id, "records"), 303)


@bp.route("/brokerage-records/<int:record_id>", methods=["GET", "POST"])
@require_login
def brokerage_record(record_id: int):
    try:
        record = brokerage_records.get_record(db.session, actor(), record_id)
    except NotFound:
        return render_template("error.html", message=_("No such brokerage entry.")), 404
    errors: dict = {}
    values: MultiDict | dict = MultiDict()
    if request.method == "POST":
        data, errors = load_form(RecordIn(), _record_payload(request.form))
        if data is not None:
            edited = attempt(
                lambda: brokerage_records.edit_record(db.session, actor(), record_id, data)
            )
            if edited.ok:
                flash(_("The entry is updated; the earlier version is kept."), "success")
            if not edited.errors:
                return redirect(url_for("views.brokerage_record", record_id=record_id), 303)
            errors = edited.errors
        values = request.form
    else:
        values = {
            "kind": record.kind,
            "occurred_at": localtime.to_local_input(record.occurred_at),
            "participants": "\n".join(record.participants),
            "notes": record.notes,
            "visibility": record.visibility,
        }
    deal = db.session.get(Deal, record.deal_id)
    return render_template(
        "brokers/record.html",
        record=record,
        versions=brokerage_records.visible_versions(record, actor()),
        deal=deal,
        values=values,
        errors=errors,
        editable=brokerage_records.is_editable(record)
        and record.broker_id == actor().id
        and deals.BROKER in deals.actor_roles(deal, actor()),
        editable_until=brokerage_records.editable_until(record),
    ), (422 if errors else 200)


@bp.route("/brokerage-records/<int:record_id>/attachments", methods=["POST"])
@require_login
def brokerage_record_upload(record_id: int):
    back = url_for("views.brokerage_record", record_id=record_id)
    upload = request.files.get("file")
    if not upload or not upload.filename:
        flash(_("Choose a file."), "error")
        return redirect(back, 303)
    attached = _flashing(
        lambda: brokerage_records.add_attachment(
            db.session,
            actor(),
            record_id,
            upload.stream,
            upload.filename,
            storage_dir=storage_dir(),
        )
    )
    if attached.ok:
        flash(_("The file is attached."), "success")
    return redirect(back, 303)


@bp.route("/brokerage-records/<int:record_id>/attachments/<int:attachment_id>")
@require_login
def brokerage_record_download(record_id: int, attachment_id: int):
    return record_download(record_id, attachment_id)


# Ratings -------------------------------------------------------------------------------


@bp.route("/deals/<int:deal_id>/broker-rating", methods=["POST"])
@require_login
def deal_rate_broker(deal_id: int):
    raw = request.form.get("score", "")
    if raw not in {"1", "2", "3", "4", "5"}:
        flash(_("Give a score from 1 to 5."), "error")
        return redirect(_back(deal_id), 303)
    return _run(
        deal_id,
        lambda: broker_stats.rate_broker(
            db.session, actor(), deal_id, int(raw), form_text("comment")
        ),
        _("Thank you: your rating is recorded."),
    )
