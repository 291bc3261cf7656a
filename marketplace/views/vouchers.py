"""科技创新券 pages: the programmes open to enterprises, applying (with documents), my
applications and wallet; for operators the programmes (define, fund), the application
queue (grant, refuse) and 兑付 (per supplier and period, with the XLSX export); and paying
part of a deal by voucher from the deal's page."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from marketplace.core.errors import Forbidden
from marketplace.core.localtime import today
from marketplace.core.messages import N_
from marketplace.core.payments import gateway_for
from marketplace.extensions import db
from marketplace.models.types import utcnow
from marketplace.models.vocab import DOMAINS, TRANSFER_MODES
from marketplace.models.vouchers import SUPPLIER_KINDS
from marketplace.schemas.vouchers import ProgrammeIn
from marketplace.views.base import actor, attempt, bp, form_int, merge_errors, require_login
from marketplace.views.deal_terms_form import yuan_amount
from marketplace.views.deal_text import client_ip, load_form
from marketplace.views.second_factor import step_up_page
from marketplace.vouchers import applications, programmes, redemption, spending
from marketplace.web import exports
from marketplace.web.downloads import storage_dir
from marketplace.web.i18n import label


def _require_operator():
    user = actor()
    if not user.is_operator:
        raise Forbidden(N_("Only operators manage innovation voucher programmes."))
    return user


@bp.app_template_global()
def voucher_state(code: str | None) -> str:
    """An application's state for people."""
    return str(applications.APPLICATION.words["state"].get(code, code)) if code else ""


@bp.route("/vouchers", endpoint="vouchers")
def vouchers_page():
    """创新券: the programmes open today."""
    return render_template(
        "vouchers/programmes.html",
        programmes=[
            programmes.view(db.session, p) for p in programmes.listing(db.session, open_only=True)
        ],
    )


@bp.route("/vouchers/mine", endpoint="my_vouchers")
@require_login
def my_vouchers():
    user = actor()
    return render_template(
        "vouchers/mine.html",
        wallets=applications.wallets(db.session, user),
        rows=applications.mine(db.session, user),
    )


