"""The organization page's members part, the invitation link's page, asking to join, and
the verification documents as operators see them — in Chinese first."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import JoinRequest, OrganizationDocument, User
from tests import mails
from tests.conftest import PASSWORD


@pytest.fixture
def mailbox(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path / "mail"))
    return lambda: mails.messages(tmp_path / "mail")


@pytest.fixture
def people(make):
    org = make.organization("university", name="甲大学")
    admin = make.user("researcher", organization=org, email="admin@jia.edu")
    member = make.user("researcher", organization=org, email="member@jia.edu")
    return org, admin, member


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def test_the_admin_sees_the_invite_form_and_a_member_only_the_list(app, people):
    org, admin, member = people
    page = app.test_client(user=admin).get("/my/organization").get_data(as_text=True)
    for text in ("成员", "邀请同事", "加入申请", "认证材料", "member@jia.edu", "管理员"):
        assert text in page, text
    page = app.test_client(user=member).get("/my/organization").get_data(as_text=True)
    assert "member@jia.edu" in page and "admin@jia.edu" in page
    assert "发送邀请" not in page and "材料类型" not in page and "离开本机构" in page


def test_an_invitation_from_the_page_to_a_new_account(app, people, mailbox):
    org, admin, _ = people
    admin_client = app.test_client(user=admin)
    r = admin_client.post(
        "/my/organization/invitations", data={"email": "new@jia.edu", "role": "member"}
    )
    assert r.status_code == 303
    assert ("success", "邀请已发送至 new@jia.edu。") in flashes(admin_client)
    [(to, body)] = [m for m in mailbox() if m[0] == "new@jia.edu"]
    assert "邀请您以成员身份加入" in body and "甲大学" in body
    path = re.search(r"https?://[^/\s]+(/invitations/\S+)", body).group(1)
    guest = app.test_client()
    page = guest.get(path).get_data(as_text=True)
    assert "加入 甲大学" in page and "创建账户并加入" in page
    # A mail scanner's GET decided nothing; a bad form comes back with field messages.
    r = guest.post(path, data={"action": "accept", "display_name": "", "password": "x"})
    assert r.status_code == 422 and "请修改标出的字段" in r.get_data(as_text=True)
    r = guest.post(
        path,
        data={
            "action": "accept",
            "display_name": "新同事",
            "password": PASSWORD,
            "role": "researcher",
        },
    )
    assert r.status_code == 303 and r.headers["Location"].endswith("/my/organization")
    assert "新同事" in guest.get("/my/organization").get_data(as_text=True)
    # The link is used up.
    r = app.test_client().get(path)
    assert "该邀请已失效" in r.get_data(as_text=True)


def test_an_invitation_for_another_address_is_refused_on_the_page(app, people, mailbox, make):
    org, admin, member = people
    app.test_client(user=admin).post(
        "/my/organization/invitations", data={"email": "someone@else.org", "role": "member"}
    )
    path = mails.link_path(app.config["MAIL_FILE_DIR"], "someone@else.org", "/invitations/")
    client = app.test_client(user=member)
    assert "该邀请发给的是 someone@else.org" in client.get(path).get_data(as_text=True)
    r = client.post(path, data={"action": "accept"})
    assert r.status_code == 403


def test_the_last_admin_cannot_leave_and_the_page_says_why(app, people):
    org, admin, _ = people
    client = app.test_client(user=admin)
    r = client.post(f"/my/organization/members/{admin.id}/remove")
    assert r.status_code == 303
    assert ("error", "机构至少要保留一名管理员：请先将其他成员设为管理员。") in flashes(client)


def test_a_member_cannot_manage_from_the_page(app, people):
    org, admin, member = people
    client = app.test_client(user=member)
    assert client.post(f"/my/organization/members/{admin.id}/remove").status_code == 403
    assert (
        client.post("/my/organization/invitations", data={"email": "x@example.org"}).status_code
        == 403
    )


def test_asking_to_join_and_a_declined_answer_with_its_reason(app, people, make, mailbox):
    org, admin, _ = people
    loner = make.user("researcher", email="loner@example.org")
    with app.app_context():
        db.session.get(User, loner.id).organization_id = None
        db.session.commit()
    client = app.test_client(user=loner)
    page = client.get("/my/organization").get_data(as_text=True)
    assert "申请加入" in page
    r = client.post("/my/organization/join", data={"organization_name": "不存在的机构"})
    assert ("error", "没有这个名称的机构。请在机构名录中核对名称。") in flashes(client)
    r = client.post(
        "/my/organization/join", data={"organization_name": "甲大学", "message": "你好"}
    )
    assert r.status_code == 303
    assert any("loner@example.org" in body for to, body in mailbox() if to == "admin@jia.edu")
    assert "等待管理员审批" in client.get("/my/organization").get_data(as_text=True)
    with app.app_context():
        request_id = db.session.scalar(select(JoinRequest.id))
    admin_client = app.test_client(user=admin)
    assert "loner@example.org" in admin_client.get("/my/organization").get_data(as_text=True)
    r = admin_client.post(
        f"/my/organization/join-requests/{request_id}/decline", data={"reason": ""}
    )
    assert ("error", "请说明拒绝申请的原因。") in flashes(admin_client)
    admin_client.post(
        f"/my/organization/join-requests/{request_id}/decline", data={"reason": "请用单位邮箱"}
    )
    assert "请用单位邮箱" in client.get("/my/organization").get_data(as_text=True)
    assert any("请用单位邮箱" in body for to, body in mailbox() if to == "loner@example.org")


def test_registering_with_an_existing_organization_asks_to_join(app, people, mailbox):
    r = app.test_client().post(
        "/register",
        data={
            "email": "colleague@jia.edu",
            "password": "long-enough-pw",
            "display_name": "同事",
            "role": "researcher",
            "organization_name": "甲大学",
            "organization_kind": "university",
        },
    )
    assert r.status_code == 303
    [(to, body)] = mailbox()
    assert to == "colleague@jia.edu" and "甲大学 的管理员将审批您的加入申请" in body


def test_documents_uploaded_by_the_admin_are_seen_by_operators_only(app, people, make):
    org, admin, member = people
    org_other = make.user("researcher", email="admin@yi.edu")
    operator = make.operator()
    client = app.test_client(user=admin)
    r = client.post(
        "/my/organization/documents",
        data={"kind": "business_licence", "file": (io.BytesIO(b"<html>x</html>"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert ("error", "不能上传网页文件（HTML、SVG、XML）。") in flashes(client)
    r = client.post(
        "/my/organization/documents",
        data={
            "kind": "business_licence",
            "file": (io.BytesIO(b"%PDF-1.4\n%licence\n"), "营业执照.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 303 and ("success", "材料已上传。") in flashes(client)
    with app.app_context():
        doc = db.session.scalar(select(OrganizationDocument))
    url = f"/organizations/{org.id}/documents/{doc.id}"
    download = client.get(url)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert app.test_client(user=member).get(url).status_code == 403
    assert app.test_client(user=org_other).get(url).status_code == 404
    # The operators' queue shows it beside the verification request.
    client.post("/my/organization/verification")
    review = app.test_client(user=operator).get("/review").get_data(as_text=True)
    assert "营业执照.pdf" in review and url in review
    assert app.test_client(user=operator).get(url).status_code == 200
