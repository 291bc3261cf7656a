"""科技创新券 in three browsers: an enterprise applies for a voucher, an operator grants it
from the queue, the enterprise pays a deal partly by voucher and the rest by bank
transfer (the operator confirms it), the deal completes, the 兑付 page and its XLSX list
the supplier's redeemable amount, and the statistics page shows the deal in its charts —
with no console error under the CSP (the browser_page fixture fails on any)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from marketplace.core import ledger
from marketplace.core.localtime import local_date
from marketplace.deals import delivery
from marketplace.extensions import db
from marketplace.models import Deal, User, VoucherProgramme
from marketplace.vouchers import money
from tests.e2e.helpers import flash, label, log_in, t
from tests.vouchers.fixtures import agreed_deal, scene


def who(user_id: int) -> User:
    return db.session.get(User, user_id)


def test_a_deal_paid_partly_by_voucher_and_redeemed(app, browser_page, make):
    with app.app_context():
        s = scene(make)  # a programme (50 %), a verified enterprise, a verified university
        deal_id = agreed_deal(s)  # 30,000 + 10,000 元
        programme = db.session.get(VoucherProgramme, s.programme_id).name
        buyer_email, operator_email = s.buyer.email, s.operator.email
        supplier_id, buyer_id = s.supplier.id, s.buyer.id

    # The enterprise finds the programme and applies.
    b = browser_page("buyer")
    log_in(b, buyer_email)
    b.get_by_role("link", name=t("Vouchers"), exact=True).click()
    row = b.locator("table.voucher-programmes tr").filter(has_text=programme)
    row.get_by_role("link", name=t("Apply for a voucher")).click()
    form = b.locator("#voucher-apply")
    form.get_by_label(label(t("Amount (yuan)"))).fill("20000")
    form.get_by_label(label(t("The deal or technology service the voucher is for"))).fill(
        f"交易 {deal_id}：专利独占许可"
    )
    form.get_by_role("button", name=t("Submit the application")).click()
    expect(flash(b)).to_have_text(t("Your application is submitted; an operator reviews it."))

    # The operator grants 15,000 元 of it.
    o = browser_page("operator")
    log_in(o, operator_email)
    o.goto("/vouchers")
    o.get_by_role("link", name=t("Applications")).click()
    card = o.locator(".voucher-application").filter(has_text=f"交易 {deal_id}")
    card.get_by_label(t("Grant (yuan; empty: as applied)")).fill("15000")
    card.get_by_role("button", name=t("Grant"), exact=True).click()
    expect(flash(o)).to_have_text(t("The voucher is granted to the enterprise's wallet."))

    # The enterprise reads its wallet, then pays 12,000 元 of the deal by voucher.
    b.goto("/vouchers/mine")
    expect(b.locator("td.wallet-balance")).to_contain_text("15,000")
    b.goto(f"/deals/{deal_id}")
    voucher = b.locator("#voucher-form")
    voucher.get_by_label(t("Voucher amount (yuan)")).fill("12000")
    voucher.get_by_role("button", name=t("Pay by voucher and the rest by transfer")).click()
    expect(flash(b)).to_have_text(t("The voucher pays its part; here is how to pay the rest."))
    reference = b.locator("#payment .reference").inner_text().strip()
    expect(b.locator("#payment")).to_contain_text("28,000")

    # The operator confirms the transfer of the rest.
    o.get_by_role("link", name=t("My deals")).click()
    o.get_by_role("link", name=t("Bank transfers")).click()
    transfer = o.locator("article.review-item").filter(has_text=reference)
    transfer.get_by_label(label(t("Amount received (yuan)"))).fill("28000")
    transfer.get_by_label(label(t("Reference on the transfer"))).fill(reference)
    transfer.get_by_role("button", name=t("Confirm receipt")).click()
    expect(flash(o)).to_have_text(
        t("The transfer for deal %(deal)s is confirmed; escrow is funded.", deal=deal_id)
    )

    # Delivered and accepted (the deal pages' own browser test walks these steps).
    with app.app_context():
        for m in db.session.get(Deal, deal_id).milestones:
            delivery.deliver_milestone(db.session, who(supplier_id), deal_id, m.id, "交付")
            delivery.accept_milestone(db.session, who(buyer_id), deal_id, m.id)
        assert db.session.get(Deal, deal_id).state == "completed"
        assert ledger.check(db.session) == []
        assert money.voucher_violations(db.session) == []
        month = local_date(db.session.get(Deal, deal_id).updated_at).strftime("%Y-%m")
        year = month[:4]
    b.goto(f"/deals/{deal_id}")
    expect(b.locator("#statement .stmt-voucher")).to_contain_text("12,000")

    # 兑付: the supplier's redeemable amount, on the page and in the XLSX.
    o.goto("/vouchers")
    o.get_by_role("link", name=t("Redemption")).click()
    supplier = o.locator("table.redemption-totals tr").filter(has_text=programme)
    expect(supplier).to_contain_text("12,000")
    with o.expect_download() as got:
        o.locator("#redemption-export").click()
    book = load_workbook(io.BytesIO(open(got.value.path(), "rb").read()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][6] == t("Voucher amount (yuan)")
    lines = [r for r in rows[1:] if str(r[4]) == str(deal_id)]
    assert sum(float(r[6]) for r in lines) == 12000.0, rows

    # The statistics page shows the deal among the year's contracts.
    v = browser_page("visitor")
    v.goto(f"/statistics?period={year}")
    expect(v.locator('.stat-chart[data-drawn="1"]').first).to_be_visible()
    row = v.locator("#figure-monthly tbody tr").filter(has_text=month)
    expect(row).to_contain_text("40,000")  # the contract's amount, 技术合同成交额
