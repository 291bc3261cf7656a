"""Accounts API: register, log in and out, who am I, personal API tokens."""

from __future__ import annotations

from flask import current_app
from flask_login import login_user, logout_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from marketplace.accounts import users as accounts
from marketplace.api.spec import login_required
from marketplace.core.errors import Unauthorized
from marketplace.core.messages import N_
from marketplace.extensions import db, limiter
from marketplace.schemas.accounts import LoginIn, RegisterIn, TokenIn, TokenOut, UserOut
from marketplace.schemas.common import ApiError
from marketplace.web.auth import current_actor


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _me(user):
    user.csrf_token = generate_csrf()
    return user


def _require_user():
    actor = current_actor()
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    return actor


def create_blueprint() -> Blueprint:
    """Built per app, so that several apps (tests) never share a registered blueprint."""
    blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and tokens")

    @blp.route("/register", methods=["POST"])
    @limiter.limit(_register_limit)
    @blp.arguments(RegisterIn)
    @blp.response(201, UserOut)
    @blp.alt_response(409, schema=ApiError, description="The organization name is taken")
    @blp.alt_response(422, schema=ApiError)
    def register(data):
        """Register a person and their (unverified) organization, and log in."""
        user = accounts.register(db.session, **data)
        login_user(user)
        return _me(user)

    @blp.route("/login", methods=["POST"])
    @limiter.limit(_login_limit)
    @blp.arguments(LoginIn)
    @blp.response(200, UserOut)
    @blp.alt_response(401, schema=ApiError)
    def login(data):
        """Log in with e-mail and password; the session cookie authenticates later calls."""
        user = accounts.authenticate(db.session, data["email"], data["password"])
        if user is None:
            raise Unauthorized(N_("Wrong e-mail or password."))
        login_user(user)
        return _me(user)

    @blp.route("/logout", methods=["POST"])
    @blp.response(204)
    def logout():
        logout_user()

    @blp.route("/me", methods=["GET"])
    @login_required(blp)
    @blp.response(200, UserOut)
    def me():
        """The logged-in user, with a CSRF token for session-authenticated writes."""
        return _me(_require_user())

    @blp.route("/tokens", methods=["GET"])
    @login_required(blp)
    @blp.response(200, TokenOut(many=True))
    def list_tokens():
        return accounts.list_api_tokens(db.session, _require_user())

    @blp.route("/tokens", methods=["POST"])
    @login_required(blp)
    @blp.arguments(TokenIn)
    @blp.response(201, TokenOut)
    def create_token(data):
        """Create a personal API token; its secret is in the response once and never again."""
        token, secret = accounts.create_api_token(db.session, _require_user(), data["name"])
        token.token = secret
        return token

    @blp.route("/tokens/<int:token_id>", methods=["DELETE"])
    @login_required(blp)
    @blp.response(204)
    def revoke_token(token_id: int):
        accounts.revoke_api_token(db.session, _require_user(), token_id)

    return blp
