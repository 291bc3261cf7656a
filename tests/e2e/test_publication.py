"""A researcher lists a technology and submits it; an operator publishes it; visitors see it."""

from playwright.sync_api import expect

from tests.e2e.helpers import exact, flash, label, log_in, t

TITLE = "一种高电压稳定的钠离子电池正极材料"


def status_badge(page):
    return page.locator(".detail-head .badge")


def test_a_listing_from_draft_to_published(browser_page, make, e2e_search):
    supplier = make.user("researcher", display_name="李娜")
    operator = make.operator()

    page = browser_page("supplier")
    log_in(page, supplier.email)
    page.get_by_role("link", name=t("My organization")).click()
    page.get_by_role("link", name=t("New listing")).click()

    form = page.locator("form.form")
    form.get_by_label(label(t("Title"))).fill(TITLE)
    form.get_by_label(label(t("Summary"))).fill("4.3V 循环 500 次容量保持 90%")
    form.get_by_label(label(t("Domain"))).select_option("new_energy")
    form.get_by_label(t("Technology readiness level (TRL)")).select_option("6")
    form.get_by_label(t("Fixed price")).check()
    form.get_by_label(t("Price (yuan)")).fill("600000")
    first_patent = form.locator(".patent-block").first
    first_patent.get_by_label(t("Application number")).fill("CN202113530829.1")
    first_patent.get_by_label(t("IPC codes")).fill("H01M4/505")
    # Forgot the transfer modes: the form says so and keeps what was typed.
    form.get_by_role("button", name=t("Save")).click()
    expect(page.get_by_role("alert")).to_contain_text(t("Please correct the marked fields."))
    expect(page.locator("fieldset.has-error legend")).to_contain_text(t("Transfer modes"))
    expect(form.get_by_label(label(t("Title")))).to_have_value(TITLE)

    form.get_by_label(t("Exclusive licence")).check()
    form.get_by_label(t("Assignment")).check()
    form.get_by_role("button", name=t("Save")).click()
    expect(flash(page)).to_have_text(
        t("The listing is saved as a draft. Submit it for review when it is ready.")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(status_badge(page)).to_have_text(exact(t("Draft")))
    listing_url = page.url

    page.get_by_role("button", name=t("Submit for review")).click()
    expect(flash(page)).to_have_text(t("Submitted for review."))
    expect(status_badge(page)).to_have_text(exact(t("Pending review")))

    # Not published yet: a visitor gets "not found".
    visitor = browser_page("visitor")
    response = visitor.goto(listing_url)
    assert response is not None and response.status == 404

    desk = browser_page("operator")
    log_in(desk, operator.email)
    desk.get_by_role("link", name=t("Review"), exact=True).click()
    item = desk.locator("article.review-item").filter(has_text=TITLE)
    expect(item).to_contain_text(supplier.organization.name)
    item.get_by_role("button", name=t("Publish")).click()
    expect(flash(desk)).to_have_text(t("Published."))
    expect(desk.locator("article.review-item").filter(has_text=TITLE)).to_have_count(0)

    # Everyone sees it now, in the list and on its page.
    visitor.goto("/")
    visitor.get_by_role("link", name=t("Listings"), exact=True).click()
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(status_badge(visitor)).to_have_text(exact(t("Published")))
    expect(visitor.locator(".facts")).to_contain_text("600,000")
    expect(visitor.locator("table.patents")).to_contain_text("CN202113530829.1")
