"""Forgotten password: ask for a link, then choose a new password with it."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from marketplace.accounts import password_mail, password_reset
from marketplace.core.errors import Invalid
from marketplace.extensions import db
from marketplace.schemas.accounts import PasswordResetRequestIn
from marketplace.views.base import attempt, bp, field_errors
from marketplace.web.rate_limits import auth_limits, reset_mail_limit


@bp.route("/password/forgot", methods=["GET", "POST"])
@auth_limits("password-reset", methods=["POST"])
@reset_mail_limit(methods=["POST"])
def forgot_password():
    if request.method == "GET":
        return render_template("auth/forgot.html", email="", error="")
    email = (request.form.get("email") or "").strip()
    try:
        PasswordResetRequestIn().load({"email": email})
    except ValidationError:
        return render_template(
            "auth/forgot.html", email=email, error=_("Enter a valid e-mail address.")
        ), 422
    password_mail.send_reset_link(db.session, email)
    # The same answer whether or not the address has an account.
    flash(
        _(
            "If an account uses this address, we have sent it a link to reset the password."
            " Check your mailbox."
        ),
        "info",
    )
    return redirect(url_for("views.login"), 303)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@auth_limits("password-reset", per_email=False, methods=["POST"])
def reset_password(token: str):
    config = current_app.config
    secret, max_age = config["SECRET_KEY"], config["PASSWORD_RESET_MAX_AGE"]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        password = request.form.get("password") or ""
        if password != (request.form.get("password_confirm") or ""):
            errors = {"password_confirm": [_("The two passwords differ.")]}
        else:
            keep = request.form.get("keep_tokens") == "on"
            changed = attempt(
                lambda: password_mail.reset_password(
                    db.session, token, password, secret, max_age, keep_tokens=keep
                ),
                flashed=(),
            )
            errors = changed.errors
            if changed.ok:
                flash(_("Your password is changed. Log in with the new one."), "success")
                return redirect(url_for("views.login"), 303)
    else:
        try:
            password_reset.user_for_token(db.session, token, secret, max_age)
        except Invalid as exc:
            errors = field_errors(exc.fields)
    if "token" in errors:
        return render_template("auth/reset.html", token_error=errors["token"][0], errors={}), 400
    status = 422 if errors else 200
    return render_template("auth/reset.html", token_error="", errors=errors), status
