"""What an uploaded file really is, from its bytes (never from its name).

Used by deal attachments and by imports: a file is judged by its leading bytes with the
``filetype`` library (executables, archives, images, PDF, Office…), and text that a
browser would sniff as HTML, SVG or XML is refused even under a harmless name, so a
renamed web page can never be stored and later served to someone else.
"""

from __future__ import annotations

import codecs
import re

import filetype

HEAD_BYTES = 8192
# WHATWG MIME sniffing's "HTML" patterns, plus XML and SVG (which can carry scripts).
_MARKUP = re.compile(
    rb"^\s*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b"
    rb"|body|br|p|!--|\?xml|svg|object|embed|img|meta|link|form)(?:[\s>/]|$)",
    re.I,
)


def binary_kind(head: bytes) -> str | None:
    """The MIME type ``filetype`` recognises in the leading bytes, if any."""
    kind = filetype.guess(head[:HEAD_BYTES])
    return kind.mime if kind is not None else None


def is_utf8_text(data: bytes, *, complete: bool = False) -> bool:
    """UTF-8 without NUL bytes; unless ``complete``, ``data`` (the head of a file) may end
    in the middle of a character."""
    if b"\x00" in data:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(data, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def looks_like_markup(head: bytes) -> bool:
    """True for text a browser would take for HTML/XML/SVG (after an optional BOM)."""
    return bool(_MARKUP.match(head[:HEAD_BYTES].removeprefix(codecs.BOM_UTF8)))
