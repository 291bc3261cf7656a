"""Log in, register, log out."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from marketplace.accounts import registration, registration_mail
from marketplace.accounts import users as accounts
from marketplace.accounts.membership_mail import announce_join_requests
from marketplace.core.errors import Conflict, Invalid
from marketplace.extensions import db
from marketplace.schemas.accounts import RegisterIn
from marketplace.views.base import actor, attempt, bp, field_errors, safe_next
from marketplace.web import second_factor as web_2fa
from marketplace.web.auth import end_session, start_session
from marketplace.web.rate_limits import auth_limits

REGISTER_FIELDS = tuple(RegisterIn().fields)


def _start_session(user) -> None:
    """A fresh session for the logged-in user; only the chosen language survives."""
    start_session(user)


@bp.route("/login", methods=["GET", "POST"])
@auth_limits("login", methods=["POST"])
def login():
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if actor() is not None:
            return redirect(target)
        return render_template("auth/login.html", next=request.args.get("next", ""), error="")
    user = accounts.authenticate(
        db.session, request.form.get("email", ""), request.form.get("password", "")
    )
    if user is None:
        return render_template(
            "auth/login.html",
            next=request.form.get("next", ""),
            email=request.form.get("email", ""),
            error=_("Wrong e-mail address or password."),
        ), 401
    if web_2fa.needs_code_at_login(user):
        # No session yet: the code page finishes the login (views/second_factor.py).
        web_2fa.begin_pending_login(user, target)
        return redirect(url_for("views.login_second_factor"), 303)
    _start_session(user)
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(target, 303)


@bp.route("/register", methods=["GET", "POST"])
@auth_limits("register", methods=["POST"])
def register():
    if request.method == "GET":
        return render_template("auth/register.html", values={}, errors={}, message="")
    values = {name: (request.form.get(name) or "").strip() for name in REGISTER_FIELDS}
    values["password"] = request.form.get("password") or ""
    message = ""
    try:
        data = RegisterIn().load({k: v for k, v in values.items() if v != ""})
    except ValidationError as exc:
        errors = field_errors(exc.messages)
    else:
        registered = attempt(
            lambda: registration_mail.register(db.session, **data),
            shown=(Invalid, Conflict),
            flashed=(),
        )
        if registered.ok:
            # The same answer whether or not the address has an account (registration.py).
            flash(
                _(
                    "A mail has been sent to %(email)s: open the link in it to finish registering.",
                    email=data["email"],
                ),
                "success",
            )
            return redirect(url_for("views.login"), 303)
        errors = registered.errors
        if isinstance(registered.refusal, Conflict):
            message = registered.refusal.translated()
    values.pop("password")  # never sent back
    return render_template("auth/register.html", values=values, errors=errors, message=message), 422


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@auth_limits("register", per_email=False, methods=["POST"])
def confirm_registration(token: str):
    """The mailed link opens a page with one button (POST), so that a mail scanner that
    follows links does not confirm the account or log itself in."""
    if request.method == "GET":
        return render_template("auth/confirm.html", error="")
    config = current_app.config
    confirmed = attempt(
        lambda: registration.confirm(
            db.session, token, config["SECRET_KEY"], config["REGISTRATION_CONFIRM_MAX_AGE"]
        ),
        flashed=(),
    )
    if not confirmed.ok:
        return render_template("auth/confirm.html", error=confirmed.errors["token"][0]), 400
    announce_join_requests(db.session, confirmed.value)  # a registrant who asked to join
    _start_session(confirmed.value)
    flash(_("Your account is ready. Welcome to TechMarket."), "success")
    return redirect(url_for("views.my_organization"), 303)


@bp.route("/logout", methods=["POST"])
def logout():
    end_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("views.home"), 303)