@bp.route("/vouchers/<int:programme_id>/apply", methods=["GET", "POST"], endpoint="voucher_apply")
@require_login
def voucher_apply(programme_id: int):
    user = actor()
    programme = programmes.get(db.session, programme_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        amount = yuan_amount(request.form, "amount", programme.currency, errors)
        raw_deal = (request.form.get("deal_id") or "").strip()
        deal_id = form_int(raw_deal)
        if raw_deal and deal_id is None:
            errors["deal_id"] = [_("A deal number.")]
        if amount is None and "amount" not in errors:
            errors["amount"] = [_("Required.")]
        files = [
            (f.stream, f.filename or "")
            for f in request.files.getlist("documents")
            if f and f.filename
        ]
        if not errors:
            done = attempt(
                lambda: applications.apply(
                    db.session,
                    user,
                    programme.id,
                    amount=amount,
                    purpose=request.form.get("purpose", ""),
                    deal_id=deal_id,
                    files=files,
                    storage_dir=storage_dir(),
                    ip=client_ip(),
                )
            )
            if done.ok:
                flash(_("Your application is submitted; an operator reviews it."), "success")
                return redirect(url_for("views.my_vouchers"), 303)
            if not done.errors:
                return redirect(url_for("views.vouchers"), 303)
            errors = merge_errors(errors, done.errors)
    return render_template(
        "vouchers/apply.html",
        programme=programmes.view(db.session, programme),
        values=request.form,
        errors=errors,
    )


@bp.route("/deals/<int:deal_id>/voucher-funding", methods=["POST"], endpoint="deal_voucher_funding")
@require_login
def deal_voucher_funding(deal_id: int):
    """The buyer pays part of the deal by voucher, and gets the instructions for the rest."""
    errors: dict[str, list[str]] = {}
    amount = yuan_amount(request.form, "voucher_amount", "CNY", errors)
    programme_id = form_int(request.form.get("programme_id"))
    target = url_for("views.deal", deal_id=deal_id, _anchor="payment")
    if errors or amount is None or programme_id is None:
        flash(_("Give the voucher amount in yuan."), "error")
        return redirect(target, 303)
    done = attempt(
        lambda: spending.fund_with_voucher(
            db.session,
            actor(),
            deal_id,
            programme_id=programme_id,
            amount=amount,
            gateway=gateway_for(current_app),
            ip=client_ip(),
        )
    )
    if done.ok:
        flash(_("The voucher pays its part; here is how to pay the rest."), "success")
    else:
        for messages in done.errors.values():
            for message in messages:
                flash(message, "error")
    return redirect(target, 303)


# Operators ----------------------------------------------------------------------------


def programme_payload(form: MultiDict) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    payload: dict[str, Any] = {
        "name": (form.get("name") or "").strip(),
        "issuing_body": (form.get("issuing_body") or "").strip(),
        "reference": (form.get("reference") or "").strip(),
        "valid_from": (form.get("valid_from") or "").strip(),
        "valid_to": (form.get("valid_to") or "").strip(),
        "transfer_modes": form.getlist("transfer_modes"),
        "domains": form.getlist("domains"),
        "supplier_kinds": form.getlist("supplier_kinds"),
        "max_share_bp": (form.get("max_share_pct") or "").strip(),
    }
    pct = form_int(payload["max_share_bp"], 100)
    payload["max_share_bp"] = pct * 100 if pct is not None else "x"
    for name in ("budget", "per_application_cap", "per_year_cap"):
        value = yuan_amount(form, name, "CNY", errors)
        if value is not None:
            payload[name] = value
    data, schema_errors = load_form(ProgrammeIn(), payload)
    if "max_share_bp" in schema_errors:
        schema_errors["max_share_pct"] = schema_errors.pop("max_share_bp")
    return data, merge_errors(errors, {k: v for k, v in schema_errors.items() if k not in errors})


@bp.route("/operator/vouchers", methods=["GET", "POST"], endpoint="operator_vouchers")
@require_login
@step_up_page
def operator_vouchers():
    user = _require_operator()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data, errors = programme_payload(request.form)
        if data is not None and not errors:
            budget, reference = data.pop("budget"), data.pop("reference")
            done = attempt(
                lambda: programmes.create(
                    db.session, user, data, budget=budget, reference=reference, ip=client_ip()
                )
            )
            if done.ok:
                flash(_("The programme is defined and its budget funded."), "success")
                return redirect(url_for("views.operator_vouchers"), 303)
            errors = done.errors
    values = request.form
    if request.method != "POST":
        defaults = [
            ("valid_from", today().isoformat()),
            ("valid_to", date(today().year, 12, 31).isoformat()),
            ("max_share_pct", "50"),
        ]
        values = MultiDict(defaults + [("supplier_kinds", k) for k in SUPPLIER_KINDS])
    return render_template(
        "vouchers/operator_programmes.html",
        programmes=[programmes.view(db.session, p) for p in programmes.listing(db.session)],
        values=values,
        errors=errors,
        options={
            "supplier_kinds": [(k, label("organization_kind", k)) for k in SUPPLIER_KINDS],
            "transfer_modes": [(k, label("transfer_mode", k)) for k in TRANSFER_MODES],
            "domains": [(k, label("domain", k)) for k in DOMAINS],
        },
    )


@bp.route("/operator/vouchers/applications", endpoint="operator_voucher_queue")
@require_login
def operator_voucher_queue():
    user = _require_operator()
    state = request.args.get("state") or "submitted"
    state = state if state in ("submitted", "granted", "refused") else "submitted"
    return render_template(
        "vouchers/queue.html",
        rows=applications.queue(db.session, user, state),
        state=state,
    )


@bp.route(
    "/operator/vouchers/applications/<int:application_id>/<any(grant,refuse):action>",
    methods=["POST"],
    endpoint="operator_voucher_decide",
)
@require_login
@step_up_page
def operator_voucher_decide(application_id: int, action: str):
    user = _require_operator()
    if action == "grant":
        errors: dict[str, list[str]] = {}
        amount = yuan_amount(request.form, "amount", "CNY", errors)
        if errors:
            for messages in errors.values():
                for message in messages:
                    flash(message, "error")
            return redirect(url_for("views.operator_voucher_queue"), 303)
        done = attempt(
            lambda: applications.grant(
                db.session,
                user,
                application_id,
                amount=amount,
                note=request.form.get("note", ""),
                ip=client_ip(),
            )
        )
        success = _("The voucher is granted to the enterprise's wallet.")
    else:
        done = attempt(
            lambda: applications.refuse(
                db.session,
                user,
                application_id,
                reason=request.form.get("reason", ""),
                ip=client_ip(),
            )
        )
        success = _("The application is refused; the enterprise reads your reason.")
    if done.ok:
        flash(success, "success")
    else:
        for messages in done.errors.values():
            for message in messages:
                flash(message, "error")
    return redirect(url_for("views.operator_voucher_queue"), 303)


@bp.route("/operator/vouchers/redemption", endpoint="operator_voucher_redemption")
@require_login
def operator_voucher_redemption():
    user = _require_operator()
    period = (request.args.get("period") or "").strip() or redemption.current_month(utcnow())
    if not redemption.PERIOD.match(period):
        flash(_("A month (2026-12) or a quarter (2026Q4)."), "error")
        period = redemption.current_month(utcnow())
    lines = redemption.rows(db.session, user, period)
    if request.args.get("format") in ("xlsx", "csv"):
        return exports.voucher_redemption(lines, period, request.args["format"])
    return render_template(
        "vouchers/redemption.html",
        period=period,
        lines=lines,
        totals=redemption.per_supplier(lines),
    )
