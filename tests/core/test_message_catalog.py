"""Messages are templates, and the Chinese catalog translates every one of them.

Services say their refusals as ``N_`` templates with values (core/messages.py), and pages
translate them from the catalog: a template missing from
``translations/zh/LC_MESSAGES/messages.po`` would show English on a Chinese page, and a
domain error made from an f-string or a plain sentence could not be translated at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "marketplace"
ZH = PACKAGE / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {
    "N_": None,
    "_l": None,
    "_": None,
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
}
# What services raise to say no (core/errors.py and the subclasses domains define).
ERRORS = {
    "DomainError",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "Invalid",
    "InsufficientScope",
    "ReauthenticationRequired",
    "MalformedJson",
}


def _marked_messages() -> set[str]:
    """What the code and the page templates mark for translation (a plural by its
    singular, the catalog's key)."""
    found = set()
    sources = ((PACKAGE, "**.py", "python"), (ROOT / "templates", "**.html", "jinja2"))
    for folder, pattern, method in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder), method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_the_code_and_the_pages_mark_has_a_chinese_translation():
    catalog = read_po(ZH.open("rb"), locale="zh")
    missing = []
    for message in sorted(_marked_messages()):
        entry = catalog.get(message)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(message)
    assert missing == [], f"not translated in {ZH.relative_to(ROOT)} (make extract-messages)"


def _plain(node: ast.AST) -> bool:
    """A sentence written in place: an f-string, a literal, or text built with + or %."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)


def test_no_domain_error_is_made_from_a_plain_sentence():
    """Each message is an ``N_`` template (or a Message made from one), so that a page can
    translate it; its values go in as parameters."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ERRORS or not node.args:
                continue
            first = node.args[0]
            fields = first.values if isinstance(first, ast.Dict) else []
            if isinstance(first, ast.DictComp):
                fields = [first.value]
            if _plain(first) or any(_plain(v) for v in fields):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
