"""JSON from untrusted bytes that is refused, never crashed on.

``json.loads`` raises ``RecursionError`` on a document nested tens of thousands deep and
``ValueError`` on an integer literal longer than Python's 4,300-digit limit; neither is a
``JSONDecodeError``, so parsers that catch only that one let them through as a 500.
"""

from __future__ import annotations

import json
from typing import Any

from marketplace.core.messages import N_, Message

# Deeper than any body the API documents (a listing with patents is 4 levels) by far.
MAX_DEPTH = 32


class MalformedJson(ValueError):
    """The bytes are not a JSON document the app accepts; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def depth(value: Any) -> int:
    """How deeply arrays and objects nest (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads(raw: bytes | str) -> Any:
    """Parse a JSON document, or raise MalformedJson with a reason fit for the client."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise MalformedJson(Message(N_("The body is not UTF-8 text."))) from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise MalformedJson(too_deep()) from None
    except json.JSONDecodeError as exc:
        raise MalformedJson(Message(N_("Invalid JSON body: %(reason)s."), reason=exc.msg)) from None
    except ValueError:
        # int() refuses literals over sys.get_int_max_str_digits() digits.
        raise MalformedJson(Message(N_("The body holds a number too long to read."))) from None
    if depth(value) > MAX_DEPTH:
        raise MalformedJson(too_deep())
    return value


def too_deep() -> Message:
    return Message(N_("The body nests deeper than %(max)s levels."), max=MAX_DEPTH)
