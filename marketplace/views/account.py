"""我的机构: the user's organization, its verification and everything it has posted."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from marketplace.accounts import organizations
from marketplace.catalog import demands, listings
from marketplace.extensions import db
from marketplace.views.base import actor, bp, require_login

ALL = 100


@bp.route("/my/organization")
@require_login
def my_organization():
    user = actor()
    org = user.organization
    if org is None:
        return render_template("account/organization.html", org=None)
    return render_template(
        "account/organization.html",
        org=org,
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
