"""我的机构 → 成员: members and their roles, invitations, join requests and verification
documents, on the organization page; the invitation link's page; a person without an
organization asks to join one. The services decide who may (accounts/members.py,
accounts/documents.py); a refusal comes back to the page as a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from marketplace.accounts import documents, invitations, join_requests, members, membership_mail
from marketplace.accounts import users as accounts
from marketplace.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from marketplace.core.messages import N_
from marketplace.core.messages import translate as localize
from marketplace.core.uploads import DEFAULT_MAX_BYTES
from marketplace.extensions import db
from marketplace.models import Organization
from marketplace.views.base import actor, bp, field_errors, form_text, require_login
from marketplace.web.auth import start_session
from marketplace.web.downloads import organization_document_download, storage_dir
from marketplace.web.rate_limits import auth_limits


def _back(anchor: str = "members") -> str:
    return url_for("views.my_organization") + f"#{anchor}"


def _flash(exc: DomainError) -> None:
    groups = field_errors(exc.fields).values() if exc.fields else [[localize(exc.message)]]
    for group in groups:
        for message in group:
            flash(message, "error")


def _run(run: Callable[[], Any], done: str, anchor: str):
    """Run a service for the page; a conflict or a bad input returns as a message, while
    what the user may not see or do stays a 404 / 403 page."""
    try:
        result = run()
    except (Conflict, Invalid) as exc:
        _flash(exc)
        return redirect(_back(anchor), 303), None
    flash(done, "success")
    return redirect(_back(anchor), 303), result


def _own_org_id() -> int:
    org_id = actor().organization_id
    if org_id is None:
        raise NotFound(N_("Your account does not belong to an organization."))
    return org_id


def organization_panel(user) -> dict[str, Any]:
    """What the organization page shows about members: every member sees the list; admins
    also the invitations, join requests and documents."""
    org_id = user.organization_id
    admin = members.is_admin_of(user, org_id)
    return {
        "me": user,
        "members": members.list_members(db.session, user, org_id),
        "is_admin": admin,
        "invitation_days": max(1, membership_mail.invitation_max_age() // 86400),
        "invitations": invitations.list_invitations(db.session, user, org_id) if admin else [],
        "join_requests": join_requests.list_join_requests(db.session, user, org_id)
        if admin
        else [],
        "documents": documents.list_documents(db.session, user, org_id) if admin else [],
    }


def joining_panel(user) -> dict[str, Any]:
    """For a person without an organization: their join requests."""
    return {"my_requests": join_requests.requests_of(db.session, user)}


# Members ---------------------------------------------------------------------------------


@bp.route("/my/organization/members/<int:user_id>/role", methods=["POST"])
@require_login
def member_role(user_id: int):
    role = request.form.get("role", "")
    response, _member = _run(
        lambda: members.set_member_role(db.session, actor(), _own_org_id(), user_id, role),
        _("The role is changed."),
        "members",
    )
    return response


@bp.route("/my/organization/members/<int:user_id>/remove", methods=["POST"])
@require_login
def member_remove(user_id: int):
    leaving = actor().id == user_id
    response, _member = _run(
        lambda: members.remove_member(db.session, actor(), _own_org_id(), user_id),
        _("You left the organization.") if leaving else _("The member is removed."),
        "members",
    )
    return response


# Invitations -----------------------------------------------------------------------------


@bp.route("/my/organization/invitations", methods=["POST"])
@require_login
def invite_member():
    user = actor()
    email = form_text("email", 254).strip()
    role = request.form.get("role", "member")
    response, invitation = _run(
        lambda: invitations.invite(
            db.session,
            user,
            _own_org_id(),
            email,
            role,
            max_age=membership_mail.invitation_max_age(),
        ),
        _("The invitation is sent to %(email)s.", email=email),
        "invitations",
    )
    if invitation is not None:
        membership_mail.send_invitation_mail(invitation, user)
    return response


@bp.route("/my/organization/invitations/<int:invitation_id>/revoke", methods=["POST"])
@require_login
def revoke_member_invitation(invitation_id: int):
    response, _inv = _run(
        lambda: invitations.revoke_invitation(db.session, actor(), _own_org_id(), invitation_id),
        _("The invitation is revoked; its link no longer works."),
        "invitations",
    )
    return response


def _invitation_page(token: str, invitation, values=None, errors=None, message="", status=200):
    user = actor()
    org = db.session.get(Organization, invitation.organization_id) if invitation else None
    has_account = (
        invitation is not None
        and user is None
        and accounts.find_user_by_email(db.session, invitation.email) is not None
    )
    roles = [
        r
        for r in accounts.SELF_SERVICE_ROLES
        if org is not None and accounts.role_fits(r, org.kind) is None
    ]
    return render_template(
        "account/invitation.html",
        token=token,
        invitation=invitation,
        org=org,
        status=invitation.effective_status() if invitation else None,
        has_account=has_account,
        roles=roles,
        values=values or {},
        errors=errors or {},
        message=message,
    ), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@auth_limits("register", per_email=False, methods=["POST"])
def invitation(token: str):
    """The mailed link: a page that says who invites to what, with accept and decline
    buttons (POST, so a mail scanner following links decides nothing); without an account
    for the address, the accept form creates one."""
    secret = current_app.config["SECRET_KEY"]
    max_age = membership_mail.invitation_max_age()
    try:
        found = invitations.invitation_for_token(db.session, token, secret, max_age)
    except Invalid as exc:
        return _invitation_page(token, None, message=localize(exc.fields["token"][0]), status=400)
    if request.method == "GET":
        return _invitation_page(token, found)
    user = actor()
    if request.form.get("action") == "decline":
        try:
            invitations.decline_invitation(db.session, token, secret, max_age)
        except Invalid as exc:
            return _invitation_page(token, found, message=_first(exc), status=409)
        flash(_("You declined the invitation."), "info")
        return redirect(url_for("views.home"), 303)
    values = {
        "display_name": form_text("display_name", 100).strip(),
        "role": request.form.get("role", ""),
    }
    try:
        joined = invitations.accept_invitation(
            db.session,
            token,
            secret,
            max_age,
            actor=user,
            new_account=values | {"password": request.form.get("password") or ""},
        )
    except Invalid as exc:
        if "token" in exc.fields:
            return _invitation_page(token, found, message=_first(exc), status=409)
        return _invitation_page(
            token, found, values=values, errors=field_errors(exc.fields), status=422
        )
    except (Conflict, Forbidden) as exc:
        return _invitation_page(token, found, message=localize(exc.message), status=exc.status)
    if user is None:
        start_session(joined)
    flash(_("Welcome to %(organization)s.", organization=joined.organization.name), "success")
    return redirect(url_for("views.my_organization"), 303)


def _first(exc: Invalid) -> str:
    return localize(next(iter(exc.fields.values()))[0])


# Join requests ---------------------------------------------------------------------------


@bp.route("/my/organization/join", methods=["POST"])
@require_login
def join_organization():
    """A person without an organization names one to ask to join it."""
    name = form_text("organization_name", 200).strip()
    org = accounts.existing_organization(db.session, name) if name else None
    if org is None:
        flash(_("No organization has this name. Check the name in the directory."), "error")
        return redirect(_back("join"), 303)
    response, join = _run(
        lambda: join_requests.request_to_join(
            db.session, actor(), org.id, form_text("message", 2000)
        ),
        _("Your request is sent. The organization's admins will answer."),
        "join",
    )
    if join is not None:
        membership_mail.send_join_request_mail(db.session, join)
    return response


@bp.route("/my/organization/join-requests/<int:request_id>/withdraw", methods=["POST"])
@require_login
def withdraw_join(request_id: int):
    response, _join = _run(
        lambda: join_requests.withdraw_join_request(db.session, actor(), request_id),
        _("Your request is withdrawn."),
        "join",
    )
    return response


@bp.route(
    "/my/organization/join-requests/<int:request_id>/<any(approve, decline):decision>",
    methods=["POST"],
)
@require_login
def decide_join(request_id: int, decision: str):
    response, decided = _run(
        lambda: join_requests.decide_join_request(
            db.session,
            actor(),
            _own_org_id(),
            request_id,
            decision,
            form_text("reason", 2000),
        ),
        _("The person joined the organization.")
        if decision == "approve"
        else _("The request is declined; the person is told why."),
        "join-requests",
    )
    if decided is not None:
        membership_mail.send_join_decision_mail(decided)
    return response


# Verification documents ------------------------------------------------------------------


@bp.route("/my/organization/documents", methods=["POST"])
@require_login
def upload_organization_document():
    upload = request.files.get("file")
    kind = request.form.get("kind", "")

    def run():
        if upload is None or not upload.filename:
            raise Invalid({"file": N_("Choose a file.")})
        return documents.add_document(
            db.session,
            actor(),
            _own_org_id(),
            upload.stream,
            upload.filename,
            kind,
            storage_dir=storage_dir(),
            max_bytes=current_app.config.get("MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES),
        )

    response, _doc = _run(run, _("The document is uploaded."), "documents")
    return response


@bp.route("/organizations/<int:org_id>/documents/<int:document_id>")
@require_login
def organization_document(org_id: int, document_id: int):
    """A verification document, for the organization's admins and operators."""
    return organization_document_download(org_id, document_id)


