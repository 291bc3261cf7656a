"""收款账户: operators connect an organization's Stripe account for releases."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from marketplace.accounts import organizations
from marketplace.core.errors import Conflict, Invalid
from marketplace.extensions import db
from marketplace.views.base import actor, bp, field_errors, require_login
from marketplace.views.messages import localize


@bp.route("/operator/organizations/<int:org_id>/payout-account", methods=["POST"])
@require_login
def operator_payout_account(org_id: int):
    try:
        org = organizations.set_payout_account(
            db.session, actor(), org_id, request.form.get("stripe_account_id", "")
        )
        db.session.commit()
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        groups = field_errors(exc.fields).values() if isinstance(exc, Invalid) else [[exc]]
        for group in groups:
            for message in group:
                flash(localize(message), "error")
    else:
        if org.stripe_account_id:
            flash(_("Releases to %(name)s now go to its Stripe account.", name=org.name), "success")
        else:
            flash(_("Releases to %(name)s are paid by bank transfer.", name=org.name), "success")
    return redirect(url_for("views.operator_payouts"), 303)


@bp.route("/operator/organizations/<int:org_id>/payout-bank-account", methods=["POST"])
@require_login
def operator_payout_bank_account(org_id: int):
    data = {key: request.form.get(key, "") for key in organizations.PAYOUT_BANK_FIELDS}
    try:
        org = organizations.set_payout_bank_account(db.session, actor(), org_id, data)
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        for message in {m for group in field_errors(exc.fields).values() for m in group}:
            flash(localize(message), "error")
    else:
        if org.payout_account_number:
            flash(
                _("Payouts to %(name)s go to the bank account on record.", name=org.name), "success"
            )
        else:
            flash(_("The bank account of %(name)s is cleared.", name=org.name), "success")
    return redirect(url_for("views.operator_payouts"), 303)
