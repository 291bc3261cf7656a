"""Rate limits for logging in, registering and resetting a password.

Each is counted twice: per (client address, e-mail address named in the request), with a
small allowance, and per client address alone, with a larger one. One person guessing at
one account is stopped early; a university campus or company behind one NAT address
shares only the large budget, so one user's attempts do not lock out the others (an
outside review was refused its *first* reset with "请在 3197 秒后重试"). The reset mail is
also limited per e-mail address whoever asks, so nobody can flood one inbox.

Limits are in Flask-Limiter's notation and set in config.py; a refused request is a 429
with ``Retry-After`` (seconds), a page or the API's error shape.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address

from marketplace.core import json_body
from marketplace.extensions import limiter

# kind → (per (address, e-mail) setting, per address setting)
LIMITS = {
    "login": ("LOGIN_RATE_LIMIT", "LOGIN_ADDRESS_RATE_LIMIT"),
    "register": ("REGISTER_RATE_LIMIT", "REGISTER_ADDRESS_RATE_LIMIT"),
    "password-reset": ("PASSWORD_RESET_RATE_LIMIT", "PASSWORD_RESET_ADDRESS_RATE_LIMIT"),
}


def request_email() -> str:
    """The e-mail address a form or a JSON body names, normalised ('' if none)."""
    email = None
    if request.is_json:
        try:
            body = json_body.loads(request.get_data(cache=True))
        except json_body.MalformedJson:
            body = None
        email = body.get("email") if isinstance(body, dict) else None
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        email = request.form.get("email")
    return email.strip().lower() if isinstance(email, str) else ""


def address_key() -> str:
    return "ip:" + get_remote_address()


def address_and_email_key() -> str:
    return f"ip:{get_remote_address()}|email:{request_email()}"


def email_key() -> str:
    return "email:" + request_email()


@functools.cache
def _setting(name: str) -> Callable[[], str]:
    # One callable per setting, the same for every app: Flask-Limiter keeps a route's
    # limits in a set, so the API blueprints that each app (tests make several) decorates
    # again add no second copy that would count every request twice.
    return lambda: current_app.config[name]


def auth_limits(kind: str, *, per_email: bool = True, methods: list[str] | None = None):
    """The two limits of ``kind``, shared by the page and the API route that do the same."""
    pair_setting, address_setting = LIMITS[kind]

    def decorator(view):
        view = limiter.shared_limit(
            _setting(address_setting),
            scope=f"{kind}-address",
            key_func=address_key,
            methods=methods,
        )(view)
        if per_email:
            view = limiter.shared_limit(
                _setting(pair_setting),
                scope=kind,
                key_func=address_and_email_key,
                methods=methods,
            )(view)
        return view

    return decorator


def reset_mail_limit(methods: list[str] | None = None):
    """Reset mails to one e-mail address, whoever asks and from wherever."""
    return limiter.shared_limit(
        _setting("PASSWORD_RESET_EMAIL_LIMIT"),
        scope="password-reset-email",
        key_func=email_key,
        methods=methods,
    )


class TooManyCodeAttempts(Exception):
    """Too many second-factor codes tried: a 429 with Retry-After (web/security.py)."""

    def __init__(self, limit: str, wait: int):
        super().__init__(limit)
        self.limit = limit
        self.wait = wait


def count_code_attempt(user_id: int) -> None:
    """Count one second-factor code tried for this account, wherever it is typed (login,
    step-up, verify, enrolment, disabling): per account, and per client address with a
    larger budget. Refused beyond either with TooManyCodeAttempts."""
    if not limiter.enabled:
        return
    from limits import parse_many

    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    for setting, key in (
        ("SECOND_FACTOR_RATE_LIMIT", f"account:{user_id}"),
        ("SECOND_FACTOR_ADDRESS_RATE_LIMIT", address_key()),
    ):
        text = current_app.config[setting]
        for item in parse_many(text):
            if not limiter.limiter.hit(item, prefix, "second-factor", key):
                reset = limiter.limiter.get_window_stats(item, prefix, "second-factor", key)
                raise TooManyCodeAttempts(text, max(1, int(reset.reset_time - time.time())))
