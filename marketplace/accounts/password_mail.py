"""The password-reset mail: one service that both the page and the API call."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.accounts import password_reset
from marketplace.core.mailer import link_for, send_mail
from marketplace.core.uow import on_commit, unit_of_work


@unit_of_work
def send_reset_link(session: Session, email: str) -> None:
    """Mail a reset link if the address belongs to an active account; otherwise nothing.

    Callers give the same answer either way, so nobody learns which addresses exist.
    The mail goes out once the unit of work has committed, never before.
    """
    found = password_reset.reset_token_for(session, email, current_app.config["SECRET_KEY"])
    if found is None:
        return
    user, token = found
    link = link_for("views.reset_password", token=token)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    body = _(
        "Hello %(name)s,\n\n"
        "someone (we hope you) asked to reset the password of your TechMarket account.\n"
        "Open this link to choose a new password; it works once, for %(minutes)s minutes:\n\n"
        "%(link)s\n\n"
        "If you did not ask for this, ignore this message: your password stays as it is.\n",
        name=user.display_name,
        minutes=minutes,
        link=link,
    )
    subject, address = _("Reset your TechMarket password"), user.email
    on_commit(session, lambda: send_mail(address, subject, body))
