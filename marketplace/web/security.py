"""Security headers, the Content-Security-Policy and the rate-limit answer.

A small ``after_request`` rather than Flask-Talisman: the app needs one strict policy for
its own pages, a stricter one for JSON and files, and a relaxed one for exactly one page
(the Swagger UI served by flask-smorest, whose template carries an inline bootstrap
script). Each of those is a line here; no extra dependency.

The app's own templates use no inline script, no inline event handler and no ``style``
attribute (tests/security/test_headers.py checks every template), so the page policy
allows scripts and styles from this origin only.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded

from marketplace.extensions import limiter
from marketplace.web.errors import error_body, is_api_request
from marketplace.web.rate_limits import TooManyCodeAttempts

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# JSON, downloads, static files: nothing in them may run or load anything.
NON_PAGE_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# The Swagger UI page: its own inline bootstrap script, allowed by its hash (computed from
# the page actually sent, so an upgrade of flask-smorest's template keeps working), and the
# inline styles and data: images Swagger UI sets at run time. Only this one route.
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# The deal page with the card form (STRIPE_PUBLISHABLE_KEY set): Stripe.js from its own
# origin, its card fields in frames from that origin, its calls to Stripe's API.
CARD_POLICY = (
    "default-src 'self'; script-src 'self' {js}; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' {api}; frame-src {js} https://hooks.stripe.com; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def script_hashes(body: bytes) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in INLINE_SCRIPT.findall(body)
    ]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def set_security_headers(response: Response) -> Response:
    for name, value in COMMON_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint == DOCS_ENDPOINT and response.mimetype == "text/html":
        hashes = " ".join(script_hashes(response.get_data()))
        policy = DOCS_POLICY.format(hashes=hashes)
    elif g.get("card_form") and response.mimetype == "text/html":  # set by the deal page
        policy = CARD_POLICY.format(
            js=_origin(current_app.config["STRIPE_JS_URL"]),
            api=_origin(current_app.config.get("STRIPE_API_BASE") or "https://api.stripe.com"),
        )
    elif response.mimetype == "text/html":
        policy = PAGE_POLICY
    else:
        policy = NON_PAGE_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    # HSTS means something only over HTTPS (browsers ignore it on plain HTTP). Behind a
    # proxy that ends TLS, request.is_secure needs ProxyFix (see README, "Security").
    seconds = current_app.config["HSTS_SECONDS"]
    if request.is_secure and seconds:
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={seconds}; includeSubDomains"
        )
    return response


def _retry_after_seconds(exc: RateLimitExceeded) -> int:
    current = limiter.current_limit
    if current is not None:
        return max(1, int(current.reset_at - time.time()))
    return 60


def rate_limited(exc: RateLimitExceeded):
    """A clear 429: what the limit is, when to try again; JSON under /api, a page elsewhere."""
    wait = _retry_after_seconds(exc)
    if is_api_request():
        message = f"Too many requests: the limit is {exc.limit.limit}. Try again in {wait} seconds."
        response = jsonify(error_body(429, "rate_limited", message))
    else:
        message = _("Too many attempts. Please try again in %(n)s seconds.", n=wait)
        response = current_app.make_response(
            render_template("error.html", status=429, message=message)
        )
    response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response


def too_many_codes(exc: TooManyCodeAttempts):
    """The same 429 for second-factor codes, counted by web/rate_limits.py itself."""
    if is_api_request():
        message = (
            f"Too many codes tried: the limit is {exc.limit}. Try again in {exc.wait} seconds."
        )
        response = jsonify(error_body(429, "rate_limited", message))
    else:
        message = _("Too many attempts. Please try again in %(n)s seconds.", n=exc.wait)
        response = current_app.make_response(
            render_template("error.html", status=429, message=message)
        )
    response.status_code = 429
    response.headers["Retry-After"] = str(exc.wait)
    return response


def init_app(app: Flask) -> None:
    # Remember-me cookies get the same flags as the session cookie.
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.after_request(set_security_headers)
    app.register_error_handler(RateLimitExceeded, rate_limited)
    app.register_error_handler(TooManyCodeAttempts, too_many_codes)
