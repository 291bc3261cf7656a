"""Accounts API: register, log in and out, who am I, personal API tokens."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from marketplace.accounts import registration, registration_mail, sessions, tokens
from marketplace.accounts import users as accounts
from marketplace.accounts.membership_mail import announce_join_requests
from marketplace.api import second_factor as second_factor_api
from marketplace.api.spec import login_required
from marketplace.core.errors import Unauthorized
from marketplace.core.messages import N_, Message
from marketplace.extensions import db, limiter
from marketplace.schemas.accounts import (
    LoginIn,
    LoginSessionOut,
    NoticeOut,
    PasswordChangeIn,
    RegisterIn,
    RegistrationConfirmIn,
    SecondFactorNeededOut,
    TokenIn,
    TokenOut,
    UserOut,
    VerifyIn,
)
from marketplace.schemas.common import ApiError
from marketplace.web import second_factor as web_2fa
from marketplace.web.auth import (
    current_actor,
    current_login_session,
    end_session,
    start_session,
)
from marketplace.web.rate_limits import auth_limits

SECOND_FACTOR_NEEDED = N_(
    "The password is right. Send a code from your authenticator app (or a recovery code)"
    " to POST /api/v1/auth/login/second-factor to finish logging in."
)
REGISTRATION_SENT = N_(
    "A mail has been sent to this address: open the link in it to finish registering."
)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reauth_age() -> timedelta:
    return timedelta(seconds=current_app.config["REAUTH_MAX_AGE"])


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
    @auth_limits("register")
    @blp.arguments(RegisterIn)
    @blp.response(202, NoticeOut)
    @blp.alt_response(422, schema=ApiError)
    def register(data):
        """Register a person and their (unverified) organization, whose admin they become;
        naming an organization that exists asks to join it instead (its admins decide,
        once the address is confirmed; organization_kind is then not used). The answer is the same
        whether or not the address has an account: a mail goes to it, with the link that
        finishes the registration (POST /auth/register/confirm), or, for a taken address,
        word to its owner that someone tried."""
        registration_mail.register(db.session, **data)
        return {"message": REGISTRATION_SENT}

    @blp.route("/register/confirm", methods=["POST"])
    @auth_limits("register", per_email=False)
    @blp.arguments(RegistrationConfirmIn)
    @blp.response(200, UserOut)
    @blp.alt_response(422, schema=ApiError)
    def confirm_registration(data):
        """Finish a registration with the token from the mailed link, and log in."""
        config = current_app.config
        user = registration.confirm(
            db.session, data["token"], config["SECRET_KEY"], config["REGISTRATION_CONFIRM_MAX_AGE"]
        )
        # A registrant who named an existing organization asked to join it: now that the
        # address is confirmed (committed), its admins learn of the request.
        announce_join_requests(db.session, user)
        start_session(user)
        return _me(user)

    @blp.route("/login", methods=["POST"])
    @auth_limits("login")
    @blp.arguments(LoginIn)
    @blp.response(200, UserOut)
    @blp.alt_response(
        202,
        schema=SecondFactorNeededOut,
        description="The password is right; the account has a second factor: send a code"
        " to POST /auth/login/second-factor (with this response's cookie)",
    )
    @blp.alt_response(401, schema=ApiError)
    def login(data):
        """Log in with e-mail and password; the session cookie authenticates later calls.

        An account with a second factor gets 202 instead, and no session yet: the login
        ends with a code at POST /auth/login/second-factor within a few minutes."""
        user = accounts.authenticate(db.session, data["email"], data["password"])
        if user is None:
            raise Unauthorized(N_("Wrong e-mail or password."))
        if web_2fa.needs_code_at_login(user):
            web_2fa.begin_pending_login(user)
            body = {"second_factor_required": True, "message": SECOND_FACTOR_NEEDED}
            return current_app.json.response(SecondFactorNeededOut().dump(body)), 202
        start_session(user)
        return _me(user)

    @blp.route("/logout", methods=["POST"])
    @blp.response(204)
    def logout():
        """End this session on the server: a saved copy of its cookie no longer works."""
        end_session()

    @blp.route("/password", methods=["POST"])
    @login_required(blp)
    @limiter.limit(_login_limit)
    @blp.arguments(PasswordChangeIn)
    @blp.response(200, UserOut)
    @blp.alt_response(422, schema=ApiError)
    def change_password(data):
        """Change the password: every session of the account ends, this caller gets a
        fresh one (a new cookie in the response)."""
        user = accounts.change_password(
            db.session, _require_user(), data["current_password"], data["new_password"]
        )
        if current_login_session() is not None:
            start_session(user)
        return _me(user)

    @blp.route("/sessions", methods=["GET"])
    @login_required(blp)
    @blp.response(200, LoginSessionOut(many=True))
    def list_sessions():
        """The account's live login sessions (browsers and cookie clients)."""
        mine = current_login_session()
        rows = sessions.live(db.session, _require_user())
        for row in rows:
            row.current = mine is not None and row.id == mine.id
        return rows

    @blp.route("/sessions", methods=["DELETE"])
    @login_required(blp)
    @blp.response(204)
    def end_all_sessions():
        """Log out everywhere: every session of the account ends, this one included."""
        sessions.end_all(db.session, _require_user().id)
        end_session()

    @blp.route("/sessions/<int:session_id>", methods=["DELETE"])
    @login_required(blp)
    @blp.response(204)
    @blp.alt_response(404, schema=ApiError)
    def end_one_session(session_id: int):
        sessions.end_one(db.session, _require_user(), session_id)

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
        return tokens.live(db.session, _require_user())

    @blp.route("/tokens", methods=["POST"])
    @login_required(blp)
    @blp.arguments(TokenIn)
    @blp.response(201, TokenOut)
    @blp.alt_response(403, schema=ApiError, description="The password was not checked recently")
    @blp.alt_response(422, schema=ApiError)
    def create_token(data):
        """Create a personal API token; its secret is in the response once and never again.

        Only from a logged-in browser session whose password was checked in the last
        REAUTH_MAX_AGE seconds (at login, or POST /auth/verify) — never with a token."""
        user = _require_user()
        sessions.require_recent(
            current_login_session(), _reauth_age(), Message(N_("create API tokens"))
        )
        token, secret = tokens.create(
            db.session, user, data["name"], data["scopes"], data["expires_in_days"]
        )
        token.token = secret
        return token

    @blp.route("/verify", methods=["POST"])
    @login_required(blp)
    @limiter.limit(_login_limit)
    @blp.arguments(VerifyIn)
    @blp.response(204)
    @blp.alt_response(422, schema=ApiError)
    def verify(data):
        """Check the password, or a second-factor code, again in this browser session:
        before creating a token (either), before money actions (a code)."""
        user = _require_user()
        row = current_login_session()
        if row is None:
            raise Unauthorized(N_("Only a logged-in browser session can be verified."))
        if data.get("code"):
            web_2fa.check_code(user, code=data["code"])  # marks the session
            return
        accounts.verify_password(db.session, user, row, data["password"])

    @blp.route("/tokens/<int:token_id>", methods=["DELETE"])
    @login_required(blp)
    @blp.response(204)
    def revoke_token(token_id: int):
        tokens.revoke(db.session, _require_user(), token_id)

    second_factor_api.add_routes(blp, _me)
    return blp
