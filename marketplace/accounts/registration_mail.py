"""The registration mails: the link for a new address, a notice for a taken one."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.accounts import join_requests, registration
from marketplace.core.mailer import link_for, send_mail
from marketplace.core.uow import on_commit, unit_of_work
from marketplace.extensions import db
from marketplace.models import User


@unit_of_work
def register(session: Session, **data) -> tuple[User, bool]:
    """``registration.register``, and its mail to the address once that has committed."""
    user, created = registration.register(session, **data)
    subject, body = registration_mail(user, created)
    address = user.email
    on_commit(session, lambda: send_mail(address, subject, body))
    return user, created


def registration_mail(user: User, created: bool) -> tuple[str, str]:
    """(subject, body) of what the address's owner gets after a registration with it: the
    confirmation link (a new account, or one never confirmed), or word that someone tried
    to register."""
    if created or user.confirmed_at is None:
        token = registration.make_token(user, current_app.config["SECRET_KEY"])
        days = current_app.config["REGISTRATION_CONFIRM_MAX_AGE"] // 86400
        body = _(
            "Hello %(name)s,\n\n"
            "open this link to finish registering at TechMarket; it works once, for "
            "%(days)s days:\n\n%(link)s\n\n"
            "If you did not register, ignore this message: no account is used without it.\n",
            name=user.display_name,
            days=days,
            link=link_for("views.confirm_registration", token=token),
        )
        joining = join_requests.pending_requests_of(db.session, user)
        if joining:
            body += "\n" + _(
                "Once you have opened it, the admins of %(organization)s are asked to approve "
                "your request to join; you are told their answer by mail.\n",
                organization=joining[0].organization.name,
            )
        return _("Finish registering at TechMarket"), body
    body = _(
        "Hello %(name)s,\n\n"
        "someone just tried to register a new TechMarket account with this address, which "
        "already has one: yours. Nothing was changed.\n\n"
        "If it was you, log in instead: %(login)s\n"
        "Forgot the password? Ask for a new one: %(forgot)s\n\n"
        "If it was not you, you need not do anything.\n",
        name=user.display_name,
        login=link_for("views.login"),
        forgot=link_for("views.forgot_password"),
    )
    return _("Someone tried to register with your address"), body
