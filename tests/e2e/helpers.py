"""What the browser tests share: the Chinese UI's words, logging in."""

from __future__ import annotations

import re
from functools import cache

from babel.support import Translations
from playwright.sync_api import Page, expect

from marketplace.web.i18n import TRANSLATIONS
from tests.conftest import PASSWORD


@cache
def _catalog() -> Translations:
    catalog = Translations.load(TRANSLATIONS, ["zh_CN"])
    if not isinstance(catalog, Translations):
        raise RuntimeError("no compiled zh catalog: run `make translations`")
    return catalog


def t(msgid: str, **params: object) -> str:
    """The Chinese the UI shows for an English message id; fails if it has no translation,
    so a test never passes by meeting the English text in the Chinese UI."""
    text = _catalog().gettext(msgid)
    if text == msgid:
        raise AssertionError(f"no Chinese translation for {msgid!r}")
    return text % params if params else text


def exact(text: str) -> re.Pattern:
    """A whole-text pattern for ``expect(...).to_have_text`` (whitespace around ignored)."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def label(text: str) -> re.Pattern:
    """A field's label exactly, with or without the required-field star after it."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label(t("E-mail address")).fill(email)
    page.get_by_label(t("Password")).fill(password)
    page.get_by_role("button", name=t("Log in")).click()
    expect(page.get_by_role("button", name=t("Log out"))).to_be_visible()


def flash(page: Page):
    """The success or info message shown at the top of the page after a form."""
    return page.locator(".flashes [role=status]")
