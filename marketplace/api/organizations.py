"""Organizations API: directory, edits, verification."""

from __future__ import annotations

from flask_smorest import Blueprint

from marketplace.accounts import organizations
from marketplace.api.publication import page_body
from marketplace.api.spec import login_required
from marketplace.extensions import db
from marketplace.schemas.accounts import (
    OrganizationIn,
    OrganizationOut,
    OrganizationPage,
    OrganizationQuery,
    PayoutAccountIn,
    PayoutAccountOut,
    PayoutBankAccountIn,
    PayoutBankAccountOut,
    VerificationIn,
)
from marketplace.schemas.common import ApiError, patch_schema
from marketplace.web.auth import current_actor


def create_blueprint() -> Blueprint:
    """Built per app, so that several apps (tests) never share a registered blueprint."""
    blp = Blueprint(
        "organizations", __name__, url_prefix="/api/v1/organizations", description="Organizations"
    )

    @blp.route("", methods=["GET"])
    @blp.arguments(OrganizationQuery, location="query")
    @blp.response(200, OrganizationPage)
    def list_organizations(args):
        return page_body(organizations.list_organizations(db.session, **args))

    @blp.route("", methods=["POST"])
    @login_required(blp)
    @blp.arguments(OrganizationIn)
    @blp.response(201, OrganizationOut)
    @blp.alt_response(403, schema=ApiError)
    def create_organization(data):
        """Create an organization (operators)."""
        org = organizations.create_organization(db.session, current_actor(), data)
        return org

    @blp.route("/<int:org_id>", methods=["GET"])
    @blp.response(200, OrganizationOut)
    @blp.alt_response(404, schema=ApiError)
    def get_organization(org_id: int):
        return organizations.get_organization(db.session, org_id)

    @blp.route("/<int:org_id>", methods=["PATCH"])
    @login_required(blp)
    @blp.arguments(patch_schema(OrganizationIn))
    @blp.response(200, OrganizationOut)
    @blp.alt_response(403, schema=ApiError)
    def update_organization(data, org_id: int):
        """Edit name and region (members; a verified name only through an operator)."""
        org = organizations.update_organization(db.session, current_actor(), org_id, data)
        return org

    @blp.route("/<int:org_id>/verification/<any(request, verify, reject):action>", methods=["POST"])
    @login_required(blp)
    @blp.arguments(VerificationIn, required=False)
    @blp.response(200, OrganizationOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def verification(data, org_id: int, action: str):
        """Members request verification; operators verify or reject it with a note."""
        org = organizations.set_verification(
            db.session, current_actor(), org_id, action, (data or {}).get("note", "")
        )
        return org

    @blp.route("/<int:org_id>/payout-account", methods=["PUT"])
    @login_required(blp)
    @blp.arguments(PayoutAccountIn)
    @blp.response(200, PayoutAccountOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def set_payout_account(data, org_id: int):
        """Connect the organization's Stripe account, or clear it with "" (operators).
        Releases to a connected organization are Stripe Connect transfers."""
        org = organizations.set_payout_account(
            db.session, current_actor(), org_id, data["stripe_account_id"]
        )
        return org

    @blp.route("/<int:org_id>/payout-bank-account", methods=["PUT"])
    @login_required(blp)
    @blp.arguments(PayoutBankAccountIn)
    @blp.response(200, PayoutBankAccountOut)
    @blp.alt_response(403, schema=ApiError)
    def set_payout_bank_account(data, org_id: int):
        """Record the bank account payouts to the organization are transferred to (operators);
        all three fields empty clears it. The payouts queue shows it to the operator paying."""
        return organizations.set_payout_bank_account(db.session, current_actor(), org_id, data)

    return blp
