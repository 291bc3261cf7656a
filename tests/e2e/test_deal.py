"""A deal in three browsers: the buyer asks, the supplier proposes terms, both confirm, the
buyer pays by bank transfer and the operator confirms receipt, funding the escrow."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import exact, flash, label, log_in, t

TITLE = "钠离子电池正极材料"


def deal_state(page: Page):
    return page.locator(".deal-head .meta-line .badge").first


def milestone(page: Page, number: int, field: str):
    return page.get_by_label(f"{t('Milestone %(number)s', number=number)} {t(field)}", exact=True)


def test_a_deal_through_agreement_and_bank_transfer_funding(browser_page, make, e2e_search):
    supplier = make.user("researcher", display_name="李娜")
    listing = make.listing(supplier, status="published", title=TITLE)
    buyer = make.user("enterprise_member", display_name="王强")
    operator = make.operator()

    # The buyer asks about the listing.
    b = browser_page("buyer")
    log_in(b, buyer.email)
    b.goto(f"/listings/{listing.id}")
    contact = b.locator("#contact")
    contact.get_by_label(t("Your first message")).fill("可以独家许可吗？")
    contact.get_by_role("button", name=t("Start a deal")).click()
    expect(flash(b)).to_have_text(t("Your inquiry is sent. Negotiate here."))
    expect(deal_state(b)).to_have_text(exact(t("Inquiry")))
    deal_id = int(re.search(r"/deals/(\d+)$", b.url).group(1))

    # The supplier finds it among their deals and proposes terms in two milestones.
    s = browser_page("supplier")
    log_in(s, supplier.email)
    s.get_by_role("link", name=t("My deals")).click()
    s.get_by_role("link", name=TITLE).first.click()
    expect(s).to_have_url(re.compile(rf"/deals/{deal_id}$"))
    expect(s.locator(".thread")).to_contain_text("可以独家许可吗？")
    s.get_by_label(label(t("Price (yuan)"))).fill("1000000")
    s.get_by_label(label(t("Transfer mode"))).select_option("license_exclusive")
    milestone(s, 1, "Title").fill("样品与工艺包交付")
    milestone(s, 1, "Amount (yuan)").fill("600000")
    milestone(s, 1, "Due date").fill("2027-03-01")
    milestone(s, 2, "Title").fill("技术培训")
    milestone(s, 2, "Amount (yuan)").fill("300000")
    s.get_by_role("button", name=t("Propose these terms")).click()
    # The amounts do not add up to the price: the form says so and keeps the rows.
    expect(s.locator("#propose [role=alert]")).to_be_visible()
    expect(milestone(s, 2, "Title")).to_have_value("技术培训")
    milestone(s, 2, "Amount (yuan)").fill("400000")
    s.get_by_role("button", name=t("Propose these terms")).click()
    expect(flash(s)).to_have_text(
        t("Your terms are proposed. Both parties confirm them to agree the contract.")
    )
    expect(deal_state(s)).to_have_text(exact(t("Negotiating")))
    s.get_by_role("button", name=t("Confirm version %(number)s", number=1)).click()
    expect(flash(s)).to_have_text(t("You confirmed these terms."))

    # The buyer sees the same version and confirms it: the contract is agreed.
    b.reload()
    terms = b.locator(".terms-version.is-current")
    expect(terms.locator(".price")).to_contain_text("1,000,000")
    expect(terms).to_contain_text("样品与工艺包交付")
    b.get_by_role("button", name=t("Confirm version %(number)s", number=1)).click()
    expect(deal_state(b)).to_have_text(exact(t("Contract agreed")))

    # The buyer asks how to pay and gets the bank details with a unique reference.
    pay = b.locator("form.pay-form").get_by_role("button")
    expect(pay).to_contain_text("1,000,000")
    pay.click()
    expect(flash(b)).to_have_text(
        t("Here is how to pay. The escrow is funded once the platform receives the money.")
    )
    reference = b.locator("#payment .reference").inner_text().strip()
    assert re.fullmatch(rf"TM-{deal_id}-[2-9A-Z]{{8}}", reference), reference

    # The operator sees the transfer arrive and confirms it; a wrong amount is refused first.
    o = browser_page("operator")
    log_in(o, operator.email)
    o.get_by_role("link", name=t("My deals")).click()
    o.get_by_role("link", name=t("Bank transfers")).click()
    transfer = o.locator("article.review-item").filter(has_text=reference)
    transfer.get_by_label(label(t("Amount received (yuan)"))).fill("999999")
    transfer.get_by_label(label(t("Reference on the transfer"))).fill(reference)
    transfer.get_by_role("button", name=t("Confirm receipt")).click()
    transfer = o.locator("article.review-item").filter(has_text=reference)
    expect(transfer.locator(".field.has-error .field-error")).to_have_count(1)
    transfer.get_by_label(label(t("Amount received (yuan)"))).fill("1000000")
    transfer.get_by_role("button", name=t("Confirm receipt")).click()
    expect(flash(o)).to_have_text(
        t("The transfer for deal %(deal)s is confirmed; escrow is funded.", deal=deal_id)
    )
    expect(o.get_by_text(t("No bank transfer is waiting."))).to_be_visible()

    # Both parties see the escrow funded and the money held.
    for page in (b, s):
        page.reload()
        expect(deal_state(page)).to_have_text(exact(t("Escrow funded")))
        statement = page.locator("#statement")
        expect(statement.locator(".stmt-funded dd")).to_contain_text("1,000,000")
        expect(statement.locator(".stmt-held dd")).to_contain_text("1,000,000")
        expect(statement.locator(".stmt-released dd")).to_contain_text("0")
