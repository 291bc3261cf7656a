"""Search from the home page, narrow by a facet, open a result (against the local search server)."""

import re

from playwright.sync_api import expect

from marketplace.web.i18n import label as vocabulary_label
from tests.e2e.helpers import t


def zh_label(app, vocabulary: str, code: str) -> str:
    with app.test_request_context("/?lang=zh_CN"):
        return str(vocabulary_label(vocabulary, code))


def test_search_narrow_by_domain_and_open_a_result(app, browser_page, make, e2e_search):
    owner = make.user("researcher")
    sodium = make.listing(owner, status="published", title="钠离子电池层状氧化物正极材料")
    make.listing(
        owner,
        status="published",
        title="固态锂电池电解质薄膜",
        summary="用于电池的硫化物电解质",
        domain="new_materials",
        patents=[],
    )
    make.listing(
        owner,
        status="published",
        title="高矫顽力钕铁硼磁体",
        summary="晶界扩散",
        description="磁体",
        domain="rare_earth_magnets",
        patents=[],
        tags=[],
    )
    e2e_search()

    page = browser_page("visitor")
    page.goto("/")
    hero = page.locator("form.hero-search")
    hero.get_by_label(t("Search listings")).fill("电池")
    hero.get_by_role("button", name=t("Search")).click()

    expect(page).to_have_url(re.compile(r"/search\?q=%E7%94%B5%E6%B1%A0"))
    hits = page.locator("article.hit")
    expect(hits).to_have_count(2)
    expect(page.locator(".result-count")).to_contain_text("2")
    expect(page.get_by_role("heading", name="高矫顽力钕铁硼磁体")).to_have_count(0)
    # The matched word is highlighted in the titles.
    expect(hits.first.locator(".hit-title em").first).to_have_text("电池")

    domains = page.locator("section.facet").filter(
        has=page.get_by_role("heading", name=t("Domain"), exact=True)
    )
    new_energy = zh_label(app, "domain", "new_energy")
    facet = domains.get_by_role("button", name=re.compile(rf"^{new_energy}\s*1$"))
    expect(facet).to_have_attribute("aria-pressed", "false")
    facet.click()

    expect(page).to_have_url(re.compile(r"domain=new_energy"))
    expect(hits).to_have_count(1)
    chips = page.locator(".active-filters .chip")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text(new_energy)
    expect(page.get_by_label(t("Keywords"))).to_have_value("电池")

    hits.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/listings/{sodium.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(sodium.title)

    # Removing the filter brings the other result back.
    page.go_back()
    chips.first.click()
    expect(hits).to_have_count(2)
