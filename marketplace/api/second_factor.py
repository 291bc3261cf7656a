"""Second-factor routes of the accounts API (on the ``auth`` blueprint, /api/v1/auth):
the login's second step, enrolment, recovery codes, disabling."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_smorest import Blueprint

from marketplace.accounts import second_factor, sessions
from marketplace.api.spec import login_required
from marketplace.core.errors import Unauthorized
from marketplace.core.messages import N_
from marketplace.extensions import db
from marketplace.schemas.accounts import (
    RecoveryCodesOut,
    SecondFactorCodeIn,
    SecondFactorDisableIn,
    SecondFactorEnrolmentOut,
    SecondFactorLoginIn,
    SecondFactorStatusOut,
    UserOut,
)
from marketplace.schemas.common import ApiError
from marketplace.web import second_factor as web_2fa
from marketplace.web.auth import current_actor, current_login_session
from marketplace.web.rate_limits import count_code_attempt


def _user():
    actor = current_actor()
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    return actor


def add_routes(blp: Blueprint, me) -> None:
    """``me`` dumps the logged-in user with a fresh CSRF token (api/accounts.py)."""

    @blp.route("/login/second-factor", methods=["POST"])
    @blp.arguments(SecondFactorLoginIn)
    @blp.response(200, UserOut)
    @blp.alt_response(401, schema=ApiError, description="No login waits for a code")
    @blp.alt_response(429, schema=ApiError)
    def login_second_factor(data):
        """The second step of a login (after POST /auth/login answered 202): a code from
        the authenticator app, or one of the recovery codes (each works once)."""
        pending = web_2fa.pending_login()
        if pending is None:
            raise Unauthorized(N_("Log in with your e-mail and password first (POST /auth/login)."))
        user, _next = pending
        web_2fa.check_code(
            user, code=data.get("code", ""), recovery_code=data.get("recovery_code", "")
        )
        web_2fa.finish_login(user)
        return me(user)

    @blp.route("/second-factor", methods=["GET"])
    @login_required(blp)
    @blp.response(200, SecondFactorStatusOut)
    def second_factor_status():
        """Is a second factor set up, is it compulsory for this account, how many
        recovery codes are left."""
        return second_factor.status(db.session, _user(), web_2fa.required_roles())

    @blp.route("/second-factor/enrolment", methods=["POST"])
    @login_required(blp)
    @blp.response(201, SecondFactorEnrolmentOut)
    @blp.alt_response(403, schema=ApiError, description="The password was not checked recently")
    @blp.alt_response(409, schema=ApiError, description="A second factor is already on")
    def second_factor_begin():
        """Start setting up: a new secret, as text, otpauth:// URI and QR code (SVG), shown
        this once. Confirm it with a code (POST …/enrolment/confirm).

        Only from a logged-in browser session whose password was checked in the last
        REAUTH_MAX_AGE seconds — never with a token, which could lock its owner out."""
        user = _user()
        sessions.require_recent(
            current_login_session(),
            timedelta(seconds=current_app.config["REAUTH_MAX_AGE"]),
            "set up a second factor",
        )
        secret, uri = second_factor.begin_enrolment(db.session, user, web_2fa.keys())
        return {"secret": secret, "otpauth_uri": uri, "qr_svg": web_2fa.qr_svg(uri)}

    @blp.route("/second-factor/enrolment/confirm", methods=["POST"])
    @login_required(blp)
    @blp.arguments(SecondFactorCodeIn)
    @blp.response(201, RecoveryCodesOut)
    @blp.alt_response(409, schema=ApiError, description="A second factor is already on")
    @blp.alt_response(429, schema=ApiError)
    def second_factor_confirm(data):
        """The first code from the app turns the second factor on; the answer holds ten
        recovery codes, shown this once."""
        user = _user()
        count_code_attempt(user.id)
        codes = second_factor.confirm_enrolment(
            db.session, user, data["code"], web_2fa.keys(), login_session=current_login_session()
        )
        return {"recovery_codes": codes}

    @blp.route("/second-factor/recovery-codes", methods=["POST"])
    @login_required(blp)
    @blp.arguments(SecondFactorCodeIn)
    @blp.response(201, RecoveryCodesOut)
    @blp.alt_response(429, schema=ApiError)
    def second_factor_recovery_codes(data):
        """Ten new recovery codes, after a code from the app; the old ones stop working."""
        user = _user()
        count_code_attempt(user.id)
        codes = second_factor.regenerate_recovery_codes(
            db.session, user, data["code"], web_2fa.keys()
        )
        return {"recovery_codes": codes}

    @blp.route("/second-factor/disable", methods=["POST"])
    @login_required(blp)
    @blp.arguments(SecondFactorDisableIn)
    @blp.response(204)
    @blp.alt_response(429, schema=ApiError)
    def second_factor_disable(data):
        """Turn the second factor off: the password and a code (or a recovery code).
        Operators and brokers must set one up again before they go on."""
        user = _user()
        count_code_attempt(user.id)
        second_factor.disable(
            db.session,
            user,
            data["password"],
            data["code"],
            web_2fa.keys(),
            web_2fa.required_roles(),
        )
