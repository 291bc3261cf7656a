"""Refusals carry a code, a template and its values: the API says the English, pages say
the template's translation with the values filled in (labels, money), never by reading
the English sentence."""

from __future__ import annotations

import copy
import pickle

import pytest

from marketplace.core.errors import Conflict, Invalid
from marketplace.core.messages import N_, Message
from marketplace.core.money import Amount
from marketplace.deals import labels
from tests.views.conftest import text

DEALS = "/api/v1/deals"


def state_conflict() -> Conflict:
    return Conflict(
        N_("Cannot %(action)s a deal that is %(state)s."),
        code="deal_state",
        action="request_funding",
        state=labels.term("state", "negotiating"),
    )


def test_an_error_keeps_its_code_template_and_values(app):
    exc = state_conflict()
    assert (exc.status, exc.code) == (409, "deal_state")
    assert exc.message == "Cannot request_funding a deal that is negotiating."
    assert exc.template == "Cannot %(action)s a deal that is %(state)s."
    assert exc.params["state"] == "negotiating"
    assert Conflict(N_("The deal has no broker.")).code == "conflict"  # the class's code
    with app.test_request_context("/?lang=zh_CN"):
        assert exc.translated() == "交易处于“洽谈中”状态，无法进行此操作。"
    with app.test_request_context("/?lang=en"):
        assert exc.translated() == "This is not possible while the deal is “Negotiating”."


def test_field_messages_translate_with_their_values(app):
    exc = Invalid(
        {
            "milestones": Message(
                N_("The milestone amounts sum to %(total)s, not to the price %(price)s."),
                total=Amount(90_000_000),
                price=Amount(100_000_000),
            )
        }
    )
    # The API's text is unchanged: amounts in minor units.
    assert exc.fields == {
        "milestones": ["The milestone amounts sum to 90000000, not to the price 100000000."]
    }
    with app.test_request_context("/?lang=zh_CN"):
        assert exc.translated_fields() == {
            "milestones": ["里程碑金额合计 900,000 元，与价格 1,000,000 元 不符。"]
        }


def test_a_message_survives_copy_and_pickle(app):
    message = state_conflict().message
    for again in (copy.deepcopy(message), pickle.loads(pickle.dumps(message))):
        assert again == message and again.template == message.template
        with app.test_request_context("/?lang=zh_CN"):
            assert again.translated() == message.translated()


@pytest.fixture
def inquiry(app, make):
    supplier = make.user("researcher")
    listing = make.listing(supplier, status="published")
    buyer = app.test_client(user=make.user("enterprise_member"))
    r = buyer.post(DEALS, json={"listing_id": listing.id})
    assert r.status_code == 201, r.json
    return buyer, r.json["id"]


def test_a_refusal_on_a_page_is_the_translated_template_with_its_value(inquiry):
    buyer, deal_id = inquiry
    response = buyer.post(f"/deals/{deal_id}/funding")
    assert response.status_code == 303
    page = text(buyer.get(f"/deals/{deal_id}"))
    # The deal's state is a value of the template, shown by its label.
    assert "交易处于“咨询”状态，无法进行此操作。" in page
    assert "Cannot request_funding" not in page


def test_the_api_answers_the_english_message_with_the_code(inquiry):
    buyer, deal_id = inquiry
    r = buyer.post(f"{DEALS}/{deal_id}/funding")
    assert r.status_code == 409
    assert r.json == {
        "error": {
            "status": 409,
            "code": "deal_state",
            "message": "Cannot request_funding a deal that is inquiry."
            " Funding is requested once both parties agreed the terms.",
        }
    }
    body = {
        "price": 100_000_000,
        "currency": "CNY",
        "transfer_mode": "license_exclusive",
        "milestones": [{"title": "阶段 1", "amount": 90_000_000, "due_date": "2027-03-01"}],
    }
    r = buyer.post(f"{DEALS}/{deal_id}/terms", json=body)
    assert r.status_code == 422
    assert r.json["error"]["code"] == "validation_error"
    assert r.json["error"]["message"] == "The input is not valid."
    assert r.json["error"]["fields"] == {
        "milestones": ["The milestone amounts sum to 90000000, not to the price 100000000."]
    }


def test_a_refusal_by_role_on_a_page_names_the_roles_and_the_action_by_their_labels(app, make):
    """The lifecycle's words (deals/labels.py) fill the template: the supplier, refused a
    buyer's action, reads the role and the action in Chinese, with no English code."""
    supplier = make.user("researcher")
    listing = make.listing(supplier, status="published")
    buyer = app.test_client(user=make.user("enterprise_member"))
    deal_id = buyer.post(DEALS, json={"listing_id": listing.id}).json["id"]
    seller = app.test_client(user=supplier)
    assert seller.post(f"/deals/{deal_id}/funding").status_code == 303
    page = text(seller.get(f"/deals/{deal_id}"))
    assert "只有买方可以申请付款信息。" in page
    assert "Only the" not in page and "may request_funding" not in page
    # The API keeps its English, with the codes.
    r = seller.post(f"{DEALS}/{deal_id}/funding")
    assert r.status_code == 403
    assert r.json["error"]["message"] == "Only the buyer may request_funding."


def test_a_publication_refusal_on_a_page_is_in_chinese(app, make):
    owner = make.user("researcher")
    listing = make.listing(owner, status="published")
    member = app.test_client(user=owner)
    response = member.post(f"/listings/{listing.id}/submit")
    assert response.status_code == 409
    page = text(response)
    assert "技术成果当前为“已发布”，不能提交审核。" in page
    assert "Cannot submit" not in page and "that is published" not in page
