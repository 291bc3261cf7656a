"""我的机构: the user's organization, its verification and everything it has posted."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from marketplace.accounts import organizations
from marketplace.catalog import demands, listings
from marketplace.core.errors import Conflict, Invalid
from marketplace.extensions import db
from marketplace.schemas.accounts import OrganizationCreditCodeIn
from marketplace.views.base import actor, attempt, bp, field_errors, require_login
from marketplace.views.members import joining_panel, organization_panel

ALL = 100


@bp.route("/my/organization")
@require_login
def my_organization():
    user = actor()
    org = user.organization
    if org is None:
        return render_template("account/organization.html", org=None, **joining_panel(user))
    return render_template(
        "account/organization.html",
        org=org,
        **organization_panel(user),
        counts=organizations.organization_counts(db.session, org.id),
        listings=listings.list_listings(
            db.session, user, organization_id=org.id, status="any", per_page=ALL, sort="updated"
        ),
        demands=demands.list_demands(
            db.session, user, organization_id=org.id, status="any", per_page=ALL, sort="updated"
        ),
    )


@bp.route("/my/organization/verification", methods=["POST"])
@require_login
def request_verification():
    user = actor()
    if user.organization_id is None:
        return redirect(url_for("views.my_organization"), 303)
    organizations.set_verification(db.session, user, user.organization_id, "request")
    flash(_("Verification requested. An operator will check your organization."), "success")
    return redirect(url_for("views.my_organization"), 303)


@bp.route("/my/organization/credit-code", methods=["POST"])
@require_login
def organization_credit_code():
    """统一社会信用代码: members give it (a verified organization's only through an operator)."""
    user = actor()
    if user.organization_id is None:
        return redirect(url_for("views.my_organization"), 303)
    try:
        data = OrganizationCreditCodeIn().load({"credit_code": request.form.get("credit_code", "")})
    except ValidationError as exc:
        for message in field_errors(exc.messages).get("credit_code", []):
            flash(message, "error")
        return redirect(url_for("views.my_organization"), 303)
    saved = attempt(
        lambda: organizations.update_organization(db.session, user, user.organization_id, data),
        shown=(),
        flashed=(Invalid, Conflict),
    )
    if saved.ok:
        flash(_("The unified social credit code is saved."), "success")
    return redirect(url_for("views.my_organization"), 303)
