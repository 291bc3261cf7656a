"""What a person reads on a page, and what must not be there on a Chinese page: a raw key
(`attachment_added`), an English phrase, a placeholder. Used by the page crawl
(tests/views/test_page_words.py) and the browser tour (tests/e2e/test_page_tour.py)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Words a Chinese page may show as they are: names of formats, currencies, products.
# A raw key has an underscore between lowercase words; an English sentence is three or more
# Latin words in a row, one of them lowercase.
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Two or more Latin words in a row (numbers may stand between them, as in "Milestone 1
# released"), one of them a lowercase word of three letters or more: an English phrase.
# Names of formats and products ("Stripe Connect", "Word/Excel/PowerPoint", "PDF") pass.
LATIN_RUN = re.compile(r"(?<![\w@.-])[A-Za-z]{2,}(?:[ ,]+(?:\d+[ ,]+)?[A-Za-z]{2,})+(?![\w@-])")
LOWER_WORD = re.compile(r"\b[a-z]{3,}\b")
PLACEHOLDER = re.compile(r"\b(?:TODO|FIXME|XXX|lorem ipsum)\b|%\(\w+\)s|\{\{|\}\}", re.I)
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
NOT_READ = {"script", "style", "template"}


class _Text(HTMLParser):
    """The text a person reads: data outside script/style, and the attributes shown.
    Literal data — a `<code>` element or one of class `mono` (action codes, hashes,
    references, JSON of the audit log) — is shown as it is and not checked."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self._stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        literal = tag == "code" or "mono" in (values.get("class") or "").split()
        if tag not in VOID:
            self._stack.append((tag, tag in NOT_READ or literal))
        if self._skipping() or literal:
            return
        for name, value in attrs:
            if value and (
                name in READ_ATTRIBUTES
                or (name == "value" and tag in ("button", "input") and _shown_value(attrs))
            ):
                self.parts.append(value)

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.parts.append(data.strip())


def _shown_value(attrs) -> bool:
    kind = dict(attrs).get("type", "")
    return kind in ("submit", "button", "reset")


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def faults(html: str) -> list[str]:
    found = []
    for part in visible_text(html):
        for pattern, what in ((SNAKE, "raw key"), (PLACEHOLDER, "placeholder")):
            for match in pattern.finditer(part):
                found.append(f"{what}: {match.group(0)!r} in {part[:120]!r}")
        for match in LATIN_RUN.finditer(part):
            if LOWER_WORD.search(match.group(0)):
                found.append(f"English: {match.group(0)!r} in {part[:120]!r}")
    return found
