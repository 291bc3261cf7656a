"""marshmallow's validators, saying their messages as core.messages Messages.

The API's text is marshmallow's own ("Longer than maximum length 200."); a page shows the
same message translated from its template and values, never by reading the sentence.
Schemas import this module instead of ``marshmallow.validate``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import validate
from marshmallow.validate import (  # noqa: F401 - the rest of marshmallow's validators
    URL,
    And,
    ContainsNoneOf,
    ContainsOnly,
    Email,
    Equal,
    NoneOf,
    Predicate,
    Regexp,
    Validator,
)

from marketplace.core.messages import N_, Message

# The messages of marshmallow's fields (no values), for `pybabel extract`: pages look
# them up as they are.
FIELD_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Invalid value."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid email address."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Number too large."),
    N_("Unknown field."),
    N_("String does not match expected pattern."),
)


class Length(validate.Length):
    message_min = N_("Shorter than minimum length %(min)s.")
    message_max = N_("Longer than maximum length %(max)s.")
    message_all = N_("Length must be between %(min)s and %(max)s.")
    message_equal = N_("Length must be %(equal)s.")

    def _format_error(self, value: Any, message: str) -> str:
        if self.error:
            return super()._format_error(value, message)
        return Message(message, min=self.min, max=self.max, equal=self.equal)


class Range(validate.Range):
    def __init__(
        self,
        min: Any = None,  # noqa: A002 - marshmallow's names
        max: Any = None,  # noqa: A002
        *,
        min_inclusive: bool = True,
        max_inclusive: bool = True,
        error: str | None = None,
    ):
        super().__init__(
            min, max, min_inclusive=min_inclusive, max_inclusive=max_inclusive, error=error
        )
        self.message_min = (
            N_("Must be greater than or equal to %(min)s.")
            if min_inclusive
            else N_("Must be greater than %(min)s.")
        )
        self.message_max = (
            N_("Must be less than or equal to %(max)s.")
            if max_inclusive
            else N_("Must be less than %(max)s.")
        )
        self.message_all = {
            (True, True): N_(
                "Must be greater than or equal to %(min)s and less than or equal to %(max)s."
            ),
            (True, False): N_("Must be greater than or equal to %(min)s and less than %(max)s."),
            (False, True): N_("Must be greater than %(min)s and less than or equal to %(max)s."),
            (False, False): N_("Must be greater than %(min)s and less than %(max)s."),
        }[(min_inclusive, max_inclusive)]

    def _format_error(self, value: Any, message: str) -> str:
        if self.error:
            return super()._format_error(value, message)
        return Message(message, min=self.min, max=self.max)


class OneOf(validate.OneOf):
    default_message = N_("Must be one of: %(choices)s.")

    def _format_error(self, value: Any) -> str:
        if self.error != self.default_message:
            return super()._format_error(value)
        return Message(self.error, choices=self.choices_text)
