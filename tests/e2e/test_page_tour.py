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

from tests.deals.scene import build_scene
from tests.e2e.helpers import log_in
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
