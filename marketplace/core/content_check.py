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
# Text that opens with a tag, a declaration, a comment or a processing instruction:
# WHATWG MIME sniffing's HTML patterns are a subset, and so is every XML form (a doctype of
# any kind, ``<?xml-stylesheet``, namespaced roots such as ``<rdf:RDF>`` or ``<svg:svg>``)
# that a browser or an XML viewer could render with scripts. Listing tag names missed some
# (``<!DOCTYPE svg``, ``<?xml-stylesheet``, ``<rdf:RDF>``); any opening ``<`` plus a name
# start, ``!``, ``?`` or ``/`` is refused. Plain text rarely starts that way; text that
# merely mentions a tag further on is still text.
_MARKUP = re.compile(rb"^\s*<[A-Za-z_!?/:\x80-\xff]")


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
