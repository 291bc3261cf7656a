"""Every API body is read safely once, before anything else looks at it.

A malformed body (invalid UTF-8, bad JSON, nested too deep, a number too long) or one of
a type the API does not read is a 400 in the API's error shape, before the rate limiter's
key functions or webargs parse it (they would raise RecursionError / ValueError: a 500).
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest

from marketplace.core import audit, json_body

BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# What the API reads: JSON everywhere, multipart where a route takes a file.
ACCEPTED_TYPES = ("application/json", "multipart/form-data")


def _refuse(reason: str) -> BadRequest:
    exc = BadRequest(reason)
    exc.data = {"message": reason, "messages": {"json": [reason]}}
    return exc


def check_api_body() -> None:
    if not request.path.startswith("/api/") or request.method not in BODY_METHODS:
        return
    if request.is_json:
        raw = request.get_data(cache=True)
        if raw:
            try:
                json_body.loads(raw)
            except json_body.MalformedJson as exc:
                raise _refuse(exc.reason) from None
        return
    if request.mimetype in ACCEPTED_TYPES:
        return
    if request.content_length or request.get_data(cache=True):
        raise _refuse("Send the body as application/json.")


def remember_client_address() -> None:
    """For the audit log's "from where" (services never read the request)."""
    audit.request_ip.set(request.remote_addr or "")


def init_app(app: Flask) -> None:
    # First of all before-request hooks: the limiter's key functions read the body too.
    app.before_request_funcs.setdefault(None, []).insert(0, check_api_body)
    app.before_request(remember_client_address)
