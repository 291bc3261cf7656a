"""Messages for people, made from a translatable template and its parameters.

Services, schemas and validators speak English: the API's stable messages. A ``Message``
is that English text (it is a ``str``, so it serialises, compares and joins as the text
itself) and keeps the template and parameters it was made from, so that a page shows
``message.translated()``: the template looked up in the catalog, then filled. Nothing
parses an English sentence to translate it.

Templates are marked with ``N_`` so that ``pybabel extract -k N_`` finds them; they use
named placeholders (``%(name)s``). A parameter that is itself a Message, a vocabulary
``Term``, a list of terms (``OneOf``) or an amount (``core.money.Amount``) is translated
with the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional name pybabel extracts
    """Mark a template for extraction; it is translated when shown."""
    return message


def translate(value: Any) -> str:
    """Any message in the current language: a Message (or Term, Amount …) translates
    itself; a plain string (marshmallow's own messages) is looked up as it is."""
    if hasattr(value, "translated"):
        return value.translated()
    text = str(value if value is not None else "")
    return gettext(text) if text else ""


def as_message(value: Any) -> Message:
    """A Message as it is; a plain string (a template without values) as a Message."""
    return value if isinstance(value, Message) else Message(str(value))


def _render(value: Any) -> Any:
    """A parameter on a page: what translates itself does; plain values stay as they are."""
    return value.translated() if hasattr(value, "translated") else value


class Message(str):
    """English text (the str) made from ``template % params``, translatable later."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Message:
        text = template % {k: str(v) for k, v in params.items()} if params else template
        self = super().__new__(cls, text)
        self.template = str(template)
        self.params = params
        return self

    def __getnewargs_ex__(self):  # copy and pickle make it again from its template
        return (self.template,), self.params

    def translated(self) -> str:
        text = gettext(self.template)
        if not self.params:
            return text
        return text % {k: _render(v) for k, v in self.params.items()}


class Joined(Message):
    """Several messages as one ("a; b"): each part is translated on its own."""

    def __new__(cls, parts: Iterable[Any], separator: str = "; ") -> Joined:
        parts = list(parts)
        self = str.__new__(cls, separator.join(str(p) for p in parts))
        self.template, self.params = str(self), {}
        self.parts, self.separator = parts, separator
        return self

    def __getnewargs_ex__(self):
        return (self.parts, self.separator), {}

    def translated(self) -> str:
        return self.separator.join(translate(p) for p in self.parts)


class Term(str):
    """A code of a vocabulary (a deal state, a role): English messages say the code,
    pages say its label (a lazy translation)."""

    def __new__(cls, code: str, label: Any) -> Term:
        self = super().__new__(cls, code)
        self.label = label
        return self

    def __getnewargs_ex__(self):
        return (str(self), self.label), {}

    def translated(self) -> str:
        return str(self.label)


class OneOf(str):
    """Terms joined by " or " ("buyer or supplier"); on pages, their labels."""

    def __new__(cls, terms: Iterable[Term]) -> OneOf:
        terms = list(terms)
        self = super().__new__(cls, " or ".join(terms))
        self.terms = terms
        return self

    def __getnewargs_ex__(self):
        return (self.terms,), {}

    def translated(self) -> str:
        return gettext(" or ").join(translate(t) for t in self.terms)
