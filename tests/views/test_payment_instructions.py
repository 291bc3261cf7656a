"""Real payment instructions: no escrow account configured means no placeholder account
shown, a clear sentence for the buyer and a warning for operators; payouts show payee,
bank, account and remark in the page's language."""

from __future__ import annotations

import pytest

import payments
from marketplace.deals import delivery as deal_delivery
from marketplace.extensions import db
from marketplace.models import Deal, Organization, PayoutInstruction
from payments.offline import BankAccount, OfflineProvider
from tests.deals.fixtures import deliver, parties, user, walk

NOT_SET_UP_ZH = "支付方式尚未配置，请联系平台"
NOT_SET_UP_EN = "Payment is not set up yet; please contact the platform."


@pytest.fixture
def unconfigured(app, monkeypatch):
    """The app as deployed without OFFLINE_BANK_*."""
    monkeypatch.setitem(app.extensions, "payments_gateway", payments.gateway_from_config({}))


def test_the_offline_provider_has_no_placeholder_account():
    account = BankAccount()
    assert not account.configured and (account.bank, account.holder, account.number) == ("",) * 3
    with pytest.raises(payments.NotConfigured):
        OfflineProvider().create_funding(Deal(id=1, title="x"), 100, "CNY", "k")
    assert not payments.gateway_from_config({}).funding_configured()
    configured = {"OFFLINE_BANK_NAME": "b", "OFFLINE_BANK_HOLDER": "h", "OFFLINE_BANK_ACCOUNT": "1"}
    assert payments.gateway_from_config(configured).funding_configured()


def test_without_an_escrow_account_the_buyer_is_told_and_operators_warned(app, make, unconfigured):
    p = parties(make)
    with app.app_context():
        deal_id = walk(db.session, p, "agreed")
    buyer = app.test_client(user=p.buyer)
    page = buyer.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert NOT_SET_UP_ZH in page
    assert "configure" not in page.lower() and "OFFLINE_BANK" not in page
    assert f"/deals/{deal_id}/funding" not in page  # no pay button
    # Asking anyway (an old page, the API) is refused with the same sentence.
    r = buyer.post(f"/deals/{deal_id}/funding", follow_redirects=True)
    assert NOT_SET_UP_ZH in r.get_data(as_text=True)
    r = buyer.post(f"/api/v1/deals/{deal_id}/funding")
    assert r.status_code == 409 and r.json["error"]["message"] == NOT_SET_UP_EN
    page = buyer.get(f"/deals/{deal_id}?lang=en").get_data(as_text=True)
    assert NOT_SET_UP_EN in page
    operator = app.test_client(user=p.operator)
    for path in ("/operator/funding", "/operator/payouts"):
        page = operator.get(path + "?lang=zh_CN").get_data(as_text=True)
        assert "支付方式尚未配置。" in page and "OFFLINE_BANK_ACCOUNT" in page


def test_with_an_escrow_account_nobody_is_warned(app, make):
    p = parties(make)
    with app.app_context():
        deal_id = walk(db.session, p, "agreed")
    page = app.test_client(user=p.buyer).get(f"/deals/{deal_id}").get_data(as_text=True)
    assert NOT_SET_UP_ZH not in page and f"/deals/{deal_id}/funding" in page
    page = app.test_client(user=p.operator).get("/operator/payouts").get_data(as_text=True)
    assert "支付方式尚未配置" not in page


def test_payouts_show_payee_bank_account_and_remark_in_the_pages_language(app, make):
    p = parties(make)
    with app.app_context():
        s = db.session
        deal_id = walk(s, p, "funded")
        milestone = s.get(Deal, deal_id).milestones[0]
        deliver(s, p, deal_id, milestone.id)
        deal_delivery.accept_milestone(s, user(p.buyer), deal_id, milestone.id)
        s.commit()
        payout = s.scalars(db.select(PayoutInstruction)).one()
        details = dict(payout.details)
        supplier = s.get(Organization, p.supplier.organization_id)
        name = supplier.name
    assert details["payee"] == name and details["amount"] == 582_000  # 600,000 less 3 %
    assert details["remark"].startswith(f"TM-{deal_id}-P") and details["method"] == "bank_transfer"
    operator = app.test_client(user=p.operator)
    page = operator.get("/operator/payouts").get_data(as_text=True)
    assert "收款方" in page and "转账附言" in page and details["remark"] in page
    assert "尚未登记收款银行账户" in page  # nothing on record yet: the operator is told
    assert "Pay 5,820.00" not in page and "deal:" not in page  # no English sentence, no raw key

    r = operator.post(
        f"/operator/organizations/{p.supplier.organization_id}/payout-bank-account",
        data={"bank": "中国银行宁波分行", "account_holder": name, "account_number": "6222 0001"},
    )
    assert r.status_code == 303
    page = operator.get("/operator/payouts").get_data(as_text=True)
    assert "中国银行宁波分行" in page and "6222 0001" in page
    assert "尚未登记收款银行账户" not in page
    page = operator.get("/operator/payouts?lang=en").get_data(as_text=True)
    assert "Payee" in page and "Transfer remark" in page and "6222 0001" in page
    # The API hands the same data to scripts.
    (listed,) = operator.get("/api/v1/deals/payouts").json
    assert listed["details"]["remark"] == details["remark"]


def test_only_operators_record_a_bank_account_and_it_is_all_or_nothing(app, make):
    p = parties(make)
    org = p.supplier.organization_id
    url = f"/api/v1/organizations/{org}/payout-bank-account"
    body = {"bank": "中国银行", "account_holder": "某大学", "account_number": "6222"}
    assert app.test_client(user=p.supplier).put(url, json=body).status_code == 403
    operator = app.test_client(user=p.operator)
    half = operator.put(url, json=body | {"account_number": ""})
    assert half.status_code == 422 and "account_number" in half.json["error"]["fields"]
    assert operator.put(url, json=body).json["account_number"] == "6222"
    cleared = operator.put(url, json={k: "" for k in body})
    assert cleared.json == {
        "organization_id": org,
        "bank": "",
        "account_holder": "",
        "account_number": "",
    }
