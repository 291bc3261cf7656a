"""The voucher pages, in Chinese, through a whole voucher: the operator defines and funds a
programme by the form, the enterprise applies with a document (a disguised file is
refused), the operator grants from the queue, the wallet shows it, the deal page offers it
at funding and takes part of the price, the 兑付 page lists the release and downloads it."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from marketplace.core.localtime import today
from marketplace.deals import delivery
from marketplace.deals import escrow as deal_money
from marketplace.extensions import db
from marketplace.models import Deal, Funding, VoucherApplication, VoucherProgramme
from marketplace.vouchers import redemption
from tests.vouchers.fixtures import agreed_deal, scene, user

FORM = {
    "name": "北仑区科技创新券",
    "issuing_body": "北仑区科学技术局",
    "budget": "500000",
    "reference": "BL-2026-001",
    "per_application_cap": "20000",
    "per_year_cap": "100000",
    "max_share_pct": "50",
    "supplier_kinds": ["university", "institute"],
}


def test_a_voucher_through_its_pages(app, make):
    with app.app_context():
        s = scene(make)  # a verified enterprise buyer, a verified university's listing
    o, b = app.test_client(user=s.operator), app.test_client(user=s.buyer)
    day = today().isoformat()
    end = today().replace(month=12, day=31).isoformat()

    bad = o.post(
        "/operator/vouchers", data=FORM | {"valid_from": day, "valid_to": end, "budget": ""}
    )
    assert bad.status_code == 200 and "新建创新券项目" in bad.text
    resp = o.post("/operator/vouchers", data=FORM | {"valid_from": day, "valid_to": end})
    assert resp.status_code == 303, resp.text
    with app.app_context():
        pid = db.session.scalar(
            db.select(VoucherProgramme.id).where(VoucherProgramme.name == FORM["name"])
        )
    page = b.get("/vouchers")
    assert "北仑区科技创新券" in page.text and "科技创新券" in page.text

    disguised = {"documents": (io.BytesIO(b"<html><script>x</script></html>"), "营业执照.pdf")}
    refused = b.post(
        f"/vouchers/{pid}/apply",
        data={"amount": "20000", "purpose": "购买专利许可"} | disguised,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 200 and "field-error" in refused.text
    document = {"documents": (io.BytesIO(b"%PDF-1.4\n%plan\n"), "计划书.pdf")}
    resp = b.post(
        f"/vouchers/{pid}/apply",
        data={"amount": "20000", "purpose": "购买专利许可"} | document,
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.text
    with app.app_context():
        application = db.session.scalar(
            db.select(VoucherApplication).where(VoucherApplication.programme_id == pid)
        )
        assert application.documents[0]["filename"] == "计划书.pdf"
        aid = application.id

    queue = o.get("/operator/vouchers/applications")
    assert "购买专利许可" in queue.text and "计划书.pdf" in queue.text
    resp = o.post(f"/operator/vouchers/applications/{aid}/refuse", data={"reason": ""})
    assert resp.status_code == 303
    resp = o.post(f"/operator/vouchers/applications/{aid}/grant", data={"amount": "15000"})
    assert resp.status_code == 303
    mine = b.get("/vouchers/mine")
    assert "15,000" in mine.text and "已批准" in mine.text

    with app.app_context():
        deal_id = agreed_deal(s)  # 40,000 元
    deal_page = b.get(f"/deals/{deal_id}")
    assert "使用创新券抵扣部分价款" in deal_page.text
    resp = b.post(
        f"/deals/{deal_id}/voucher-funding",
        data={"programme_id": str(pid), "voucher_amount": "12000"},
    )
    assert resp.status_code == 303
    with app.app_context():
        funding = db.session.scalar(db.select(Funding).where(Funding.deal_id == deal_id))
        assert funding.amount == 4_000_000 - 1_200_000
        deal_money.confirm_bank_transfer(
            db.session,
            user(s.operator),
            deal_id,
            reference=funding.reference,
            amount=funding.amount,
        )
        for m in db.session.get(Deal, deal_id).milestones:
            delivery.deliver_milestone(db.session, user(s.supplier), deal_id, m.id, "交付")
            delivery.accept_milestone(db.session, user(s.buyer), deal_id, m.id)
        period = redemption.current_month(db.session.get(Deal, deal_id).updated_at)
    statement = b.get(f"/deals/{deal_id}").text
    assert "创新券抵扣" in statement and "12,000" in statement

    page = o.get(f"/operator/vouchers/redemption?period={period}")
    assert "北仑区科技创新券" in page.text and "12,000" in page.text
    xlsx = o.get(f"/operator/vouchers/redemption?period={period}&format=xlsx")
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert "创新券金额（元）" in rows[0] and "统一社会信用代码" in rows[0]
    mine = [r for r in rows[1:] if str(deal_id) in (str(r[4]),)]
    assert [r[6] for r in mine] == ["9000.00", "3000.00"], rows  # 30,000 and 10,000 元 released
    assert b.get("/operator/vouchers/redemption").status_code == 403
