"""A tour of the pages in a real browser, as buyer, supplier, broker and operator, in
Chinese and in English: deal pages in every state, the earnings page, the payouts queue,
the members page. In Chinese, no page shows a raw key, an English phrase or a
placeholder; in English, none shows a raw key.

With PAGE_TOUR_SCREENSHOTS=<folder> every page is also saved there as a PNG, to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Deal
from tests.deals.scene import build_scene
from tests.e2e.helpers import flash, log_in, t
from tests.page_words import SNAKE, faults, visible_text

PAGES = {
    "buyer": ["/", "/deals", "/my/organization", "/notifications", "/mediation-offers"],
    "supplier": ["/deals", "/my/organization", "/listings/new"],
    "broker": ["/brokers/me", "/brokers/me/earnings", "/deals", "/mediation-offers"],
    "operator": [
        "/operator/payouts",
        "/operator/funding",
        "/operator/disputes",
        "/operator/brokers",
        "/operator/brokers/ranking",
        "/operator/audit",
        "/review",
    ],
}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_page_tour(app, make, browser_page, locale):
    scene = build_scene(app, make)
    folder = os.environ.get("PAGE_TOUR_SCREENSHOTS")
    found: list[str] = []
    visited = 0
    for role, who in scene["people"].items():
        page = browser_page(role, locale=locale)
        log_in(page, who.email)
        if locale == "en":
            page.goto("/?lang=en")  # the choice sticks (a person's language, not the browser's)
        paths = PAGES[role] + [f"/deals/{d}" for d in scene["deals"].values()]
        if role == "operator":
            paths.append(f"/operator/brokers/{scene['people']['broker'].id}/earnings")
        for path in paths:
            reply = page.goto(path)
            if reply.status in (403, 404):
                continue
            assert reply.status == 200, (role, path, reply.status)
            visited += 1
            html = page.content()
            assert f'<html lang="{locale}"' in html, (role, path)
            if locale == "zh-CN":
                found += [f"{role} {path}: {p}" for p in faults(html)]
            else:
                found += [
                    f"{role} {path}: raw key {m.group(0)!r}"
                    for part in visible_text(html)
                    for m in SNAKE.finditer(part)
                ]
            if folder:
                name = f"{locale}-{role}{path.replace('/', '_')}.png"
                page.screenshot(path=str(Path(folder) / name), full_page=True)
    assert visited > 30
    assert not found, "\n".join(found)


def test_arbitration_and_the_contract_papers_in_the_browser(app, make, browser_page):
    """The operator decides a dispute from the back office (a split); the buyer downloads
    the contract and the registration pack from the deal page."""
    scene = build_scene(app, make)
    deal_id = scene["deals"]["disputed"]
    with app.app_context():
        milestone_id = db.session.get(Deal, deal_id).milestones[0].id

    operator = browser_page("operator")
    log_in(operator, scene["people"]["operator"].email)
    operator.goto("/operator/disputes")
    form = operator.locator(f"#resolve-{milestone_id}")
    form.locator("input[name=outcome][value=split]").check()
    form.locator("input[name=release_amount]").fill("2500")
    form.locator("textarea[name=note]").fill("按第三方检测结果部分放款")
    form.get_by_role("button", name=t("Resolve")).click()
    expect(flash(operator)).to_be_visible()
    operator.goto(f"/deals/{deal_id}")
    expect(operator.get_by_text(t("Resolved by arbitration")).first).to_be_visible()
    expect(operator.get_by_text("按第三方检测结果部分放款").first).to_be_visible()

    buyer = browser_page("buyer")
    log_in(buyer, scene["people"]["buyer"].email)
    buyer.goto(f"/deals/{scene['deals']['agreed']}")
    for link, suffix, magic in (
        (buyer.get_by_role("link", name=t("Download the contract (PDF)")), ".pdf", b"%PDF"),
        (buyer.get_by_role("link", name="PDF", exact=True), ".pdf", b"%PDF"),
        (buyer.get_by_role("link", name="XLSX", exact=True), ".xlsx", b"PK"),
    ):
        with buyer.expect_download() as download:
            link.click()
        assert download.value.suggested_filename.endswith(suffix)
        assert Path(download.value.path()).read_bytes().startswith(magic)
