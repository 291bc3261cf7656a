"""Creating and editing listings and demands through the HTML forms."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Demand, Listing
from tests.views.conftest import demand_form, field_error, listing_form, text


def only_listing(app) -> Listing | None:
    with app.app_context():
        rows = db.session.scalars(select(Listing)).all()
        assert len(rows) <= 1
        if rows:
            rows[0].patents  # noqa: B018 - load before the context ends
        return rows[0] if rows else None


def test_create_listing_through_the_form(app, make):
    owner = make.user()
    client = app.test_client(user=owner)
    assert client.get("/listings/new").status_code == 200
    response = client.post("/listings/new", data=listing_form())
    assert response.status_code == 303
    listing = only_listing(app)
    assert response.headers["Location"].endswith(f"/listings/{listing.id}")
    assert listing.status == "draft" and listing.organization_id == owner.organization_id
    assert listing.price_amount == 60_000_000  # 600000 元 in fen
    assert listing.tags == ["钠离子电池", "正极材料"]
    assert listing.transfer_modes == ["assignment", "license_exclusive"]
    assert [p.patent_number for p in listing.patents] == ["CN202113530829.1"]
    patent = listing.patents[0]
    assert patent.patent_type == "invention"  # read from the number
    assert patent.ipc_codes == ["H01M4/505", "H01M10/054"]
    assert patent.inventors == ["张伟", "朱琳"]
    html = text(client.get(response.headers["Location"]))
    assert "草稿" in html and "提交审核" in html and "删除草稿" in html


def test_wrong_check_digit_rerenders_the_form_with_the_message(english, make):
    client = english(make.user())
    response = client.post(
        "/listings/new",
        data=listing_form(title="我输入的标题", **{"patents-0-patent_number": "CN202113530829.2"}),
    )
    assert response.status_code == 422
    html = text(response)
    assert any("check digit" in message for message in field_error(html))
    assert 'value="我输入的标题"' in html
    assert 'value="CN202113530829.2"' in html
    assert 'value="600000"' in html


def test_wrong_check_digit_message_in_chinese(app, make):
    client = app.test_client(user=make.user())
    response = client.post(
        "/listings/new", data=listing_form(**{"patents-0-patent_number": "CN202113530829.2"})
    )
    assert response.status_code == 422
    assert any("校验位" in message for message in field_error(text(response)))


def test_an_error_in_the_second_patent_block_is_shown_there(english, make):
    client = english(make.user())
    data = listing_form(
        **{
            "patents-0-patent_number": "",
            "patents-0-ipc_codes": "",
            "patents-0-applicant": "",
            "patents-0-inventors": "",
            "patents-0-filing_date": "",
            "patents-0-abstract": "",
            "patents-0-first_claim": "",
            "patents-1-patent_number": "CN202113530829.1",
            "patents-1-ipc_codes": "not-an-ipc",
        }
    )
    html = text(client.post("/listings/new", data=data))
    block = html.split('name="patents-1-ipc_codes"')[1].split("patents-1-filing_date")[0]
    assert "is not an IPC code" in block


def test_price_with_three_decimals_is_a_field_error(english, make, app):
    client = english(make.user())
    response = client.post("/listings/new", data=listing_form(price_amount="12.345"))
    assert response.status_code == 422
    html = text(response)
    price_field = html.split('name="price_amount"')[1].split("</div>")[0]
    assert "Too many decimal places" in price_field
    assert only_listing(app) is None


def test_fixed_price_needs_an_amount(english, make, app):
    response = english(make.user()).post("/listings/new", data=listing_form(price_amount=""))
    assert response.status_code == 422
    assert "A fixed or auction price needs an amount." in field_error(text(response))
    assert only_listing(app) is None


def test_missing_choices_are_reported_in_chinese(app, make):
    client = app.test_client(user=make.user())
    response = client.post("/listings/new", data=listing_form(domain="", trl="", transfer_modes=[]))
    assert response.status_code == 422
    messages = field_error(text(response))
    assert "必填。" in messages and len(messages) >= 3


def test_edit_listing_keeps_values_and_saves(app, make):
    owner = make.user()
    item = make.listing(owner, status="draft")
    client = app.test_client(user=owner)
    html = text(client.get(f"/listings/{item.id}/edit"))
    assert 'value="600000"' in html and 'value="CN202113530829.1"' in html
    assert 'value="H01M4/505 H01M10/054"' in html
    response = client.post(
        f"/listings/{item.id}/edit", data=listing_form(title="改过的标题", price_type="negotiable")
    )
    assert response.status_code == 303
    listing = only_listing(app)
    assert listing.title == "改过的标题" and listing.price_amount is None


def test_other_organizations_cannot_edit(app, make):
    item = make.listing(make.user(), status="published")
    stranger = app.test_client(user=make.user())
    assert stranger.get(f"/listings/{item.id}/edit").status_code == 403
    assert stranger.post(f"/listings/{item.id}/edit", data=listing_form()).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/listings/new")
    assert response.status_code == 302
    assert "/login?next=/listings/new" in response.headers["Location"]


def test_delete_draft(app, make):
    owner = make.user()
    item = make.listing(owner, status="draft")
    client = app.test_client(user=owner)
    response = client.post(f"/listings/{item.id}/delete")
    assert response.status_code == 303
    assert only_listing(app) is None


def test_a_submitted_listing_cannot_be_deleted(app, make):
    owner = make.user()
    item = make.listing(owner, status="pending_review")
    response = app.test_client(user=owner).post(f"/listings/{item.id}/delete")
    assert response.status_code == 409
    assert only_listing(app) is not None


def test_create_demand_through_the_form(app, make):
    owner = make.user("enterprise_member")
    client = app.test_client(user=owner)
    response = client.post("/demands/new", data=demand_form())
    assert response.status_code == 303
    with app.app_context():
        demand = db.session.scalars(select(Demand)).one()
        assert demand.status == "draft"
        assert (demand.budget_min, demand.budget_max) == (50_000_000, 200_000_000)
        assert demand.deadline.isoformat() == "2027-01-28"


def test_demand_budget_errors(english, make, app):
    client = english(make.user("enterprise_member"))
    response = client.post("/demands/new", data=demand_form(budget_min="3000000", budget_max="1,0"))
    assert response.status_code == 422
    assert "The maximum budget is below the minimum." in field_error(text(response))
    response = client.post("/demands/new", data=demand_form(budget_max="-5"))
    assert "Must not be negative" in field_error(text(response))
    with app.app_context():
        assert db.session.scalars(select(Demand)).first() is None


def test_edit_demand_form_shows_budget_in_yuan(app, make):
    owner = make.user("enterprise_member")
    item = make.demand(owner)
    html = text(app.test_client(user=owner).get(f"/demands/{item.id}/edit"))
    assert 'value="500000"' in html and 'value="2000000"' in html
    assert 'value="co_development" checked' in html
