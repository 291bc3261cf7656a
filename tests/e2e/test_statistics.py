"""The statistics page draws every chart with the vendored ECharts under the app's CSP
(no console error: the browser_page fixture fails the test on any), each beside its
table; an owner's analytics page draws its chart too."""

from __future__ import annotations

from playwright.sync_api import expect

from marketplace.extensions import db
from tests.e2e.helpers import log_in
from tests.statistics.data import generate


def test_statistics_page_draws_its_charts(app, browser_page, make):
    with app.app_context():
        generate(db.session, deals=120)
        db.session.commit()
    page = browser_page("visitor")
    page.goto("/")
    page.get_by_role("link", name="市场统计").click()
    page.goto("/statistics?period=2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("市场统计")
    charts = page.locator(".stat-chart")
    count = charts.count()
    assert count >= 5
    expect(page.locator('.stat-chart[data-drawn="1"]')).to_have_count(count)
    for i in range(count):
        chart = charts.nth(i)
        expect(chart.locator("svg").first).to_be_visible()
        # ECharts drew the series: more than the axes' paths.
        assert chart.locator("svg path").count() > 10
        # the table beside it
        expect(chart.locator("xpath=following-sibling::div//table")).to_be_visible()
    monthly = page.locator("#figure-monthly")
    expect(monthly.locator("svg text", has_text="签订技术合同").first).to_be_visible()
    expect(monthly.locator("tbody tr")).to_have_count(12)

    # another period by the form: a bad one is a message on the form
    page.get_by_label("统计期间").fill("2026Q9")
    page.get_by_role("button", name="查看").click()
    expect(page.locator(".has-error")).to_contain_text("季度")


def test_owner_sees_the_analytics_chart(app, browser_page, make):
    owner = make.user("researcher")
    listing = make.listing(owner, status="published", title="石墨烯散热膜")
    visitor = browser_page("visitor")
    visitor.goto(f"/listings/{listing.id}")
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("石墨烯散热膜")
    page = browser_page("owner")
    log_in(page, owner.email)
    page.goto(f"/listings/{listing.id}")
    page.get_by_role("link", name="数据分析").click()
    expect(page.locator('.stat-chart[data-drawn="1"] svg')).to_be_visible()
    page.goto(f"/listings/{listing.id}/analytics?days=7")
    expect(page.get_by_role("heading", level=1)).to_contain_text("数据分析")
    expect(page.locator('.stat-chart[data-drawn="1"] svg')).to_be_visible()
