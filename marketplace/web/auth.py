"""Who is asking: Flask-Login sessions for the UI, sessions or bearer tokens for the API."""

from __future__ import annotations

import hmac

from flask import Flask, g, request
from flask import session as cookie_session
from flask_login import current_user, login_user, logout_user

from marketplace.accounts import sessions, tokens
from marketplace.extensions import db, login_manager
from marketplace.models import User


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "views.login"
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        if has_authorization_header():
            # A request that names its credentials is judged by them alone: the session
            # cookie (ambient, sent by the browser on a forged request too) is ignored.
            return None
        # "<id>:<login session key>:<password fingerprint>" (User.get_id): the key names
        # a live row of login_session (ended by logout, password change, "log out
        # everywhere"); a session begun before the password changed names the old one.
        user_id, _, rest = session_id.partition(":")
        key, _, fingerprint = rest.partition(":")
        try:
            user = db.session.get(User, int(user_id))
        except ValueError:
            return None
        if user is None or not user.active:
            return None
        if not hmac.compare_digest(fingerprint, user.password_fingerprint):
            return None
        row = sessions.find(db.session, user.id, key)
        if row is None:
            return None
        user.login_key = key
        g.login_session = row
        return user

    @login_manager.request_loader
    def load_user_from_token(req) -> User | None:
        secret = bearer_token()
        if not secret:
            return None
        # A unit of work: it commits the token's last_used_at and last_used_ip.
        token = tokens.authenticate(db.session, secret, req.remote_addr or "")
        if token is None:
            return None
        g.api_token = token
        return token.user


def has_authorization_header() -> bool:
    return "Authorization" in request.headers


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def current_actor() -> User | None:
    """The logged-in user, or None for an anonymous visitor (what services take)."""
    if current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def start_session(user: User) -> None:
    """Log ``user`` in: a fresh cookie session (only the chosen language survives) naming
    a new server-side login session (``sessions.begin`` commits it, so the next request
    finds it)."""
    lang = cookie_session.get("lang")
    cookie_session.clear()
    if lang:
        cookie_session["lang"] = lang
    user.login_key = sessions.begin(
        db.session,
        user,
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string,
    )
    login_user(user)
    g.login_session = sessions.find(db.session, user.id, user.login_key)


def current_login_session():
    """The server-side row of this request's cookie session (None for tokens, anonymous)."""
    if not current_user.is_authenticated:  # loads the user (and the row) on first use
        return None
    return g.get("login_session")


def end_session() -> None:
    """Log out: the server-side session ends, so a saved copy of the cookie is refused."""
    row = current_login_session()
    if row is not None:
        sessions.end(db.session, row)
    logout_user()
    g.pop("login_session", None)


def current_api_token():
    """The personal API token this request is authenticated by, if any."""
    if not current_user.is_authenticated:
        return None
    return g.get("api_token")
