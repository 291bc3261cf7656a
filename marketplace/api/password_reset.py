"""Password reset API: ask for a link by e-mail, set a new password with its token."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from marketplace.accounts import password_reset
from marketplace.accounts.password_mail import send_reset_link
from marketplace.extensions import db, limiter
from marketplace.schemas.accounts import NoticeOut, PasswordResetIn, PasswordResetRequestIn
from marketplace.schemas.common import ApiError

SENT = "If an account uses this address, a link to reset its password has been sent to it."


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _email_limit() -> str:
    return current_app.config["PASSWORD_RESET_EMAIL_LIMIT"]


def _email_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "reset-email:" + (email.strip().lower() if isinstance(email, str) else "")


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "password_reset",
        __name__,
        url_prefix="/api/v1/auth/password-reset",
        description="Forgotten passwords",
    )

    @blp.route("", methods=["POST"])
    @limiter.shared_limit(_reset_limit, scope="password-reset")
    @limiter.shared_limit(_email_limit, scope="password-reset-email", key_func=_email_key)
    @blp.arguments(PasswordResetRequestIn)
    @blp.response(202, NoticeOut)
    @blp.alt_response(422, schema=ApiError)
    @blp.alt_response(429, schema=ApiError)
    def request_reset(data):
        """Mail a reset link. The answer is the same whether or not the address has an
        account; the link's token works once, for PASSWORD_RESET_MAX_AGE seconds."""
        send_reset_link(db.session, data["email"])
        return {"message": SENT}

    @blp.route("/confirm", methods=["POST"])
    @limiter.shared_limit(_reset_limit, scope="password-reset")
    @blp.arguments(PasswordResetIn)
    @blp.response(204)
    @blp.alt_response(422, schema=ApiError)
    @blp.alt_response(429, schema=ApiError)
    def confirm_reset(data):
        """Set a new password with the token from the mail; the token is then spent."""
        config = current_app.config
        password_reset.reset_password(
            db.session,
            data["token"],
            data["password"],
            config["SECRET_KEY"],
            config["PASSWORD_RESET_MAX_AGE"],
        )

    return blp
