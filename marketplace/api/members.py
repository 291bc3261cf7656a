"""Organization members API: the member list, roles, removal, invitations, join requests
and verification documents (accounts/members.py, accounts/documents.py).

Another organization's members, invitations, requests and documents are 404 to a caller,
as if they did not exist; the organization's own non-admin members get 403 for what only
its admins (and operators) may do."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema

from marketplace.accounts import documents, invitations, join_requests, members, membership_mail
from marketplace.api.spec import login_required
from marketplace.core.errors import Invalid
from marketplace.core.messages import N_
from marketplace.core.uploads import DEFAULT_MAX_BYTES, SCANS
from marketplace.extensions import db
from marketplace.schemas.accounts import (
    DocumentForm,
    DocumentOut,
    InvitationAcceptIn,
    InvitationIn,
    InvitationOut,
    InvitationTokenIn,
    JoinDecisionIn,
    JoinRequestIn,
    JoinRequestOut,
    MemberOut,
    MemberRoleIn,
)
from marketplace.schemas.common import ApiError
from marketplace.web.auth import current_actor, start_session
from marketplace.web.downloads import organization_document_download, storage_dir
from marketplace.web.rate_limits import auth_limits


class DocumentUpload(Schema):
    file = Upload(required=True)


DOWNLOAD_RESPONSE = {
    "description": "The file, as an attachment (Content-Disposition)",
    "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in SCANS},
}


def _secret_and_age() -> tuple[str, int]:
    return current_app.config["SECRET_KEY"], membership_mail.invitation_max_age()


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "members",
        __name__,
        url_prefix="/api/v1/organizations",
        description="Organization members, invitations, join requests, verification documents",
    )

    # Members ------------------------------------------------------------------------------

    @blp.route("/<int:org_id>/members", methods=["GET"])
    @login_required(blp)
    @blp.response(200, MemberOut(many=True))
    @blp.alt_response(404, schema=ApiError)
    def list_members(org_id: int):
        """The organization's members (its members and operators only)."""
        return members.list_members(db.session, current_actor(), org_id)

    @blp.route("/<int:org_id>/members/<int:user_id>", methods=["PATCH"])
    @login_required(blp)
    @blp.arguments(MemberRoleIn)
    @blp.response(200, MemberOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError, description="The last admin stays admin")
    def set_member_role(data, org_id: int, user_id: int):
        """Make a member admin or member (the organization's admins, operators)."""
        member = members.set_member_role(db.session, current_actor(), org_id, user_id, data["role"])
        return member

    @blp.route("/<int:org_id>/members/<int:user_id>", methods=["DELETE"])
    @login_required(blp)
    @blp.response(204)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError, description="The last admin stays")
    def remove_member(org_id: int, user_id: int):
        """Remove a member (admins, operators), or leave (oneself)."""
        members.remove_member(db.session, current_actor(), org_id, user_id)

    # Invitations --------------------------------------------------------------------------

    @blp.route("/<int:org_id>/invitations", methods=["GET"])
    @login_required(blp)
    @blp.response(200, InvitationOut(many=True))
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    def list_invitations(org_id: int):
        """The organization's invitations, newest first (admins, operators)."""
        return invitations.list_invitations(db.session, current_actor(), org_id)

    @blp.route("/<int:org_id>/invitations", methods=["POST"])
    @login_required(blp)
    @blp.arguments(InvitationIn)
    @blp.response(201, InvitationOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError, description="A member already, or invited")
    def invite(data, org_id: int):
        """Invite an e-mail address with a role: a signed, single-use link is mailed to
        it, valid for ORG_INVITATION_MAX_AGE seconds (admins, operators)."""
        actor = current_actor()
        invitation = invitations.invite(
            db.session,
            actor,
            org_id,
            data["email"],
            data["role"],
            max_age=membership_mail.invitation_max_age(),
        )
        membership_mail.send_invitation_mail(invitation, actor)
        return invitation

    @blp.route("/<int:org_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
    @login_required(blp)
    @blp.response(200, InvitationOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError, description="Answered already")
    def revoke_invitation(org_id: int, invitation_id: int):
        """Revoke a pending invitation: its link stops working (admins, operators)."""
        invitation = invitations.revoke_invitation(
            db.session, current_actor(), org_id, invitation_id
        )
        return invitation

    @blp.route("/invitations/accept", methods=["POST"])
    @auth_limits("register", per_email=False)
    @blp.arguments(InvitationAcceptIn)
    @blp.response(200, MemberOut)
    @blp.alt_response(401, schema=ApiError, description="The address has an account: log in")
    @blp.alt_response(403, schema=ApiError, description="Logged in with another address")
    @blp.alt_response(409, schema=ApiError, description="In another organization already")
    @blp.alt_response(422, schema=ApiError)
    def accept_invitation(data):
        """Accept an invitation with the token from the mailed link. Logged in as the
        invited address: that account joins. Without an account for the address: give
        display_name, password and role, and the account is created, joined and logged in."""
        secret, max_age = _secret_and_age()
        actor = current_actor()
        user = invitations.accept_invitation(
            db.session,
            data["token"],
            secret,
            max_age,
            actor=actor,
            new_account={k: data.get(k) for k in ("display_name", "password", "role")},
        )
        if actor is None:
            start_session(user)
        return user

    @blp.route("/invitations/decline", methods=["POST"])
    @auth_limits("register", per_email=False)
    @blp.arguments(InvitationTokenIn)
    @blp.response(204)
    @blp.alt_response(422, schema=ApiError)
    def decline_invitation(data):
        """Decline an invitation (the link's holder; no login needed)."""
        secret, max_age = _secret_and_age()
        invitations.decline_invitation(db.session, data["token"], secret, max_age)

    # Join requests ------------------------------------------------------------------------

    @blp.route("/join-requests", methods=["GET"])
    @login_required(blp)
    @blp.response(200, JoinRequestOut(many=True))
    def my_join_requests():
        """The caller's own join requests, newest first."""
        return join_requests.requests_of(db.session, current_actor())

    @blp.route("/<int:org_id>/join-requests", methods=["GET"])
    @login_required(blp)
    @blp.response(200, JoinRequestOut(many=True))
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    def list_join_requests(org_id: int):
        """Pending join requests (admins, operators)."""
        return join_requests.list_join_requests(db.session, current_actor(), org_id)

    @blp.route("/<int:org_id>/join-requests", methods=["POST"])
    @login_required(blp)
    @blp.arguments(JoinRequestIn)
    @blp.response(201, JoinRequestOut)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError, description="In an organization, or asked already")
    def request_to_join(data, org_id: int):
        """Ask to join an organization (a person without one); its admins are mailed."""
        request = join_requests.request_to_join(
            db.session, current_actor(), org_id, data["message"]
        )
        membership_mail.send_join_request_mail(db.session, request)
        return request

    @blp.route(
        "/<int:org_id>/join-requests/<int:request_id>/<any(approve, decline):decision>",
        methods=["POST"],
    )
    @login_required(blp)
    @blp.arguments(JoinDecisionIn, required=False)
    @blp.response(200, JoinRequestOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError, description="Decided already")
    @blp.alt_response(422, schema=ApiError, description="A decline needs a reason")
    def decide_join_request(data, org_id: int, request_id: int, decision: str):
        """Approve (the person joins as a member) or decline with a reason (admins,
        operators); the person is mailed the answer."""
        request = join_requests.decide_join_request(
            db.session,
            current_actor(),
            org_id,
            request_id,
            decision,
            (data or {}).get("reason", ""),
        )
        membership_mail.send_join_decision_mail(request)
        return request

    @blp.route("/join-requests/<int:request_id>/withdraw", methods=["POST"])
    @login_required(blp)
    @blp.response(200, JoinRequestOut)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError, description="Decided already")
    def withdraw_join_request(request_id: int):
        """Withdraw one's own pending join request."""
        request = join_requests.withdraw_join_request(db.session, current_actor(), request_id)
        return request

    # Verification documents ---------------------------------------------------------------

    @blp.route("/<int:org_id>/documents", methods=["GET"])
    @login_required(blp)
    @blp.response(200, DocumentOut(many=True))
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    def list_documents(org_id: int):
        """Verification documents (the organization's admins, operators)."""
        return documents.list_documents(db.session, current_actor(), org_id)

    @blp.route("/<int:org_id>/documents", methods=["POST"])
    @login_required(blp)
    @blp.arguments(DocumentUpload, location="files")
    @blp.arguments(DocumentForm, location="form")
    @blp.response(201, DocumentOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def upload_document(files, form, org_id: int):
        """Upload a 营业执照 / 法人证书 scan (PDF, PNG, JPEG; checked by content; size-limited)
        for the operators who verify the organization (its admins)."""
        upload = files["file"]
        if not upload or not upload.filename:
            raise Invalid({"file": N_("Choose a file.")})
        document = documents.add_document(
            db.session,
            current_actor(),
            org_id,
            upload.stream,
            upload.filename,
            form["kind"],
            storage_dir=storage_dir(),
            max_bytes=current_app.config.get("MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES),
        )
        return document

    @blp.route("/<int:org_id>/documents/<int:document_id>", methods=["GET"])
    @login_required(blp)
    @blp.doc(responses={200: DOWNLOAD_RESPONSE})
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    def download_document(org_id: int, document_id: int):
        """The document itself, as a download (never rendered inline)."""
        return organization_document_download(org_id, document_id)

    return blp
