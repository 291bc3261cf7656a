"""收款账户: operators connect an organization's Stripe account for releases."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from marketplace.accounts import organizations
from marketplace.core.errors import Conflict, Invalid
from marketplace.extensions import db
from marketplace.views.base import actor, attempt, bp, require_login


@bp.route("/operator/organizations/<int:org_id>/payout-account", methods=["POST"])
@require_login
def operator_payout_account(org_id: int):
    saved = attempt(
        lambda: organizations.set_payout_account(
            db.session, actor(), org_id, request.form.get("stripe_account_id", "")
        ),
        shown=(),
        flashed=(Invalid, Conflict),
    )
    if saved.ok:
        org = saved.value
        if org.stripe_account_id:
            flash(_("Releases to %(name)s now go to its Stripe account.", name=org.name), "success")
        else:
            flash(_("Releases to %(name)s are paid by bank transfer.", name=org.name), "success")
    return redirect(url_for("views.operator_payouts"), 303)


@bp.route("/operator/organizations/<int:org_id>/payout-bank-account", methods=["POST"])
@require_login
def operator_payout_bank_account(org_id: int):
    data = {key: request.form.get(key, "") for key in organizations.PAYOUT_BANK_FIELDS}
    saved = attempt(
        lambda: organizations.set_payout_bank_account(db.session, actor(), org_id, data),
        shown=(),
        flashed=(Invalid, Conflict),
    )
    if saved.ok:
        org = saved.value
        if org.payout_account_number:
            flash(
                _("Payouts to %(name)s go to the bank account on record.", name=org.name), "success"
            )
        else:
            flash(_("The bank account of %(name)s is cleared.", name=org.name), "success")
    return redirect(url_for("views.operator_payouts"), 303)
