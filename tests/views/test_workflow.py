"""Submit, review, publish and reject through the pages."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import Listing, Organization
from tests.views.conftest import text


def status_of(app, model, item_id):
    with app.app_context():
        return db.session.get(model, item_id).status


def test_submit_then_operator_publishes_then_everyone_sees_it(app, make):
    owner = make.user()
    item = make.listing(owner, title="待发布的成果")
    anonymous = app.test_client()
    assert "待发布的成果" not in text(anonymous.get("/listings"))

    owner_client = app.test_client(user=owner)
    response = owner_client.post(f"/listings/{item.id}/submit", follow_redirects=True)
    assert "已提交审核" in text(response)
    assert status_of(app, Listing, item.id) == "pending_review"

    operator = app.test_client(user=make.operator())
    queue = text(operator.get("/review"))
    assert "待发布的成果" in queue
    response = operator.post(
        f"/listings/{item.id}/publish", data={"next": "/review"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/review")
    assert status_of(app, Listing, item.id) == "published"
    assert "待发布的成果" in text(anonymous.get("/listings"))
    assert "待发布的成果" not in text(operator.get("/review"))


def test_owner_cannot_publish_their_own_listing(app, make):
    owner = make.user()
    item = make.listing(owner, status="pending_review")
    response = app.test_client(user=owner).post(f"/listings/{item.id}/publish")
    assert response.status_code == 403
    assert status_of(app, Listing, item.id) == "pending_review"


def test_reject_needs_a_reason(app, make, english):
    owner = make.user()
    item = make.listing(owner, status="pending_review")
    operator = english(make.operator())
    response = operator.post(
        f"/listings/{item.id}/reject",
        data={"reason": "  ", "next": "/review"},
        follow_redirects=True,
    )
    assert "Say why it is rejected" in text(response)
    assert status_of(app, Listing, item.id) == "pending_review"

    operator.post(f"/listings/{item.id}/reject", data={"reason": "缺少专利证书扫描件"})
    assert status_of(app, Listing, item.id) == "rejected"
    html = text(app.test_client(user=owner).get(f"/listings/{item.id}"))
    assert "缺少专利证书扫描件" in html and "已驳回" in html


def test_detail_shows_only_the_allowed_actions(app, make):
    owner = make.user()
    item = make.listing(owner, status="published")
    owner_html = text(app.test_client(user=owner).get(f"/listings/{item.id}"))
    assert f"/listings/{item.id}/close" in owner_html
    assert f"/listings/{item.id}/withdraw" in owner_html
    assert f"/listings/{item.id}/publish" not in owner_html
    operator_html = text(app.test_client(user=make.operator()).get(f"/listings/{item.id}"))
    assert f"/listings/{item.id}/reject" in operator_html
    assert f"/listings/{item.id}/close" not in operator_html
    anonymous_html = text(app.test_client().get(f"/listings/{item.id}"))
    assert "/close" not in anonymous_html and "/reject" not in anonymous_html


def test_demand_workflow_uses_the_same_pages(app, make):
    owner = make.user("enterprise_member")
    item = make.demand(owner)
    app.test_client(user=owner).post(f"/demands/{item.id}/submit")
    operator = app.test_client(user=make.operator())
    assert "两轮车换电柜" in text(operator.get("/review"))
    operator.post(f"/demands/{item.id}/publish")
    assert "两轮车换电柜" in text(app.test_client().get("/demands"))


def test_review_page_is_for_operators_only(app, make, client):
    assert app.test_client(user=make.user()).get("/review").status_code == 403
    assert client.get("/review").status_code == 302  # anonymous: log in first
    assert app.test_client(user=make.operator()).get("/review").status_code == 200


def test_organization_verification_request_and_decision(app, make):
    member = make.user()
    client = app.test_client(user=member)
    html = text(client.get("/my/organization"))
    assert "申请实名认证" in html
    client.post("/my/organization/verification")
    org_id = member.organization_id
    with app.app_context():
        assert db.session.get(Organization, org_id).verification_status == "pending"

    operator = app.test_client(user=make.operator())
    assert f"/review/organizations/{org_id}/verify" in text(operator.get("/review"))
    operator.post(f"/review/organizations/{org_id}/reject", data={"note": ""})
    with app.app_context():
        assert db.session.get(Organization, org_id).verification_status == "pending"
    operator.post(f"/review/organizations/{org_id}/verify")
    with app.app_context():
        assert db.session.get(Organization, org_id).verification_status == "verified"
    assert (
        app.test_client(user=member).post(f"/review/organizations/{org_id}/verify").status_code
        == 403
    )


def test_my_organization_lists_everything_it_posted(app, make):
    owner = make.user()
    make.listing(owner, status="draft", title="我的草稿")
    make.listing(owner, status="rejected", title="被驳回的")
    make.demand(owner, status="published", title="我的需求")
    make.listing(make.user(), status="published", title="别人的成果")
    html = text(app.test_client(user=owner).get("/my/organization"))
    assert "我的草稿" in html and "被驳回的" in html and "我的需求" in html
    assert "test reason" in html  # the rejection reason
    assert "别人的成果" not in html
