"""Who is asking: Flask-Login sessions for the UI, sessions or bearer tokens for the API."""

from __future__ import annotations

import hmac

from flask import Flask, request
from flask_login import current_user

from marketplace.accounts import users as accounts
from marketplace.extensions import db, login_manager
from marketplace.models import User


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "views.login"
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # "<id>:<password fingerprint>" (User.get_id): a session begun before the
        # password was reset names the old password and no longer loads.
        user_id, _, fingerprint = session_id.partition(":")
        try:
            user = db.session.get(User, int(user_id))
        except ValueError:
            return None
        if user is None or not user.active:
            return None
        return user if hmac.compare_digest(fingerprint, user.password_fingerprint) else None

    @login_manager.request_loader
    def load_user_from_token(req) -> User | None:
        secret = bearer_token()
        if not secret:
            return None
        return accounts.user_for_token(db.session, secret)  # commits its last_used_at


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
