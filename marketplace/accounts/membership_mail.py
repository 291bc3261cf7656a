"""The membership mails: an invitation's link, a join request for the organization's
admins, the answer to a join request. Sent after the commit by the caller (API or page)."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.accounts import invitations, join_requests, members
from marketplace.core.mailer import link_for, send_mail
from marketplace.models import JoinRequest, OrganizationInvitation, User


def invitation_max_age() -> int:
    return int(
        current_app.config.get("ORG_INVITATION_MAX_AGE", invitations.DEFAULT_INVITATION_MAX_AGE)
    )


def _locale(user: User) -> str:
    return user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")


def send_invitation_mail(invitation: OrganizationInvitation, inviter: User) -> None:
    """In the inviter's language (the invited person's is not known yet)."""
    token = invitations.make_token(invitation, current_app.config["SECRET_KEY"])
    with force_locale(_locale(inviter)):
        body = _(
            "Hello,\n\n"
            "%(inviter)s invites you to join %(organization)s on TechMarket as %(role)s.\n\n"
            "Open this link to accept or decline; it works once, for %(days)s days:\n\n"
            "%(link)s\n\n"
            "If you do not know this organization, ignore this message.\n",
            inviter=inviter.display_name,
            organization=invitation.organization.name,
            role=_("admin") if invitation.role == "admin" else _("member"),
            days=max(1, invitation_max_age() // 86400),
            link=link_for("views.invitation", token=token),
        )
        subject = _(
            "Invitation to join %(organization)s", organization=invitation.organization.name
        )
    send_mail(invitation.email, subject, body)


def send_join_request_mail(session: Session, request: JoinRequest) -> None:
    """Tell the organization's admins that someone asks to join."""
    person = request.user
    for admin in members.admins_of(session, request.organization_id):
        with force_locale(_locale(admin)):
            body = _(
                "Hello %(name)s,\n\n"
                "%(person)s (%(email)s) asks to join %(organization)s on TechMarket.\n\n"
                "Approve or decline the request here: %(link)s\n",
                name=admin.display_name,
                person=person.display_name,
                email=person.email,
                organization=request.organization.name,
                link=link_for("views.my_organization", _anchor="join-requests"),
            )
            subject = _(
                "%(person)s asks to join %(organization)s",
                person=person.display_name,
                organization=request.organization.name,
            )
        send_mail(admin.email, subject, body)


def announce_join_requests(session: Session, user: User) -> None:
    """After a registration is confirmed: the admins learn of its join request."""
    for request in join_requests.pending_requests_of(session, user):
        send_join_request_mail(session, request)


def send_join_decision_mail(request: JoinRequest) -> None:
    person = request.user
    with force_locale(_locale(person)):
        if request.status == "approved":
            subject = _("You joined %(organization)s", organization=request.organization.name)
            body = _(
                "Hello %(name)s,\n\n"
                "your request to join %(organization)s on TechMarket was approved.\n\n"
                "%(link)s\n",
                name=person.display_name,
                organization=request.organization.name,
                link=link_for("views.my_organization"),
            )
        else:
            subject = _(
                "Your request to join %(organization)s was declined",
                organization=request.organization.name,
            )
            body = _(
                "Hello %(name)s,\n\n"
                "your request to join %(organization)s on TechMarket was declined.\n"
                "Reason: %(reason)s\n\n"
                "You may ask another organization to let you join: %(link)s\n",
                name=person.display_name,
                organization=request.organization.name,
                reason=request.reason,
                link=link_for("views.my_organization"),
            )
    send_mail(person.email, subject, body)
