"""The operators' back office for deals: bank transfers awaiting confirmation, payouts
to execute, disputes to resolve."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from marketplace.accounts.users import require_operator
from marketplace.core.errors import Conflict, NotFound
from marketplace.core.messages import N_
from marketplace.core.payments import gateway_for
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.extensions import db
from marketplace.models import Deal, Funding, User
from marketplace.schemas.deals import (
    BankTransferIn,
    PayoutExecuteIn,
    ResolveIn,
)
from marketplace.views.base import actor, attempt, bp, merge_errors, require_login
from marketplace.views.deal_terms_form import yuan_amount
from marketplace.views.deal_text import client_ip, load_form
from marketplace.views.second_factor import step_up_page

# Operators ----------------------------------------------------------------------------


def _operator() -> User:
    return require_operator(actor())


def _back_office(template: str, endpoint: str, posted: str = "", errors=None, **context):
    return render_template(
        template,
        posted=posted,
        values=request.form if posted else MultiDict(),
        errors=errors or {},
        section=endpoint,
        payment_configured=gateway_for(current_app).funding_configured(),
        **context,
    ), (422 if errors else 200)


def _pending_fundings() -> list[Funding]:
    return deal_money.pending_bank_transfers(db.session, actor())


def _funding_page(posted: str = "", errors=None):
    fundings = _pending_fundings()
    deals_by_id = {f.deal_id: db.session.get(Deal, f.deal_id) for f in fundings}
    return _back_office(
        "deals/operator_funding.html",
        "funding",
        posted,
        errors,
        fundings=fundings,
        deals_by_id=deals_by_id,
    )


@bp.route("/operator/funding")
@require_login
def operator_funding():
    _operator()
    return _funding_page()


@bp.route("/operator/funding/<int:funding_id>/confirm", methods=["POST"])
@require_login
@step_up_page
def operator_confirm_funding(funding_id: int):
    user = _operator()
    funding = db.session.get(Funding, funding_id)
    if funding is None:
        raise NotFound(N_("This payment request does not exist."))
    posted, errors = f"fund-{funding_id}", {}
    amount = yuan_amount(request.form, "amount", funding.currency, errors)
    payload = {"reference": request.form.get("reference", "").strip()}
    if amount is not None:
        payload["amount"] = amount
    data, schema_errors = load_form(BankTransferIn(), payload)
    errors = merge_errors(errors, {k: v for k, v in schema_errors.items() if k not in errors})
    if errors:
        return _funding_page(posted, errors)
    deal_id = funding.deal_id
    result = attempt(
        lambda: deal_money.confirm_bank_transfer(db.session, user, deal_id, ip=client_ip(), **data)
    )
    if result.errors:
        return _funding_page(posted, result.errors)
    if result.ok:
        flash(
            _("The transfer for deal %(deal)s is confirmed; escrow is funded.", deal=deal_id),
            "success",
        )
    return redirect(url_for("views.operator_funding"), 303)


def _payouts_page(posted: str = "", errors=None):
    payouts = deal_money.list_payouts(db.session, actor())
    return _back_office("deals/operator_payouts.html", "payouts", posted, errors, payouts=payouts)


@bp.route("/operator/payouts")
@require_login
def operator_payouts():
    _operator()
    return _payouts_page()


@bp.route("/operator/payouts/<int:payout_id>/execute", methods=["POST"])
@require_login
@step_up_page
def operator_execute_payout(payout_id: int):
    user = _operator()
    posted = f"payout-{payout_id}"
    data, errors = load_form(PayoutExecuteIn(), {"reference": request.form.get("reference", "")})
    if data is None:
        return _payouts_page(posted, errors)
    result = attempt(
        lambda: deal_money.execute_payout(
            db.session, user, payout_id, data["reference"], ip=client_ip()
        ),
        flashed=(Conflict,),
    )
    if result.errors:
        return _payouts_page(posted, result.errors)
    if result.ok:
        flash(_("Payout %(payout)s is marked as executed.", payout=payout_id), "success")
    return redirect(url_for("views.operator_payouts"), 303)


def _disputes_page(posted: str = "", errors=None):
    # Disputed milestones, oldest first; each names its deal.
    return _back_office(
        "deals/operator_disputes.html",
        "disputes",
        posted,
        errors,
        milestones=deal_delivery.open_disputes(db.session, actor()),
    )


@bp.route("/operator/disputes")
@require_login
def operator_disputes():
    _operator()
    return _disputes_page()


@bp.route("/operator/disputes/<int:deal_id>/<int:milestone_id>/resolve", methods=["POST"])
@require_login
@step_up_page
def operator_resolve_dispute(deal_id: int, milestone_id: int):
    user = _operator()
    posted, errors = f"resolve-{milestone_id}", {}
    form = request.form
    payload: dict[str, Any] = {"outcome": form.get("outcome", ""), "note": form.get("note", "")}
    if form.get("outcome") == "split":
        deal = db.session.get(Deal, deal_id)
        terms = deal.agreed_terms if deal is not None else None
        release = yuan_amount(form, "release_amount", terms.currency if terms else "CNY", errors)
        if release is not None:
            payload["release_amount"] = release
    data, schema_errors = load_form(ResolveIn(), payload)
    errors = merge_errors(errors, {k: v for k, v in schema_errors.items() if k not in errors})
    if errors:
        return _disputes_page(posted, errors)
    result = attempt(
        lambda: deal_delivery.resolve_dispute(
            db.session,
            user,
            deal_id,
            milestone_id,
            data["outcome"],
            release_amount=data.get("release_amount"),
            note=data["note"],
            gateway=gateway_for(current_app),
            ip=client_ip(),
        ),
        flashed=(Conflict,),
    )
    if result.errors:
        return _disputes_page(posted, result.errors)
    if result.ok:
        flash(_("The dispute is resolved."), "success")
    return redirect(url_for("views.operator_disputes"), 303)
