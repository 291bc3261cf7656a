"""CSRF on the API: an Authorization header means the session cookie is ignored.

Found by an outside review: ``Authorization: Bearer <junk>`` plus a session cookie skipped
the API's CSRF check and was then authenticated by the cookie, so a forged cross-site
request could write with the victim's session.
"""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, listing_payload


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def logged_in(app, user):
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 200
    return client, r.json["csrf_token"]


@pytest.mark.parametrize(
    "authorization", ["Bearer junk", "Bearer tm_not-a-token", "Basic eDp5", "Token abc", ""]
)
def test_a_cookie_with_an_authorization_header_is_not_a_login(app, make, csrf_on, authorization):
    client, _ = logged_in(app, make.user("researcher"))
    headers = {"Authorization": authorization}
    r = client.post("/api/v1/listings", json=listing_payload(), headers=headers)
    assert r.status_code == 401, r.json
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    # Without the header the cookie still works (with its CSRF token for writes).
    assert client.get("/api/v1/auth/me").status_code == 200


def test_a_cookie_write_needs_the_csrf_token(app, make, csrf_on):
    client, token = logged_in(app, make.user("researcher"))
    assert client.post("/api/v1/listings", json=listing_payload()).status_code == 400
    r = client.post("/api/v1/listings", json=listing_payload(), headers={"X-CSRFToken": token})
    assert r.status_code == 201


def test_a_valid_token_with_a_cookie_of_someone_else_acts_as_the_token(app, make, csrf_on):
    owner, other = make.user("researcher"), make.user("researcher")
    client, _ = logged_in(app, other)
    from marketplace.accounts import users as accounts
    from marketplace.extensions import db
    from marketplace.models import User

    with app.app_context():
        _, secret = accounts.create_api_token(db.session, db.session.get(User, owner.id), "t")
        db.session.commit()
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json["id"] == owner.id
