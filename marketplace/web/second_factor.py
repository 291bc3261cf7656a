"""The second factor as the pages and the API meet it (accounts/second_factor.py has the rules).

- **Login in two steps.** After the password, an account with a second factor gets no
  session yet: the signed cookie remembers who passed the password, for
  SECOND_FACTOR_LOGIN_MAX_AGE seconds, and the code page (or POST
  /api/v1/auth/login/second-factor) finishes the login with a code.
- **Enrolment first.** An operator or broker (SECOND_FACTOR_REQUIRED_ROLES) without a
  second factor reaches only the enrolment pages and routes, logging out and who-am-I:
  pages send them to /account/second-factor, the API answers 403
  ``second_factor_enrolment_required``.
- **Step-up.** Money actions by a person with a second factor need one checked in this
  login session in the last SECOND_FACTOR_STEP_UP_MINUTES; otherwise the API answers 403
  ``second_factor_required`` (a code in the ``X-Second-Factor`` header, with a session or
  a token, passes it for that request) and the page asks for the code and redoes the
  action.

Every code typed counts against a per-account and per-address limit (web/rate_limits.py).
"""

from __future__ import annotations

import time
from datetime import timedelta

import segno
from flask import Flask, current_app, flash, g, redirect, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _

from marketplace.accounts import second_factor, sessions
from marketplace.accounts import users as accounts
from marketplace.core.errors import Forbidden
from marketplace.core.messages import N_
from marketplace.extensions import db
from marketplace.models import User
from marketplace.web.auth import current_actor, current_login_session, start_session
from marketplace.web.errors import error_body, is_api_request
from marketplace.web.rate_limits import count_code_attempt

PENDING_LOGIN = "second_factor_login"
STEP_UP_HEADER = "X-Second-Factor"
# What a person who must enrol may still reach: these endpoints, those that extend them
# ("views.login" → "views.login_second_factor"), and whole blueprints named with a ".".
ENROLMENT_OPEN = (
    "static",
    "swagger_static",
    "api-docs.",
    "views.login",
    "views.logout",
    "views.second_factor",
    "auth.login",
    "auth.logout",
    "auth.me",
    "auth.second_factor",
)


class SecondFactorRequired(Forbidden):
    """A money action without a recent second factor in this session."""

    code = "second_factor_required"


class EnrolmentRequired(Forbidden):
    code = "second_factor_enrolment_required"


def keys() -> list[str]:
    """The keys that encrypt stored TOTP secrets: SECOND_FACTOR_KEYS, else SECRET_KEY."""
    configured = [k.strip() for k in current_app.config["SECOND_FACTOR_KEYS"].split(",")]
    return [k for k in configured if k] or [current_app.config["SECRET_KEY"]]


def required_roles() -> tuple[str, ...]:
    return tuple(current_app.config["SECOND_FACTOR_REQUIRED_ROLES"])


def step_up_age() -> timedelta:
    return timedelta(minutes=current_app.config["SECOND_FACTOR_STEP_UP_MINUTES"])


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code, drawn here (nothing sent anywhere)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", border=2)


def check_code(user: User, code: str = "", recovery_code: str = "") -> str:
    """Check a code typed by ``user`` (counted against the limits); a pass is recorded in
    this request's login session, if any, and committed. Raises Invalid when wrong."""
    count_code_attempt(user.id)
    return second_factor.verify(
        db.session,
        user,
        keys(),
        code=code,
        recovery_code=recovery_code,
        login_session=current_login_session(),
    )


# Login in two steps ---------------------------------------------------------------------


def needs_code_at_login(user: User) -> bool:
    return second_factor.is_enabled(db.session, user)


def begin_pending_login(user: User, next_url: str = "") -> None:
    """The password was right; remember that (signed cookie, no session yet)."""
    lang = cookie_session.get("lang")
    cookie_session.clear()
    if lang:
        cookie_session["lang"] = lang
    cookie_session[PENDING_LOGIN] = {
        "user": user.id,
        "fp": user.password_fingerprint,
        "at": int(time.time()),
        "next": next_url,
    }


def pending_login() -> tuple[User, str] | None:
    """Who passed the password in this browser a moment ago (and where to go next)."""
    data = cookie_session.get(PENDING_LOGIN)
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    if time.time() - data.get("at", 0) > current_app.config["SECOND_FACTOR_LOGIN_MAX_AGE"]:
        cookie_session.pop(PENDING_LOGIN, None)
        return None
    user = db.session.get(User, data["user"])
    if user is None or not user.active or user.password_fingerprint != data.get("fp"):
        return None
    return user, data.get("next") or ""


def finish_login(user: User) -> None:
    """The code was right: the full session begins, with its second factor checked now."""
    start_session(user)  # also clears the pending state from the cookie
    row = g.get("login_session")
    if row is not None:
        accounts.mark_second_factor(db.session, row)


# Step-up for money actions --------------------------------------------------------------


def step_up_satisfied(user: User) -> bool:
    if not second_factor.is_enabled(db.session, user):
        return True
    return sessions.second_factor_recent(current_login_session(), step_up_age())


def require_step_up() -> None:
    """For API routes that move money: a second factor checked in the last few minutes,
    or a code in the X-Second-Factor header; otherwise 403 second_factor_required."""
    user = current_actor()
    if user is None or step_up_satisfied(user):
        return
    code = request.headers.get(STEP_UP_HEADER, "").strip()
    minutes = current_app.config["SECOND_FACTOR_STEP_UP_MINUTES"]
    if code:
        try:
            check_code(user, code=code)
            return
        except second_factor.WrongCode:
            raise SecondFactorRequired(
                N_("The code in %(header)s is not right, or was used already."),
                header=STEP_UP_HEADER,
            ) from None
    raise SecondFactorRequired(
        N_(
            "This action needs your second factor checked in the last %(minutes)s minutes:"
            " POST /api/v1/auth/verify with a code, or send one in the %(header)s header."
        ),
        minutes=minutes,
        header=STEP_UP_HEADER,
    )


# Enrolment first for operators and brokers ----------------------------------------------


def _open_during_enrolment(endpoint: str | None) -> bool:
    if endpoint is None:
        return True
    return any(
        endpoint == name
        or endpoint.startswith(name + "_")
        or (name.endswith(".") and endpoint.startswith(name))
        for name in ENROLMENT_OPEN
    )


def enforce_enrolment():
    """before_request: operators and brokers without a second factor enrol first."""
    if not current_app.config["SECOND_FACTOR_ENFORCED"]:
        return None
    if _open_during_enrolment(request.endpoint):
        return None
    user = current_actor()
    if user is None or not second_factor.required(user, required_roles()):
        return None
    if second_factor.is_enabled(db.session, user):
        return None
    message = "Set up a second factor (an authenticator app) before you continue."
    if is_api_request():
        body = error_body(403, EnrolmentRequired.code, message + " See /api/v1/auth/second-factor.")
        return current_app.json.response(body), 403
    flash(_("Your role needs a second factor: set it up before you continue."), "info")
    return redirect(url_for("views.second_factor"), 303 if request.method != "GET" else 302)


def init_app(app: Flask) -> None:
    app.before_request(enforce_enrolment)
