"""The password-reset mail: one service that both the page and the API call."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.accounts import password_reset, tokens
from marketplace.core.localtime import fmt_day
from marketplace.core.mailer import link_for, send_mail
from marketplace.core.uow import on_commit, unit_of_work
from marketplace.models import User


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


@unit_of_work
def reset_password(
    session: Session,
    token: str,
    new_password: str,
    secret_key: str,
    max_age: int,
    *,
    keep_tokens: bool = False,
) -> User:
    """Set a new password with the token from the mail (``password_reset.reset_password``)
    and, once that has committed, tell the owner which API tokens stay active."""
    user = password_reset.reset_password(
        session, token, new_password, secret_key, max_age, keep_tokens=keep_tokens
    )
    send_password_changed(session, user)
    return user


def send_password_changed(session: Session, user: User) -> None:
    """Tell the owner the password was reset, and which API tokens stay active; the mail
    goes out after the caller's unit of work commits."""
    live = tokens.live(session, user)
    if live:
        listing = "\n".join(
            _(
                "- %(name)s (%(prefix)s…, scopes: %(scopes)s, expires %(expires)s)",
                name=t.name,
                prefix=t.prefix,
                scopes=" ".join(t.scope_list),
                expires=fmt_day(t.expires_at),
            )
            for t in live
        )
        kept = _("These personal API tokens stay active:\n%(tokens)s\n", tokens=listing)
    else:
        kept = _("No personal API token is active: any you had were revoked.\n")
    body = _(
        "Hello %(name)s,\n\n"
        "the password of your TechMarket account was just reset, and every session that "
        "was logged in with it has ended.\n\n%(kept)s\n"
        "If you did not do this, reset your password again at once and tell an operator.\n",
        name=user.display_name,
        kept=kept,
    )
    subject, address = _("Your TechMarket password was reset"), user.email
    on_commit(session, lambda: send_mail(address, subject, body))
