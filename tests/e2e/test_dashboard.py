"""The operators' dashboard in the browser: an operator opens it, filters by domain, sees
the funnel chart (drawn by the vendored ECharts under the CSP, no console error: the
browser_page fixture fails the test on any) and its table, and downloads the CSV."""

from __future__ import annotations

import os

from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models.types import utcnow
from marketplace.statistics import dashboard
from marketplace.statistics.periods import parse
from tests.e2e.helpers import log_in, t
from tests.statistics.dashboard_data import NOW, generate_dashboard


def test_operator_filters_the_dashboard_and_downloads_the_funnel(app, browser_page, make):
    with app.app_context():
        generate_dashboard(db.session, now=utcnow())
        db.session.commit()
        f = dashboard.filters(parse("2026"), "new_materials", None)
        inquiries = dashboard.funnel(db.session, f, NOW)[1][1]
    operator = make.operator()
    page = browser_page("operator")
    log_in(page, operator.email)
    page.get_by_role("link", name=t("Dashboard")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Operator dashboard"))

    page.get_by_label(t("Period"), exact=True).fill("2026")
    page.get_by_label(t("Domain"), exact=True).select_option(label=t("New materials"))
    page.get_by_role("button", name=t("Show")).click()
    expect(page.locator("h2.period-title")).to_contain_text(t("New materials"))

    funnel = page.locator("#figure-funnel")
    expect(funnel.locator('.stat-chart[data-drawn="1"] svg')).to_be_visible()
    assert funnel.locator(".stat-chart svg path").count() > 6
    expect(funnel.locator("svg text", has_text=t("Inquiries")).first).to_be_visible()
    rows = funnel.locator("tbody tr")
    expect(rows).to_have_count(len(dashboard.STAGES))
    expect(rows.nth(1).locator("td").nth(1)).to_have_text(str(inquiries))
    charts = page.locator(".stat-chart")
    expect(page.locator('.stat-chart[data-drawn="1"]')).to_have_count(charts.count())

    with page.expect_download() as waiting:
        funnel.get_by_role("link", name="CSV").click()
    download = waiting.value
    assert download.suggested_filename == "dashboard-funnel-2026-new_materials.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[2].split(",")[:2] == [t("Inquiries"), str(inquiries)]
    if os.environ.get("DASHBOARD_SCREENSHOT"):
        page.screenshot(path=os.environ["DASHBOARD_SCREENSHOT"], full_page=True)
