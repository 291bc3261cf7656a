"""An enterprise posts a demand; once published, its page recommends listings with reasons."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import flash, label, log_in, t

TITLE = "两轮车换电柜想换用钠电池降成本"


def test_post_a_demand_and_see_its_recommended_listings(browser_page, make, e2e_search):
    supplier = make.user("researcher")
    fits = make.listing(supplier, status="published", title="钠离子电池层状氧化物正极材料")
    too_dear = make.listing(
        supplier,
        status="published",
        title="钠离子电池负极硬碳材料",
        price_amount=900_000_000,  # 9,000,000 元: beyond the budget below
    )
    other_field = make.listing(
        supplier,
        status="published",
        title="高矫顽力钕铁硼磁体",
        summary="晶界扩散",
        description="磁体",
        domain="rare_earth_magnets",
        tags=[],
        patents=[],
    )
    buyer = make.user("enterprise_member", display_name="王强")
    operator = make.operator()
    e2e_search()

    page = browser_page("enterprise")
    log_in(page, buyer.email)
    page.get_by_role("link", name=t("My organization")).click()
    page.get_by_role("link", name=t("New demand")).click()
    form = page.locator("form.form")
    form.get_by_label(label(t("Title"))).fill(TITLE)
    form.get_by_label(label(t("Description"))).fill(
        "希望找到长寿命的钠离子电池正极材料技术，用于换电柜电池包，循环寿命 3000 次以上。"
    )
    form.get_by_label(label(t("Domain"))).select_option("new_energy")
    form.get_by_label(t("Exclusive licence")).check()
    form.get_by_label(t("Co-development")).check()
    form.get_by_label(t("Minimum budget (yuan)")).fill("500000")
    form.get_by_label(t("Maximum budget (yuan)")).fill("2000000")
    form.get_by_role("button", name=t("Save")).click()
    expect(flash(page)).to_have_text(
        t("The demand is saved as a draft. Submit it for review when it is ready.")
    )
    demand_url = page.url
    assert re.search(r"/demands/\d+$", demand_url), demand_url
    page.get_by_role("button", name=t("Submit for review")).click()
    expect(flash(page)).to_have_text(t("Submitted for review."))

    desk = browser_page("operator")
    log_in(desk, operator.email)
    desk.get_by_role("link", name=t("Review"), exact=True).click()
    desk.locator("article.review-item").filter(has_text=TITLE).get_by_role(
        "button", name=t("Publish")
    ).click()
    expect(flash(desk)).to_have_text(t("Published."))

    page.goto(demand_url)
    matches = page.locator("#matches")
    expect(matches.get_by_role("heading", name=t("Recommended listings"))).to_be_visible()
    recommended = matches.locator("li.match")
    # The listing that fits comes first; one over the budget or in another field does not.
    expect(recommended.first.get_by_role("link", name=fits.title)).to_be_visible()
    expect(matches.get_by_role("link", name=too_dear.title)).to_have_count(0)
    expect(matches.get_by_role("link", name=other_field.title)).to_have_count(0)
    reasons = recommended.first.locator(".match-reasons")
    expect(reasons).to_contain_text(t("Same field"))
    expect(reasons).to_contain_text(t("Fixed price within the budget"))

    # From the recommendation straight to the listing, where the buyer can start a deal.
    recommended.first.get_by_role("link", name=fits.title).click()
    expect(page).to_have_url(re.compile(rf"/listings/{fits.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(fits.title)
    expect(page.locator("#contact").get_by_role("button", name=t("Start a deal"))).to_be_visible()
