"""What the browser tests share: the Chinese UI's words, logging in."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

import pyotp
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


def tp(context: str, msgid: str) -> str:
    """``t`` for a message with a translation context (``pgettext`` in the templates)."""
    text = _catalog().pgettext(context, msgid)
    if text == msgid:
        raise AssertionError(f"no Chinese translation for {msgid!r} in context {context!r}")
    return text


def exact(text: str) -> re.Pattern:
    """A whole-text pattern for ``expect(...).to_have_text`` (whitespace around ignored)."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def label(text: str) -> re.Pattern:
    """A field's label exactly, with or without the required-field star after it."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


# The TOTP secrets of the people who set up a second factor in these tests, by e-mail.
TOTP_SECRETS: dict[str, str] = {}


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the page. An operator or broker is sent to set up a second factor
    first (the e2e app is not a TESTING app: it enforces that): done here in the browser,
    reading the key off the page; the next login of that person answers the code page."""
    page.goto("/login")
    page.get_by_label(t("E-mail address")).fill(email)
    page.get_by_label(t("Password")).fill(password)
    page.get_by_role("button", name=t("Log in")).click()
    page.wait_for_load_state()
    if "/login/second-factor" in page.url:
        totp = pyotp.TOTP(TOTP_SECRETS[email])
        # The next step's code (±1 step is accepted): the current one may be used already.
        page.get_by_label(t("Code")).fill(totp.generate_otp(totp.timecode(datetime.now()) + 1))
        page.get_by_role("button", name=t("Log in")).click()
    expect(page.get_by_role("button", name=t("Log out"))).to_be_visible()
    if "/account/second-factor" in page.url:
        set_up_second_factor(page, email)


def set_up_second_factor(page: Page, email: str) -> None:
    page.get_by_role("button", name=t("Set up a second factor")).click()
    secret = page.locator("code.secret").inner_text().strip()
    expect(page.locator(".qr-code svg")).to_be_visible()
    page.get_by_label(t("Code from your app")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=t("Turn on")).click()
    expect(page.locator("ul.recovery-codes li")).to_have_count(10)
    TOTP_SECRETS[email] = secret


def flash(page: Page):
    """The success or info message shown at the top of the page after a form."""
    return page.locator(".flashes [role=status]")
