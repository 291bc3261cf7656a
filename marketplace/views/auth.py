"""Log in, register, log out."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from marshmallow import ValidationError

from marketplace.accounts import users as accounts
from marketplace.core.errors import Conflict, Invalid
from marketplace.extensions import db, limiter
from marketplace.schemas.accounts import RegisterIn
from marketplace.views.base import actor, attempt, bp, field_errors, safe_next

REGISTER_FIELDS = tuple(RegisterIn().fields)


def _start_session(user) -> None:
    """A fresh session for the logged-in user; only the chosen language survives."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
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
    _start_session(user)
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(target, 303)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
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
            lambda: accounts.register(db.session, **data), shown=(Invalid, Conflict), flashed=()
        )
        if registered.ok:
            _start_session(registered.value)
            flash(_("Your account is ready. Welcome to TechMarket."), "success")
            return redirect(url_for("views.my_organization"), 303)
        errors = registered.errors
        if isinstance(registered.refusal, Conflict):
            message = registered.refusal.translated()
    values.pop("password")  # never sent back
    return render_template("auth/register.html", values=values, errors=errors, message=message), 422


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("views.home"), 303)
