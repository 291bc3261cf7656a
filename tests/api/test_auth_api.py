"""Registration, login, tokens, CSRF for session writes, rate limits."""

import pytest

from marketplace.extensions import limiter
from tests.conftest import PASSWORD, listing_payload

REGISTER = {
    "email": "Li.Hua@Example.ORG",
    "password": "long-enough-pw",
    "display_name": "李华",
    "role": "researcher",
    "organization_name": "东海大学技术转移中心",
    "organization_kind": "university",
    "region": "宁波",
}


def confirm_link_token(app, email: str) -> str:
    """The token of the link mailed to a new registrant (what the mail would carry)."""
    from marketplace.accounts import registration, users
    from marketplace.extensions import db

    with app.app_context():
        user = users.find_user_by_email(db.session, email)
        return registration.make_token(user, app.config["SECRET_KEY"])


def test_register_confirm_then_login_case_insensitively(app, client):
    r = client.post("/api/v1/auth/register", json=REGISTER)
    assert r.status_code == 202, r.json
    assert client.get("/api/v1/auth/me").status_code == 401  # not before the mailed link
    login = {"email": "LI.HUA@example.org", "password": "long-enough-pw"}
    assert client.post("/api/v1/auth/login", json=login).status_code == 401
    token = confirm_link_token(app, REGISTER["email"])
    r = client.post("/api/v1/auth/register/confirm", json={"token": token})
    assert r.status_code == 200, r.json
    assert r.json["email"] == "li.hua@example.org"
    assert r.json["roles"] == ["researcher"]
    assert r.json["organization"]["verification_status"] == "unverified"
    # The link works once.
    again = client.post("/api/v1/auth/register/confirm", json={"token": token})
    assert again.status_code == 422
    client.post("/api/v1/auth/logout")
    assert client.get("/api/v1/auth/me").status_code == 401
    r = client.post("/api/v1/auth/login", json=login)
    assert r.status_code == 200 and r.json["display_name"] == "李华"
    assert client.get("/api/v1/auth/me").json["email"] == "li.hua@example.org"


def test_register_same_email_other_case_answers_the_same_and_creates_nothing(app, client):
    first = client.post("/api/v1/auth/register", json=REGISTER)
    again = dict(REGISTER, email="LI.HUA@EXAMPLE.ORG", organization_name="另一家")
    second = client.post("/api/v1/auth/register", json=again)
    assert first.status_code == second.status_code == 202
    assert first.json == second.json
    from marketplace.extensions import db
    from marketplace.models import Organization, User

    with app.app_context():
        assert db.session.query(User).count() == 1
        assert db.session.query(Organization).count() == 1


@pytest.mark.parametrize(
    "change,field",
    [
        ({"role": "operator"}, "role"),
        ({"password": "short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"role": "enterprise_member"}, "organization_kind"),
        ({"organization_kind": "castle"}, "organization_kind"),
    ],
)
def test_register_validation(client, change, field):
    r = client.post("/api/v1/auth/register", json=dict(REGISTER, **change))
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]


def test_register_with_an_existing_organization_name_asks_to_join_it(app, client, make):
    org = make.organization(name=REGISTER["organization_name"])
    r = client.post("/api/v1/auth/register", json=REGISTER)
    assert r.status_code == 202
    from marketplace.extensions import db
    from marketplace.models import JoinRequest, User

    with app.app_context():
        user = db.session.query(User).filter_by(email=REGISTER["email"].lower()).one()
        assert user.organization_id is None
        [request] = db.session.query(JoinRequest).filter_by(user_id=user.id).all()
        assert (request.organization_id, request.status) == (org.id, "pending")


def test_password_is_stored_as_scrypt_hash(app, client):
    client.post("/api/v1/auth/register", json=REGISTER)
    from marketplace.extensions import db
    from marketplace.models import User

    with app.app_context():
        user = db.session.query(User).one()
        assert user.password_hash.startswith("scrypt:")
        assert "long-enough-pw" not in user.password_hash


def test_wrong_password_is_401(client, make):
    user = make.user("researcher")
    r = client.post("/api/v1/auth/login", json={"email": user.email, "password": "nope-nope"})
    assert r.status_code == 401
    r = client.post("/api/v1/auth/login", json={"email": "ghost@example.org", "password": "x"})
    assert r.status_code == 401


def test_personal_tokens(app, client, make):
    user = make.user("researcher")
    session_client = app.test_client(user=user)
    r = session_client.post("/api/v1/auth/tokens", json={"name": "import script"})
    assert r.status_code == 201
    secret, token_id = r.json["token"], r.json["id"]
    assert secret.startswith("tm_")
    listed = session_client.get("/api/v1/auth/tokens").json
    assert [t["name"] for t in listed] == ["import script"] and "token" not in listed[0]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/auth/me", headers=headers).json["id"] == user.id
    assert (
        client.post("/api/v1/listings", json=listing_payload(), headers=headers).status_code == 201
    )
    assert session_client.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    bad = {"Authorization": "Bearer tm_guessed"}
    assert client.get("/api/v1/auth/me", headers=bad).status_code == 401


def test_tokens_of_others_cannot_be_revoked(app, make):
    a, b = make.user("researcher"), make.user("researcher")
    token_id = app.test_client(user=a).post("/api/v1/auth/tokens", json={"name": "t"}).json["id"]
    assert app.test_client(user=b).delete(f"/api/v1/auth/tokens/{token_id}").status_code == 404


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_session_writes_need_the_csrf_header(app, client, make, csrf_on):
    user = make.user("researcher")
    r = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 200
    token = r.json["csrf_token"]
    r = client.post("/api/v1/listings", json=listing_payload())
    assert r.status_code == 400 and "CSRF" in r.json["error"]["message"]
    r = client.post("/api/v1/listings", json=listing_payload(), headers={"X-CSRFToken": token})
    assert r.status_code == 201


def test_bearer_token_writes_need_no_csrf(app, client, make, csrf_on):
    user = make.user("researcher")
    with app.app_context():
        from marketplace.accounts import users as accounts
        from marketplace.extensions import db
        from marketplace.models import User

        _, secret = accounts.create_api_token(db.session, db.session.get(User, user.id), "t")
        db.session.commit()
    r = client.post(
        "/api/v1/listings", json=listing_payload(), headers={"Authorization": f"Bearer {secret}"}
    )
    assert r.status_code == 201


@pytest.fixture
def rate_limits(app):
    limiter.enabled = True
    limiter.reset()
    yield
    limiter.reset()
    limiter.enabled = False


def test_login_is_rate_limited(client, make, rate_limits):
    user = make.user("researcher")
    codes = [
        client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": "wrong-pw"}
        ).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10:] == [429, 429]
    r = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 429 and r.json["error"]["code"] == "rate_limited"
