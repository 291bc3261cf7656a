"""Register, log in (with a safe `next`), log out."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.accounts import registration
from marketplace.extensions import db, limiter
from marketplace.models import User
from tests.conftest import PASSWORD
from tests.views.conftest import field_error, text

REGISTRATION = {
    "display_name": "王工",
    "email": "Wang@Example.org",
    "password": "long-enough-pw",
    "role": "researcher",
    "organization_name": "宁波材料所",
    "organization_kind": "institute",
    "region": "宁波",
}


def test_register_confirm_then_logout_then_login(client, app):
    response = client.post("/register", data=REGISTRATION)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/login")
    assert client.get("/my/organization").status_code == 302  # not logged in yet
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.email == "wang@example.org" and user.roles == {"researcher"}
        token = registration.make_token(user, app.config["SECRET_KEY"])
    page = client.get(f"/register/confirm/{token}")
    assert page.status_code == 200 and 'method="post"' in text(page)
    response = client.post(f"/register/confirm/{token}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/my/organization")
    html = text(client.get("/my/organization"))
    assert "宁波材料所" in html and "未认证" in html
    assert client.post(f"/register/confirm/{token}").status_code == 400  # used

    client.post("/logout")
    assert client.get("/my/organization").status_code == 302

    response = client.post(
        "/login", data={"email": "wang@example.org", "password": "long-enough-pw"}
    )
    assert response.status_code == 303
    assert "王工" in text(client.get("/"))


def test_register_shows_field_errors_and_keeps_input(english):
    client = english()
    response = client.post(
        "/register", data=dict(REGISTRATION, email="not-an-email", password="short")
    )
    assert response.status_code == 422
    html = text(response)
    assert "Not a valid email address." in field_error(html)
    assert 'value="宁波材料所"' in html
    assert "short" not in html  # the password is not sent back


def test_register_role_must_fit_the_organization(english):
    response = english().post(
        "/register",
        data=dict(REGISTRATION, role="enterprise_member", organization_kind="university"),
    )
    assert response.status_code == 422
    assert "This role does not fit this kind of organization." in field_error(text(response))


def test_register_with_a_taken_organization_name_asks_to_join_it(app, client, make):
    org = make.organization("institute", name="宁波材料所")
    response = client.post("/register", data=REGISTRATION)
    assert response.status_code == 303
    from marketplace.extensions import db
    from marketplace.models import JoinRequest, User

    with app.app_context():
        user = db.session.query(User).filter_by(email="wang@example.org").one()
        assert user.organization_id is None
        assert db.session.query(JoinRequest).filter_by(user_id=user.id).one().organization_id == (
            org.id
        )


def test_register_with_a_taken_organization_name_of_another_kind(client, make):
    """The role must fit the organization that exists (an enterprise has no researchers)."""
    make.organization("enterprise", name="宁波材料所")
    response = client.post("/register", data=REGISTRATION)
    assert response.status_code == 422
    assert field_error(text(response))


def test_register_with_a_taken_email_answers_as_for_a_new_one(client, make):
    make.user(email="wang@example.org")
    taken = client.post("/register", data=REGISTRATION)
    fresh = client.post(
        "/register", data=dict(REGISTRATION, email="li@example.org", organization_name="另一所")
    )
    assert taken.status_code == fresh.status_code == 303
    assert taken.headers["Location"] == fresh.headers["Location"]


def test_wrong_password(client, make):
    user = make.user()
    response = client.post("/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 401
    assert "邮箱或密码不正确" in text(response)


def test_login_follows_a_local_next(client, make):
    user = make.user()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/listings/new"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/listings/new"


def test_login_refuses_an_offsite_next(client, make):
    user = make.user()
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example", "evil.example"):
        client.post("/logout")
        response = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "next": target}
        )
        assert response.status_code == 303
        assert response.headers["Location"] == "/", target


def test_login_form_keeps_next(client):
    html = text(client.get("/login?next=/review"))
    assert 'name="next" value="/review"' in html


def test_login_is_rate_limited(app, client, make):
    user = make.user()
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    limiter.enabled = True
    try:
        limiter.reset()
        codes = [
            client.post("/login", data={"email": user.email, "password": "nope"}).status_code
            for _ in range(3)
        ]
    finally:
        limiter.enabled = False
        app.config["LOGIN_RATE_LIMIT"] = "10 per minute"
    assert codes == [401, 401, 429]
