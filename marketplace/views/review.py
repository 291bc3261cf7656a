"""审核: the operators' queue of submitted listings and demands and of verification requests."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from marketplace.accounts import documents, organizations
from marketplace.accounts.users import require_operator
from marketplace.catalog import demands, listings
from marketplace.core.errors import Invalid
from marketplace.extensions import db
from marketplace.views.base import actor, attempt, bp, require_login

QUEUE = 100


@bp.route("/review")
@require_login
def review():
    user = require_operator(actor())
    waiting = organizations.list_organizations(
        db.session, verification_status="pending", per_page=QUEUE
    )
    return render_template(
        "review/index.html",
        # What each organization sent to be verified (营业执照 / 法人证书).
        org_documents={org.id: documents.documents_of(db.session, org.id) for org in waiting.items},
        listings=listings.list_listings(
            db.session, user, status="pending_review", per_page=QUEUE, sort="updated"
        ),
        demands=demands.list_demands(
            db.session, user, status="pending_review", per_page=QUEUE, sort="updated"
        ),
        organizations=waiting,
    )


@bp.route("/review/organizations/<int:org_id>/<any(verify,reject):action>", methods=["POST"])
@require_login
def verify_organization(org_id: int, action: str):
    done = attempt(
        lambda: organizations.set_verification(
            db.session, actor(), org_id, action, request.form.get("note", "")
        ),
        shown=(),
        flashed=(Invalid,),
    )
    if done.ok:
        org = done.value
        if action == "verify":
            flash(_("%(name)s is verified.", name=org.name), "success")
        else:
            flash(_("Verification of %(name)s is refused.", name=org.name), "success")
    return redirect(url_for("views.review"), 303)
