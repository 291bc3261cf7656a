"""Paper: the contract PDF and the 技术合同登记 pack of a deal's agreed terms, and the
统一社会信用代码 they name the parties by."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from marketplace.accounts import organizations
from marketplace.core.errors import Conflict, Invalid, NotFound
from marketplace.core.validators import normalize_credit_code, uscc_check_character
from marketplace.deals import paper
from marketplace.models import Deal, Organization
from marketplace.web import paper as paper_render
from tests.brokers.fixtures import agree_with_commission, deal_with_broker
from tests.deals.fixtures import parties, user, walk

PATENT = "CN202113530829.1"  # the test listing's patent (tests/conftest.py)
BUYER_CODE = "91350100M000100Y43"
SUPPLIER_CODE = "12100000400000624D"


# 统一社会信用代码 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91110000802100433B", "91440300708461136T", "12100000400000624D"],
)
def test_published_credit_codes_are_valid(code):
    assert normalize_credit_code(code) == code
    assert normalize_credit_code(f" {code.lower()} ") == code


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91350100M000100Y44", "check character"),  # one character off
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y433", "18 characters"),
        ("91350100M0001O0Y43", "except I, O"),  # a letter O where a zero belongs
        ("9135A100M000100Y43", "region code"),  # letters in the region code
    ],
)
def test_mistyped_credit_codes_are_refused(code, why):
    with pytest.raises(ValueError, match=why):
        normalize_credit_code(code)


def test_every_single_character_change_is_caught():
    """The check character (GB 32100-2015) catches any one mistyped character."""
    code = "91350100M000100Y43"
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for i in range(17):
        for c in alphabet:
            if c != code[i]:
                changed = code[:i] + c + code[i + 1 : 17]
                assert uscc_check_character(changed) != code[17], changed


def test_members_set_their_credit_code_and_it_names_one_organization(ctx, make):
    a, b = make.user("researcher"), make.user("researcher")
    organizations.update_organization(ctx, user(a), a.organization.id, {"credit_code": BUYER_CODE})
    ctx.commit()
    with pytest.raises(Invalid) as refused:
        organizations.update_organization(
            ctx, user(b), b.organization.id, {"credit_code": BUYER_CODE}
        )
    assert "credit_code" in refused.value.fields
    ctx.rollback()
    assert ctx.get(Organization, a.organization.id).credit_code == BUYER_CODE


# The contract -----------------------------------------------------------------------------


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _codes(ctx, p) -> None:
    for who, code in ((p.buyer, BUYER_CODE), (p.supplier, SUPPLIER_CODE)):
        ctx.get(Organization, who.organization.id).credit_code = code
    ctx.commit()


def test_the_contract_pdf_names_the_patent_and_carries_the_hash_on_every_page(ctx, make):
    p = parties(make)
    _codes(ctx, p)
    deal_id, broker = deal_with_broker(ctx, make, p)
    agree_with_commission(ctx, p, deal_id, commission_bp=500, may_arbitrate=True)
    terms = ctx.get(Deal, deal_id).agreed_terms
    facts = paper.contract_facts(ctx, user(p.buyer), deal_id)
    pdf = paper_render.contract_pdf(facts)
    pages = _text(pdf)
    whole = "".join(pages).replace("\n", "")
    assert PATENT in whole
    assert BUYER_CODE in whole and SUPPLIER_CODE in whole
    assert "技术许可合同" in whole and "独占许可" in whole  # license_exclusive
    assert facts.broker_name in whole and "5%" in whole  # the broker and the commission
    assert "技术经纪人" in whole and "裁决" in whole  # the arbitration clause names the broker
    for page in pages:
        assert terms.terms_hash in page.replace("\n", "")
    # The fee and commission are what the releases will take, milestone by milestone.
    assert facts.fee_and_commission == (18_000 + 12_000, 30_000 + 20_000)
    assert "合计 300 元" in whole and "合计 500 元" in whole


def test_a_long_contract_has_the_hash_on_each_of_its_pages(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "inquiry")
    from marketplace.deals import terms as deal_terms
    from tests.deals.fixtures import terms_data

    data = terms_data(tuple([10_000] * 40)) | {"note": "双方另行约定的保密条款。\n" * 40}
    deal_terms.propose_terms(ctx, user(p.supplier), deal_id, data, platform_fee_bp=300)
    ctx.commit()
    h = ctx.get(Deal, deal_id).current_terms.terms_hash
    deal_terms.confirm_terms(ctx, user(p.buyer), deal_id, h)
    deal_terms.confirm_terms(ctx, user(p.supplier), deal_id, h)
    ctx.commit()
    pages = _text(paper_render.contract_pdf(paper.contract_facts(ctx, user(p.supplier), deal_id)))
    assert len(pages) >= 3
    assert all(h in page.replace("\n", "") for page in pages)
    assert "（未填写）" in pages[0]  # no credit codes given: the paper says so


def test_only_the_deals_readers_get_its_paper_and_only_once_agreed(ctx, make):
    p = parties(make)
    negotiating = walk(ctx, p, "negotiating")
    with pytest.raises(Conflict):
        paper.contract_facts(ctx, user(p.buyer), negotiating)
    deal_id = walk(ctx, p, "agreed")
    for reader in (p.buyer, p.supplier, p.operator):
        assert paper.contract_facts(ctx, user(reader), deal_id).deal_id == deal_id
    with pytest.raises(NotFound):
        paper.contract_facts(ctx, user(p.stranger), deal_id)
    with pytest.raises(NotFound):
        paper.registration_facts(ctx, user(p.stranger), deal_id)


# 技术合同登记 ---------------------------------------------------------------------------------


def test_the_registration_pack_is_prefilled_from_the_deal(ctx, make):
    p = parties(make)
    _codes(ctx, p)
    deal_id = walk(ctx, p, "agreed")
    reg = paper.registration_facts(ctx, user(p.supplier), deal_id)
    assert (reg.contract_type, reg.contract_subtype) == ("license", "patent_license")
    assert reg.contract_amount == reg.technology_amount == 1_000_000
    assert reg.ip_types == ("invention_patent",)
    rows = dict(paper_render.registration_rows(reg))
    assert rows["合同类型"] == "技术许可"
    assert rows["成交金额"] == rows["技术交易额"] == "10,000 元"
    assert rows["知识产权类型"] == "发明专利"
    assert rows["技术领域"] == "新能源"
    assert rows["卖方统一社会信用代码"] == SUPPLIER_CODE
    assert rows["买方统一社会信用代码"] == BUYER_CODE
    assert rows["专利号"] == PATENT

    book = load_workbook(io.BytesIO(paper_render.registration_xlsx(reg)))
    sheet = dict(
        (a, b) for a, b in book.active.iter_rows(min_row=2, values_only=True) if a is not None
    )
    assert sheet["合同类型"] == "技术许可" and sheet["专利号"] == PATENT
    assert sheet["条款哈希"] == reg.contract.terms_hash

    text = "".join(_text(paper_render.registration_pdf(reg))).replace("\n", "")
    assert "技术许可" in text and PATENT in text and reg.contract.terms_hash in text


@pytest.mark.parametrize(
    ("mode", "legal_status", "expected"),
    [
        ("assignment", "granted", ("transfer", "patent_assignment")),
        ("assignment", "pending", ("transfer", "patent_application_assignment")),
        ("equity", "granted", ("transfer", "patent_assignment")),
        ("co_development", "granted", ("development", "cooperative_development")),
        ("license_nonexclusive", "granted", ("license", "patent_license")),
    ],
)
def test_the_transfer_mode_decides_the_contract_type(ctx, make, mode, legal_status, expected):
    from marketplace.deals import terms as deal_terms
    from tests.conftest import listing_payload
    from tests.deals.fixtures import terms_data

    p = parties(make)
    patents = listing_payload()["patents"]
    patents[0]["legal_status"] = legal_status
    p.listing_id = make.listing(p.supplier, status="published", patents=patents).id
    deal_id = walk(ctx, p, "inquiry")
    deal_terms.propose_terms(ctx, user(p.supplier), deal_id, terms_data() | {"transfer_mode": mode})
    ctx.commit()
    h = ctx.get(Deal, deal_id).current_terms.terms_hash
    deal_terms.confirm_terms(ctx, user(p.buyer), deal_id, h)
    deal_terms.confirm_terms(ctx, user(p.supplier), deal_id, h)
    ctx.commit()
    reg = paper.registration_facts(ctx, user(p.buyer), deal_id)
    assert (reg.contract_type, reg.contract_subtype) == expected
