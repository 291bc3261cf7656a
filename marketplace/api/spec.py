"""The OpenAPI document lists every status an operation really answers with, each with the
error shape the API really sends ({"error": {status, code, message, fields}}).

flask-smorest's defaults documented a catch-all ``default`` response with its own error
schema, which is not what the API sends; the fuzzer (``make fuzz``) checks each response
against the document, so the document has to be exact. Statuses that follow from the shape
of an operation are added here once; the ones that follow from its rules (401, 403, 409)
are declared on the view functions with ``alt_response``.
"""

from __future__ import annotations

from apispec import BasePlugin
from flask_smorest import Api

from marketplace.schemas.common import ApiError

WRITE_METHODS = ("post", "put", "patch", "delete")
# Stripe's deliveries: authenticated by their signature, so not rate-limited, and read by
# the view itself (its own 400s), not by webargs.
WEBHOOK_PATHS = ("/api/v1/payments/stripe/webhook",)
# What an operator or broker without a second factor may still call (web/second_factor.py).
OPEN_DURING_ENROLMENT = ("/api/v1/auth/me", "/api/v1/auth/second-factor", "/api/v1/auth/log")
# Writes that ignore an Idempotency-Key header (web/idempotency.NOT_KEPT): the account
# routes, whose answers carry secrets, and the webhook.
NO_IDEMPOTENCY_KEY = ("/api/v1/auth",)
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Optional, 1 to 255 printable ASCII characters, unique per request (a "
    "UUID). A logged-in caller's retry with the same key and the same method, path and body "
    "gets the first successful answer again (with `Idempotent-Replayed: true`) instead of "
    "acting twice; the answer is committed with the change and kept 24 hours. The same key "
    "with another request: 422 `idempotency_key_reused`; while the first is still running: "
    "409 `idempotency_key_in_progress`; a malformed key: 400 `idempotency_key_invalid`.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}


class TechMarketApi(Api):
    ERROR_SCHEMA = ApiError
    # No catch-all: each operation lists its statuses, and anything else is a bug.
    DEFAULT_ERROR_RESPONSE_NAME = None


class CommonResponses(BasePlugin):
    """Responses every operation of a given shape can give:

    - a path with an id: 404 when there is no such row (or the caller may not see it);
    - a JSON request body: 422 when it does not validate; any write: 400 when its body is
      malformed (too deep, a number too long, not UTF-8, not JSON, a type the API does
      not read);
    - a write: 429 when the write rate limit is reached;
    - a write that keeps answers by ``Idempotency-Key`` (web/idempotency.py): the header
      parameter, 409 while a request with the key is in flight, 422 when the key was used
      for another request;
    - every operation but logging in and out, who-am-I and the second factor's own: 403
      for an operator or broker who has not set up a second factor yet, public reads
      included (such an account sees more than the public: items under review, …).
    """

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        if path in WEBHOOK_PATHS:
            return
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            if "{" in (path or ""):
                responses.setdefault(404, "NOT_FOUND")
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                responses.setdefault(422, "UNPROCESSABLE_ENTITY")
            if "application/json" in body or method in WRITE_METHODS:
                # Any body that is not what the API reads (web/request_body.py).
                responses.setdefault(400, "BAD_REQUEST")
            if method in WRITE_METHODS:
                responses.setdefault(429, "TOO_MANY_REQUESTS")
            if method in WRITE_METHODS and not (path or "").startswith(NO_IDEMPOTENCY_KEY):
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
                responses.setdefault(409, "CONFLICT")  # idempotency_key_in_progress
                responses.setdefault(422, "UNPROCESSABLE_ENTITY")  # idempotency_key_reused
            if not (path or "").startswith(OPEN_DURING_ENROLMENT):
                # An operator or broker without a second factor is refused everything but
                # setting one up (web/second_factor.py): second_factor_enrolment_required.
                responses.setdefault(403, "FORBIDDEN")


# Who may call an operation, in the document: anyone (the default, with `{}` as an
# alternative) or a logged-in person only.
AUTHENTICATED = [{"bearerAuth": []}, {"cookieAuth": []}]


def login_required(blp):
    """Document an operation as for logged-in callers: a session or a token, 401 otherwise.

    The services enforce it (they raise Unauthorized for an anonymous actor); the fuzzer
    checks that an anonymous caller never gets a success from such an operation."""

    def decorator(view):
        view = blp.alt_response(401, response="UNAUTHORIZED")(view)
        return blp.doc(security=AUTHENTICATED)(view)

    return decorator
