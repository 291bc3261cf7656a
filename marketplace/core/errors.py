"""The small family of domain errors that services raise.

Each carries a stable ``code`` (its class's, or a more specific one given where it is
raised: ``Conflict(..., code="deal_state")``), a message made from a translatable
template and its parameters (core/messages.py), and, for input errors, messages by field.
One error handler (web/errors.py) maps them to an HTTP status and the API's JSON shape
``{"error": {"status", "code", "message", "fields"}}`` with the English message; pages
show ``translated()``.

    raise Conflict(N_("Cannot %(action)s a deal that is %(state)s."), action=..., state=...)
    raise Invalid({"price": Message(N_("At most %(max)s."), max=10)})

Shape: zulip's ``JsonableError`` (``code``, ``data_fields``, ``msg_format()``).
"""

from __future__ import annotations

from typing import Any

from marketplace.core.messages import N_, Message, translate

Fields = dict[str, list[str]]


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        /,
        fields: dict[str, list[str]] | dict[str, str] | None = None,
        *,
        code: str | None = None,
        **params: Any,
    ):
        """``message`` is an English template (mark it ``N_``), filled with ``params``."""
        self.message = message if isinstance(message, Message) else Message(message, **params)
        super().__init__(self.message)
        self.fields: Fields = {
            k: v if isinstance(v, list) else [v] for k, v in (fields or {}).items()
        }
        if code is not None:
            self.code = code

    @property
    def template(self) -> str:
        return self.message.template

    @property
    def params(self) -> dict[str, Any]:
        return self.message.params

    def translated(self) -> str:
        """The message in the current language (the template's translation, filled)."""
        return self.message.translated()

    def translated_fields(self) -> Fields:
        """The field messages in the current language."""
        return {name: [translate(m) for m in messages] for name, messages in self.fields.items()}


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
    """Input that is well-formed but breaks a rule; ``fields`` maps field names to messages
    (plain templates, or Messages when they carry values)."""

    status = 422
    code = "validation_error"

    def __init__(
        self,
        fields: dict[str, list[str]] | dict[str, str],
        message: str = "",
        *,
        code: str | None = None,
        **params: Any,
    ):
        super().__init__(message or N_("The input is not valid."), fields, code=code, **params)
