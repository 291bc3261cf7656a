"""The small family of domain errors that services raise.

One error handler (marketplace/errors.py) maps them to HTTP statuses and a
stable JSON shape for the API, and to flash messages for HTML pages.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule; ``fields`` maps field names to messages."""

    status = 422
    code = "validation_error"

    def __init__(self, fields: dict[str, list[str]] | dict[str, str], message: str = ""):
        normalised = {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
        super().__init__(message or "The input is not valid.", normalised)
