"""Pages of the second factor: the login's code page, set-up with a QR code, recovery
codes, turning it off, and the code page that money actions ask for (step-up)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from marketplace.accounts import second_factor as factors
from marketplace.accounts import sessions
from marketplace.accounts import users as accounts
from marketplace.core.errors import Conflict, Invalid
from marketplace.core.messages import N_
from marketplace.core.messages import translate as localize
from marketplace.extensions import db
from marketplace.views.base import actor, bp, require_login, safe_next
from marketplace.web import second_factor as web_2fa
from marketplace.web.auth import current_login_session
from marketplace.web.rate_limits import count_code_attempt

CODE_FIELD = "second_factor_code"


def _first_message(exc: Invalid) -> str:
    for messages in exc.fields.values():
        if messages:
            return localize(messages[0])
    return localize(exc.message)


# The login's second step ------------------------------------------------------------------


@bp.route("/login/second-factor", methods=["GET", "POST"])
def login_second_factor():
    pending = web_2fa.pending_login()
    if pending is None:
        flash(_("Log in with your e-mail address and password first."), "info")
        return redirect(url_for("views.login"), 303 if request.method == "POST" else 302)
    user, next_url = pending
    if request.method == "GET":
        return render_template("auth/second_factor_login.html", error="")
    code = request.form.get("code", "").strip()
    try:
        if not code:
            raise Invalid({"code": N_("Required.")})
        web_2fa.check_code(user, code=code, recovery_code=code)
    except Invalid as exc:
        return render_template("auth/second_factor_login.html", error=_first_message(exc)), 422
    web_2fa.finish_login(user)
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(safe_next(next_url), 303)


# Set-up, recovery codes, turning it off -----------------------------------------------------


def _page(http_status: int = 200, **context: Any):
    user = actor()
    max_age = timedelta(seconds=current_app.config["REAUTH_MAX_AGE"])
    context.setdefault("errors", {})
    return render_template(
        "account/second_factor.html",
        factor=factors.status(db.session, user, web_2fa.required_roles()),
        needs_password=not sessions.recently_verified(current_login_session(), max_age),
        **context,
    ), http_status


def _enrolment_page(secret: str, uri: str, error: str = "", status: int = 200):
    return render_template(
        "account/second_factor_enrol.html",
        secret=secret,
        qr=web_2fa.qr_svg(uri),
        error=error,
    ), status


@bp.route("/account/second-factor")
@require_login
def second_factor():
    return _page()


@bp.route("/account/second-factor/enrol", methods=["POST"])
@require_login
def second_factor_enrol():
    """A new secret, shown once as a QR code and as text. Needs the password checked in
    the last few minutes in this session (as for API tokens); otherwise ask for it."""
    user = actor()
    row = current_login_session()
    max_age = timedelta(seconds=current_app.config["REAUTH_MAX_AGE"])
    if not sessions.recently_verified(row, max_age):
        password = request.form.get("password", "")
        if not password or accounts.authenticate(db.session, user.email, password) is None:
            error = _("This is not your password.") if password else ""
            return _page(422 if password else 200, errors={"password": error})
        if row is not None:
            sessions.mark_verified(row)
    try:
        secret, uri = factors.begin_enrolment(db.session, user, web_2fa.keys())
    except Conflict:
        flash(_("A second factor is already set up."), "info")
        return redirect(url_for("views.second_factor"), 303)
    return _enrolment_page(secret, uri)


@bp.route("/account/second-factor/confirm", methods=["POST"])
@require_login
def second_factor_confirm():
    user = actor()
    pending = factors.pending_enrolment(db.session, user, web_2fa.keys())
    if pending is None:
        return redirect(url_for("views.second_factor"), 303)
    count_code_attempt(user.id)
    try:
        codes = factors.confirm_enrolment(
            db.session,
            user,
            request.form.get("code", ""),
            web_2fa.keys(),
            login_session=current_login_session(),
        )
    except Invalid as exc:
        return _enrolment_page(*pending, error=_first_message(exc), status=422)
    flash(_("Your second factor is set up."), "success")
    return render_template("account/recovery_codes.html", codes=codes)


@bp.route("/account/second-factor/recovery-codes", methods=["POST"])
@require_login
def second_factor_recovery_codes():
    user = actor()
    count_code_attempt(user.id)
    try:
        codes = factors.regenerate_recovery_codes(
            db.session, user, request.form.get("code", ""), web_2fa.keys()
        )
    except Invalid as exc:
        return _page(422, errors={"regenerate": _first_message(exc)})
    return render_template("account/recovery_codes.html", codes=codes)


@bp.route("/account/second-factor/disable", methods=["POST"])
@require_login
def second_factor_disable():
    user = actor()
    count_code_attempt(user.id)
    try:
        factors.disable(
            db.session,
            user,
            request.form.get("password", ""),
            request.form.get("code", ""),
            web_2fa.keys(),
            web_2fa.required_roles(),
        )
    except Invalid as exc:
        return _page(422, errors={"disable": _first_message(exc)})
    flash(_("Your second factor is turned off."), "info")
    return redirect(url_for("views.second_factor"), 303)


# Step-up for money actions ----------------------------------------------------------------


def step_up_page(view: Callable) -> Callable:
    """For a page form that moves money: a person with a second factor not checked in the
    last few minutes gets a code page instead, which posts the same form again with the
    code; a right code lets the action run in that same request."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        user = actor()
        if user is None or web_2fa.step_up_satisfied(user):
            return view(*args, **kwargs)
        code = request.form.get(CODE_FIELD, "").strip()
        error = ""
        if code:
            try:
                web_2fa.check_code(user, code=code, recovery_code=code)
            except Invalid as exc:
                error = _first_message(exc)
            else:
                return view(*args, **kwargs)
        fields = [
            (name, value)
            for name, value in request.form.items(multi=True)
            if name not in ("csrf_token", CODE_FIELD)
        ]
        minutes = current_app.config["SECOND_FACTOR_STEP_UP_MINUTES"]
        return render_template(
            "auth/step_up.html", action=request.path, fields=fields, error=error, minutes=minutes
        ), (422 if error else 403)

    return wrapper


# The services' messages, for `pybabel extract` (pages show them translated).
MESSAGES = (
    N_("This code is not right. Check the app and try again."),
    N_("This code is not right, or was used already. Wait for the next one."),
    N_("This recovery code is not valid or was used."),
    N_("No second factor is set up for this account."),
    N_("Start the set-up first."),
    N_("This is not your password."),
    N_("A second factor is already set up: disable it first to set up another."),
)