# The services' messages, for `pybabel extract` (pages show them translated).
MESSAGES = (
    N_("Only the organization's admins may do this."),
    N_("Only the organization's admins and operators see its documents."),
    N_("Only the organization's admins upload its documents."),
    N_("An organization keeps at least one admin: make someone else admin first."),
    N_("Choose admin or member."),
    N_("This person is already a member of the organization."),
    N_("This address has a pending invitation: revoke it to invite again."),
    N_("This invitation link is not valid."),
    N_("This invitation has expired: ask the organization for a new one."),
    N_("This invitation was already used, declined or revoked."),
    N_("This invitation is for another e-mail address: log in with that address."),
    N_("Operators do not join organizations."),
    N_("You are already a member of this organization."),
    N_("You belong to another organization: leave it first."),
    N_("You belong to an organization already: leave it first."),
    N_("This address has an account: log in with it to accept the invitation."),
    N_("You have a pending join request: withdraw it to ask another organization."),
    N_("This was already answered, withdrawn or revoked."),
    N_("Say why the request is declined."),
    N_("The person has not confirmed their e-mail address yet."),
    N_("The person has joined an organization meanwhile."),
    N_("Choose business_licence, legal_person_certificate or other."),
    N_("Only PDF, PNG and JPEG files."),
    N_("Choose a file."),
    N_("Your account does not belong to an organization."),
)
