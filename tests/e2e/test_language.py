"""Chinese first, English one click away, and back; the choice follows the visitor around."""

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.helpers import t

HERO = "Where technology meets industry"


def test_switch_between_chinese_and_english(browser_page, make, e2e_search):
    owner = make.user("researcher")
    listing = make.listing(owner, status="published", title="钠离子电池正极材料")
    user = make.user("enterprise_member", display_name="王强")

    # A browser that prefers English still gets Chinese first.
    page = browser_page("visitor", locale="en-US")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text(t(HERO))
    switch = page.locator(".lang-switch")
    expect(switch.locator("strong")).to_have_text("中文")

    switch.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(HERO)
    expect(switch.locator("strong")).to_have_text("English")

    # The choice stays for the next pages, vocabulary labels included, and across a login.
    page.get_by_role("link", name="Listings", exact=True).click()
    page.get_by_role("link", name=listing.title).click()
    expect(page.locator(".facts")).to_contain_text("New energy")
    expect(page.locator(".facts")).to_contain_text("Exclusive licence")
    page.get_by_role("link", name="Log in", exact=True).click()
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_have_text("Welcome, 王强.")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Back to Chinese on a search page: the query is kept.
    page.goto("/search?q=电池")
    expect(page.get_by_label("Keywords")).to_have_value("电池")
    switch.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_url(re.compile(r"/search\?.*q=%E7%94%B5%E6%B1%A0"))
    expect(page.get_by_label(t("Keywords"))).to_have_value("电池")
    expect(page.get_by_role("button", name=t("Log out"))).to_be_visible()
    page.get_by_role("link", name=t("Listings"), exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Listings"))
