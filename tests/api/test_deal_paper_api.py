"""The deal's paper through the API and the deal page: the contract PDF and the 技术合同登记
pack, and the 统一社会信用代码 they print."""

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.api import test_deals_api
from tests.api.test_deals_api import URL, agreed_deal, ok

cast = test_deals_api.cast  # the same cast of users and clients as the deal API tests

PATENT = "CN202113530829.1"  # the test listing's patent (tests/conftest.py)
CODE = "91350100M000100Y43"


def pdf_text(body: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).replace("\n", "")


def test_parties_and_operators_download_the_contract_of_the_agreed_terms(cast):
    c = cast
    supplier_org = c["users"]["supplier"].organization.id
    ok(c["supplier"].patch(f"/api/v1/organizations/{supplier_org}", json={"credit_code": CODE}))
    did = agreed_deal(c)
    terms_hash = ok(c["buyer"].get(f"{URL}/{did}"))["current_terms_hash"]
    for who in ("buyer", "supplier", "operator"):
        r = c[who].get(f"{URL}/{did}/contract.pdf")
        assert r.status_code == 200 and r.mimetype == "application/pdf"
        assert r.headers["Content-Disposition"].startswith("attachment;")
        assert r.headers["Cache-Control"] == "private, no-store"
        text = pdf_text(r.data)
        assert PATENT in text and terms_hash in text and CODE in text
    for who in ("stranger", "researcher"):
        r = c[who].get(f"{URL}/{did}/contract.pdf")
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    assert c["anonymous"].get(f"{URL}/{did}/contract.pdf").status_code == 401

    r = c["supplier"].get(f"{URL}/{did}/registration.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = {a: b for a, b in sheet.iter_rows(min_row=2, values_only=True) if a}
    assert rows["合同类型"] == "技术许可" and rows["卖方统一社会信用代码"] == CODE
    r = c["buyer"].get(f"{URL}/{did}/registration.pdf")
    assert r.status_code == 200 and "技术交易额" in pdf_text(r.data)


def test_no_paper_before_the_terms_are_agreed(cast):
    c = cast
    did = ok(c["buyer"].post(URL, json={"listing_id": c["listing_id"]}), 201)["id"]
    r = c["buyer"].get(f"{URL}/{did}/contract.pdf")
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    assert c["buyer"].get(f"{URL}/{did}/registration.xlsx").status_code == 409
    assert c["buyer"].get(f"{URL}/{did}/registration.doc").status_code == 404


def test_the_credit_code_is_checked_and_shown(cast):
    c = cast
    org = c["users"]["supplier"].organization.id
    bad = c["supplier"].patch(
        f"/api/v1/organizations/{org}", json={"credit_code": "91350100M000100Y44"}
    )
    assert bad.status_code == 422 and "credit_code" in bad.json["error"]["fields"]
    shown = ok(
        c["supplier"].patch(f"/api/v1/organizations/{org}", json={"credit_code": CODE.lower()})
    )
    assert shown["credit_code"] == CODE
    other = c["users"]["researcher"].organization.id
    taken = c["researcher"].patch(f"/api/v1/organizations/{other}", json={"credit_code": CODE})
    assert taken.status_code == 422 and "credit_code" in taken.json["error"]["fields"]
    cleared = ok(c["supplier"].patch(f"/api/v1/organizations/{org}", json={"credit_code": ""}))
    assert cleared["credit_code"] is None


def test_the_deal_page_links_the_paper_once_agreed(cast):
    c = cast
    did = ok(c["buyer"].post(URL, json={"listing_id": c["listing_id"]}), 201)["id"]
    assert f"/deals/{did}/contract.pdf" not in c["buyer"].get(f"/deals/{did}").get_data(True)
    did = agreed_deal(c)
    page = c["buyer"].get(f"/deals/{did}").get_data(as_text=True)
    assert f"/deals/{did}/contract.pdf" in page and f"/deals/{did}/registration.xlsx" in page
    r = c["buyer"].get(f"/deals/{did}/contract.pdf")
    assert r.status_code == 200 and PATENT in pdf_text(r.data)
    assert c["stranger"].get(f"/deals/{did}/registration.pdf").status_code == 404


def test_members_give_their_credit_code_on_the_organization_page(cast):
    c = cast
    r = c["supplier"].post("/my/organization/credit-code", data={"credit_code": "9135"})
    assert r.status_code == 303
    page = c["supplier"].get("/my/organization").get_data(as_text=True)
    assert "统一社会信用代码为 18 位。" in page and CODE not in page  # the flash, in Chinese
    c["supplier"].post("/my/organization/credit-code", data={"credit_code": CODE})
    page = c["supplier"].get("/my/organization").get_data(as_text=True)
    assert "统一社会信用代码已保存。" in page and f'value="{CODE}"' in page
