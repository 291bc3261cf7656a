"""Organizations with members: roles inside the organization, invitations by signed mail
link, join requests decided by the admins, removal (never of the last admin), and no
look into another organization's people, invitations or requests."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts import invitations, join_requests, members, registration
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.extensions import db
from marketplace.models import AuditEntry, JoinRequest, OrganizationInvitation, User
from marketplace.models.types import utcnow
from tests import mails
from tests.conftest import PASSWORD

SECRET = "test-secret"
DAY = 86400


@pytest.fixture
def mailbox(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path / "mail"))
    return lambda: mails.messages(tmp_path / "mail")


def invitation_path(mailbox, email: str) -> str:
    for to, body in reversed(mailbox()):
        found = re.search(r"https?://[^/\s]+(/invitations/\S+)", body)
        if email in to and found:
            return found.group(1)
    raise AssertionError(f"no invitation mail to {email}")


@pytest.fixture
def org_people(make):
    """An organization with its admin (the first person) and a member; and a stranger
    who administers another organization."""
    org = make.organization("university", name="甲大学")
    admin = make.user("researcher", organization=org, email="admin@jia.edu")
    member = make.user("researcher", organization=org, email="member@jia.edu")
    stranger = make.user("researcher", email="admin@yi.edu")
    return org, admin, member, stranger


def get(session, user) -> User:
    return session.get(User, user.id)


# The first person administers; existing organizations got one admin (migration 0014) -----


def test_the_first_person_of_an_organization_is_its_admin(app, org_people):
    org, admin, member, stranger = org_people
    assert (admin.org_role, member.org_role, stranger.org_role) == ("admin", "member", "admin")
    with app.app_context():
        user, _ = registration.register(
            db.session,
            email="founder@bing.edu",
            password="long-enough-pw",
            display_name="创始人",
            role="researcher",
            organization_name="丙大学",
            organization_kind="university",
        )
        assert user.org_role == "admin" and user.organization.name == "丙大学"
        db.session.rollback()


# Roles and removal ------------------------------------------------------------------------


def test_an_admin_sets_roles_and_the_last_admin_stays(ctx, org_people):
    org, admin, member, _ = org_people
    with pytest.raises(Conflict):
        members.set_member_role(ctx, get(ctx, admin), org.id, admin.id, "member")
    members.set_member_role(ctx, get(ctx, admin), org.id, member.id, "admin")
    assert get(ctx, member).org_role == "admin"
    # Two admins now: one may step down.
    members.set_member_role(ctx, get(ctx, member), org.id, admin.id, "member")
    assert get(ctx, admin).org_role == "member"
    entries = ctx.scalars(
        select(AuditEntry).where(AuditEntry.action == "organization.member_role")
    ).all()
    assert [(e.before["role"], e.after["role"]) for e in entries] == [
        ("member", "admin"),
        ("admin", "member"),
    ]


def test_a_member_cannot_manage_and_a_stranger_sees_nothing(ctx, org_people):
    org, admin, member, stranger = org_people
    with pytest.raises(Forbidden):
        members.set_member_role(ctx, get(ctx, member), org.id, member.id, "admin")
    with pytest.raises(Forbidden):
        members.remove_member(ctx, get(ctx, member), org.id, admin.id)
    for call in (
        lambda: members.list_members(ctx, get(ctx, stranger), org.id),
        lambda: members.set_member_role(ctx, get(ctx, stranger), org.id, member.id, "admin"),
        lambda: members.remove_member(ctx, get(ctx, stranger), org.id, member.id),
        lambda: invitations.list_invitations(ctx, get(ctx, stranger), org.id),
        lambda: join_requests.list_join_requests(ctx, get(ctx, stranger), org.id),
        lambda: invitations.invite(ctx, get(ctx, stranger), org.id, "x@example.org"),
    ):
        with pytest.raises(NotFound):
            call()
    # A stranger's own member cannot be reached through the stranger's organization either.
    with pytest.raises(NotFound):
        members.remove_member(ctx, get(ctx, stranger), stranger.organization.id, member.id)


def test_removal_and_leaving(ctx, org_people):
    org, admin, member, _ = org_people
    with pytest.raises(Conflict):  # the last admin cannot leave
        members.remove_member(ctx, get(ctx, admin), org.id, admin.id)
    members.remove_member(ctx, get(ctx, admin), org.id, member.id)
    removed = get(ctx, member)
    assert removed.organization_id is None and removed.org_role == "member"
    entry = ctx.scalar(select(AuditEntry).where(AuditEntry.action == "organization.member_removed"))
    assert entry.actor_id == admin.id and entry.before["user_id"] == member.id
    assert [u.id for u in members.list_members(ctx, get(ctx, admin), org.id)] == [admin.id]


def test_a_member_may_leave(ctx, org_people):
    org, _, member, _ = org_people
    members.remove_member(ctx, get(ctx, member), org.id, member.id)
    assert get(ctx, member).organization_id is None
    assert ctx.scalar(select(AuditEntry.action).where(AuditEntry.target_id == str(org.id))) == (
        "organization.member_left"
    )


# Invitations ------------------------------------------------------------------------------


def test_an_invitation_creates_a_confirmed_account_with_the_role(ctx, org_people):
    org, admin, _, _ = org_people
    invitation = invitations.invite(ctx, get(ctx, admin), org.id, "New.Person@Jia.edu", "admin")
    token = invitations.make_token(invitation, SECRET)
    with pytest.raises(Invalid) as refused:
        invitations.accept_invitation(ctx, token, SECRET, DAY, actor=None, new_account={})
    assert set(refused.value.fields) == {"display_name", "password", "role"}
    with pytest.raises(Invalid) as wrong_kind:  # a university has no enterprise members
        invitations.accept_invitation(
            ctx,
            token,
            SECRET,
            DAY,
            actor=None,
            new_account={"display_name": "新", "password": PASSWORD, "role": "enterprise_member"},
        )
    assert "role" in wrong_kind.value.fields
    user = invitations.accept_invitation(
        ctx,
        token,
        SECRET,
        DAY,
        actor=None,
        new_account={"display_name": "新同事", "password": PASSWORD, "role": "researcher"},
    )
    assert (user.email, user.organization_id, user.org_role) == (
        "new.person@jia.edu",
        org.id,
        "admin",
    )
    assert user.confirmed_at is not None
    assert ctx.get(OrganizationInvitation, invitation.id).status == "accepted"
    # Single use.
    with pytest.raises(Invalid):
        invitations.accept_invitation(ctx, token, SECRET, DAY, actor=user)


def test_an_existing_account_without_an_organization_joins_when_logged_in(ctx, make, org_people):
    org, admin, _, stranger = org_people
    loner = make.user("researcher", email="loner@example.org")
    ctx.get(User, loner.id).organization_id = None
    ctx.flush()
    invitation = invitations.invite(ctx, get(ctx, admin), org.id, "loner@example.org")
    token = invitations.make_token(invitation, SECRET)
    # Not logged in: the address has an account, so log in first.
    with pytest.raises(Exception) as anonymous:
        invitations.accept_invitation(ctx, token, SECRET, DAY, actor=None, new_account={})
    assert type(anonymous.value).__name__ == "Unauthorized"
    # Logged in with another address: refused.
    with pytest.raises(Forbidden):
        invitations.accept_invitation(ctx, token, SECRET, DAY, actor=get(ctx, stranger))
    user = invitations.accept_invitation(ctx, token, SECRET, DAY, actor=get(ctx, loner))
    assert (user.organization_id, user.org_role) == (org.id, "member")


def test_a_member_of_another_organization_must_leave_first(ctx, org_people):
    org, admin, _, stranger = org_people
    invitation = invitations.invite(ctx, get(ctx, admin), org.id, stranger.email)
    token = invitations.make_token(invitation, SECRET)
    with pytest.raises(Conflict):
        invitations.accept_invitation(ctx, token, SECRET, DAY, actor=get(ctx, stranger))


def test_invitations_expire_are_revoked_and_declined(ctx, org_people):
    org, admin, member, _ = org_people
    first = invitations.invite(ctx, get(ctx, admin), org.id, "a@example.org")
    with pytest.raises(Conflict):  # one pending invitation per address
        invitations.invite(ctx, get(ctx, admin), org.id, "A@example.org")
    with pytest.raises(Conflict):  # already a member
        invitations.invite(ctx, get(ctx, admin), org.id, member.email)
    with pytest.raises(Forbidden):
        invitations.invite(ctx, get(ctx, member), org.id, "b@example.org")
    # Past its expiry: the link no longer works; inviting again records the expiry.
    ctx.get(OrganizationInvitation, first.id).expires_at = utcnow() - timedelta(seconds=1)
    ctx.commit()  # a refused call rolls back its unit of work, and what was not committed
    token = invitations.make_token(first, SECRET)
    with pytest.raises(Invalid) as expired:
        invitations.accept_invitation(ctx, token, SECRET, DAY, actor=None, new_account={})
    assert expired.value.fields["token"] == [invitations.TOKEN_EXPIRED]
    second = invitations.invite(ctx, get(ctx, admin), org.id, "a@example.org")
    assert ctx.get(OrganizationInvitation, first.id).status == "expired"
    invitations.revoke_invitation(ctx, get(ctx, admin), org.id, second.id)
    with pytest.raises(Invalid):
        invitations.decline_invitation(ctx, invitations.make_token(second, SECRET), SECRET, DAY)
    third = invitations.invite(ctx, get(ctx, admin), org.id, "a@example.org")
    invitations.decline_invitation(ctx, invitations.make_token(third, SECRET), SECRET, DAY)
    assert ctx.get(OrganizationInvitation, third.id).status == "declined"
    # A forged or foreign-salted token names nothing.
    with pytest.raises(Invalid):
        invitations.invitation_for_token(ctx, token + "x", SECRET, DAY)
    with pytest.raises(Invalid):
        invitations.invitation_for_token(ctx, registration.make_token(admin, SECRET), SECRET, DAY)


def test_another_organizations_admin_cannot_revoke(ctx, org_people):
    org, admin, _, stranger = org_people
    invitation = invitations.invite(ctx, get(ctx, admin), org.id, "c@example.org")
    with pytest.raises(NotFound):
        invitations.revoke_invitation(ctx, get(ctx, stranger), org.id, invitation.id)
    with pytest.raises(NotFound):  # through the stranger's own organization
        invitations.revoke_invitation(
            ctx, get(ctx, stranger), stranger.organization.id, invitation.id
        )


# Join requests ----------------------------------------------------------------------------


def register(session, email: str, org_name: str, role: str = "researcher") -> User:
    user, created = registration.register(
        session,
        email=email,
        password="long-enough-pw",
        display_name="想加入的人",
        role=role,
        organization_name=org_name,
        organization_kind="university",
    )
    assert created
    return user


def test_registering_with_an_existing_name_files_a_join_request(ctx, org_people):
    org, admin, _, stranger = org_people
    person = register(ctx, "joiner@example.org", "甲大学")
    assert person.organization_id is None and person.org_role == "member"
    # Unconfirmed: the admins do not see it yet.
    assert join_requests.list_join_requests(ctx, get(ctx, admin), org.id) == []
    registration.confirm(ctx, registration.make_token(person, SECRET), SECRET, DAY)
    [request] = join_requests.list_join_requests(ctx, get(ctx, admin), org.id)
    assert request.user_id == person.id
    with pytest.raises(NotFound):
        join_requests.list_join_requests(ctx, get(ctx, stranger), org.id)
    with pytest.raises(NotFound):
        join_requests.decide_join_request(ctx, get(ctx, stranger), org.id, request.id, "approve")
    with pytest.raises(Invalid):  # a decline says why
        join_requests.decide_join_request(ctx, get(ctx, admin), org.id, request.id, "decline")
    join_requests.decide_join_request(ctx, get(ctx, admin), org.id, request.id, "approve")
    assert (get(ctx, person).organization_id, get(ctx, person).org_role) == (org.id, "member")
    with pytest.raises(Conflict):
        join_requests.decide_join_request(
            ctx, get(ctx, admin), org.id, request.id, "decline", "晚了"
        )


def test_a_role_that_does_not_fit_the_organization_is_refused_at_registration(ctx, org_people):
    with pytest.raises(Invalid) as refused:
        register(ctx, "buyer@example.org", "甲大学", role="enterprise_member")
    assert "role" in refused.value.fields


def test_a_declined_request_keeps_its_reason_and_the_person_may_ask_elsewhere(
    ctx, make, org_people
):
    org, admin, _, stranger = org_people
    person = register(ctx, "joiner2@example.org", "甲大学")
    registration.confirm(ctx, registration.make_token(person, SECRET), SECRET, DAY)
    [request] = join_requests.pending_requests_of(ctx, person)
    with pytest.raises(Conflict):  # one pending request at a time
        join_requests.request_to_join(ctx, get(ctx, person), stranger.organization.id)
    join_requests.decide_join_request(ctx, get(ctx, admin), org.id, request.id, "decline", "不认识")
    assert ctx.get(JoinRequest, request.id).reason == "不认识"
    again = join_requests.request_to_join(ctx, get(ctx, person), stranger.organization.id, "你好")
    join_requests.withdraw_join_request(ctx, get(ctx, person), again.id)
    assert ctx.get(JoinRequest, again.id).status == "withdrawn"
    with pytest.raises(NotFound):  # nobody else withdraws it
        join_requests.withdraw_join_request(ctx, get(ctx, admin), request.id)


def test_a_member_cannot_ask_to_join_another_organization(ctx, org_people):
    _, _, member, stranger = org_people
    with pytest.raises(Conflict):
        join_requests.request_to_join(ctx, get(ctx, member), stranger.organization.id)


def test_joining_by_invitation_lapses_pending_requests(ctx, org_people):
    org, admin, _, stranger = org_people
    person = register(ctx, "both@example.org", "甲大学")
    registration.confirm(ctx, registration.make_token(person, SECRET), SECRET, DAY)
    invitation = invitations.invite(ctx, get(ctx, stranger), stranger.organization.id, person.email)
    invitations.accept_invitation(
        ctx, invitations.make_token(invitation, SECRET), SECRET, DAY, actor=get(ctx, person)
    )
    assert [r.status for r in join_requests.requests_of(ctx, get(ctx, person))] == ["withdrawn"]
    assert join_requests.list_join_requests(ctx, get(ctx, admin), org.id) == []


# The API ----------------------------------------------------------------------------------


def test_the_api_invites_by_mail_and_the_link_creates_the_account(app, org_people, mailbox):
    org, admin, member, stranger = org_people
    admin_client = app.test_client(user=admin)
    r = admin_client.post(
        f"/api/v1/organizations/{org.id}/invitations",
        json={"email": "colleague@jia.edu", "role": "member"},
    )
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending"
    path = invitation_path(mailbox, "colleague@jia.edu")
    token = path.rsplit("/", 1)[1]
    assert "甲大学" in mailbox()[-1][1]
    newcomer = app.test_client()
    r = newcomer.post(
        "/api/v1/organizations/invitations/accept",
        json={"token": token, "display_name": "王同事", "password": PASSWORD, "role": "researcher"},
    )
    assert r.status_code == 200, r.json
    assert r.json["role"] == "member" and r.json["email"] == "colleague@jia.edu"
    # Logged in at once; the member list shows three people, to members only.
    assert newcomer.get(f"/api/v1/organizations/{org.id}/members").status_code == 200
    listed = app.test_client(user=member).get(f"/api/v1/organizations/{org.id}/members").json
    assert sorted(m["email"] for m in listed) == [
        "admin@jia.edu",
        "colleague@jia.edu",
        "member@jia.edu",
    ]
    assert (
        app.test_client(user=stranger).get(f"/api/v1/organizations/{org.id}/members").status_code
        == 404
    )
    # The link is used up.
    again = app.test_client().post(
        "/api/v1/organizations/invitations/accept",
        json={"token": token, "display_name": "再来", "password": PASSWORD, "role": "researcher"},
    )
    assert again.status_code == 422 and "token" in again.json["error"]["fields"]


def test_the_api_join_request_notifies_admins_and_the_answer_the_person(
    app, make, org_people, mailbox
):
    org, admin, member, _ = org_people
    r = app.test_client().post(
        "/api/v1/auth/register",
        json={
            "email": "joiner@example.org",
            "password": "long-enough-pw",
            "display_name": "申请人",
            "role": "researcher",
            "organization_name": "甲大学",
            "organization_kind": "university",
        },
    )
    assert r.status_code == 202
    confirm = mails.link_path(
        app.config["MAIL_FILE_DIR"], "joiner@example.org", "/register/confirm/"
    )
    person = app.test_client()
    r = person.post("/api/v1/auth/register/confirm", json={"token": confirm.rsplit("/", 1)[1]})
    assert r.status_code == 200 and r.json["organization"] is None
    admin_mails = [body for to, body in mailbox() if to == "admin@jia.edu"]
    assert len(admin_mails) == 1 and "joiner@example.org" in admin_mails[0]
    assert not [to for to, _ in mailbox() if to == "member@jia.edu"]  # admins only
    [request] = (
        app.test_client(user=admin).get(f"/api/v1/organizations/{org.id}/join-requests").json
    )
    member_client = app.test_client(user=member)
    assert member_client.get(f"/api/v1/organizations/{org.id}/join-requests").status_code == 403
    url = f"/api/v1/organizations/{org.id}/join-requests/{request['id']}"
    assert member_client.post(url + "/approve").status_code == 403
    r = app.test_client(user=admin).post(url + "/decline", json={"reason": "请用单位邮箱"})
    assert r.status_code == 200 and r.json["status"] == "declined"
    decision = [body for to, body in mailbox() if to == "joiner@example.org"][-1]
    assert "请用单位邮箱" in decision
    mine = person.get("/api/v1/organizations/join-requests").json
    assert [(m["status"], m["reason"]) for m in mine] == [("declined", "请用单位邮箱")]
    # Asking again through the API; the admin approves this time.
    r = person.post(f"/api/v1/organizations/{org.id}/join-requests", json={"message": "我是新同事"})
    assert r.status_code == 201
    r = app.test_client(user=admin).post(
        f"/api/v1/organizations/{org.id}/join-requests/{r.json['id']}/approve"
    )
    assert r.status_code == 200
    assert person.get("/api/v1/auth/me").json["organization"]["id"] == org.id


def test_the_api_refuses_removing_the_last_admin(app, org_people):
    org, admin, member, stranger = org_people
    client = app.test_client(user=admin)
    r = client.delete(f"/api/v1/organizations/{org.id}/members/{admin.id}")
    assert r.status_code == 409
    r = client.patch(f"/api/v1/organizations/{org.id}/members/{member.id}", json={"role": "owner"})
    assert r.status_code == 422
    r = app.test_client(user=stranger).delete(f"/api/v1/organizations/{org.id}/members/{member.id}")
    assert r.status_code == 404
    assert client.delete(f"/api/v1/organizations/{org.id}/members/{member.id}").status_code == 204
