"""Password reset API: ask for a link by e-mail, set a new password with its token."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from marketplace.accounts import password_mail
from marketplace.extensions import db
from marketplace.schemas.accounts import NoticeOut, PasswordResetIn, PasswordResetRequestIn
from marketplace.schemas.common import ApiError
from marketplace.web.rate_limits import auth_limits, reset_mail_limit

SENT = "If an account uses this address, a link to reset its password has been sent to it."


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "password_reset",
        __name__,
        url_prefix="/api/v1/auth/password-reset",
        description="Forgotten passwords",
    )

    @blp.route("", methods=["POST"])
    @auth_limits("password-reset")
    @reset_mail_limit()
    @blp.arguments(PasswordResetRequestIn)
    @blp.response(202, NoticeOut)
    @blp.alt_response(422, schema=ApiError)
    @blp.alt_response(429, schema=ApiError)
    def request_reset(data):
        """Mail a reset link. The answer is the same whether or not the address has an
        account; the link's token works once, for PASSWORD_RESET_MAX_AGE seconds."""
        password_mail.send_reset_link(db.session, data["email"])
        return {"message": SENT}

    @blp.route("/confirm", methods=["POST"])
    @auth_limits("password-reset", per_email=False)
    @blp.arguments(PasswordResetIn)
    @blp.response(204)
    @blp.alt_response(422, schema=ApiError)
    @blp.alt_response(429, schema=ApiError)
    def confirm_reset(data):
        """Set a new password with the token from the mail; the token is then spent, every
        session ends, the API tokens are revoked unless ``keep_tokens``, and a mail tells
        the owner which tokens stay active."""
        config = current_app.config
        password_mail.reset_password(
            db.session,
            data["token"],
            data["password"],
            config["SECRET_KEY"],
            config["PASSWORD_RESET_MAX_AGE"],
            keep_tokens=data["keep_tokens"],
        )

    return blp
