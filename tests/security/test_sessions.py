"""Sessions that end on the server: logout, password change, "log out everywhere".

Found by an outside review: a session cookie saved before logout still logged in after it
(the cookie was the whole session; nothing on the server could end it).
"""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import LoginSession, User
from tests.conftest import PASSWORD

ME = "/api/v1/auth/me"


def api_login(app, user, password=PASSWORD):
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"email": user.email, "password": password})
    assert r.status_code == 200, r.json
    return client


def saved_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_cookie_replayed_after_api_logout_is_refused(app, make):
    client = api_login(app, make.user())
    cookie = saved_cookie(client)
    assert replay(app, cookie).get(ME).status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert replay(app, cookie).get(ME).status_code == 401


def test_a_cookie_replayed_after_page_logout_is_refused(app, make):
    user = make.user()
    client = app.test_client()
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 303
    cookie = saved_cookie(client)
    assert replay(app, cookie).get("/my/organization").status_code == 200
    client.post("/logout")
    assert replay(app, cookie).get("/my/organization").status_code == 302  # to the login page


def test_logout_ends_only_this_session(app, make):
    user = make.user()
    laptop, phone = api_login(app, user), api_login(app, user)
    laptop.post("/api/v1/auth/logout")
    assert phone.get(ME).status_code == 200


def test_log_out_everywhere(app, make):
    user = make.user()
    laptop, phone = api_login(app, user), api_login(app, user)
    listed = laptop.get("/api/v1/auth/sessions").json
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    assert laptop.delete("/api/v1/auth/sessions").status_code == 204
    assert laptop.get(ME).status_code == 401 and phone.get(ME).status_code == 401
    # Logging in again works.
    assert api_login(app, user).get(ME).status_code == 200


def test_ending_another_session(app, make):
    user = make.user()
    laptop, phone = api_login(app, user), api_login(app, user)
    phone_id = next(s["id"] for s in phone.get("/api/v1/auth/sessions").json if s["current"])
    assert laptop.delete(f"/api/v1/auth/sessions/{phone_id}").status_code == 204
    assert phone.get(ME).status_code == 401 and laptop.get(ME).status_code == 200
    # Someone else's session is not found.
    stranger = api_login(app, make.user())
    laptop_id = next(s["id"] for s in laptop.get("/api/v1/auth/sessions").json)
    assert stranger.delete(f"/api/v1/auth/sessions/{laptop_id}").status_code == 404


def test_a_password_change_ends_every_other_session(app, make):
    user = make.user()
    laptop, phone = api_login(app, user), api_login(app, user)
    old_cookie = saved_cookie(laptop)
    r = laptop.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "another-long-one"},
    )
    assert r.status_code == 200, r.json
    assert phone.get(ME).status_code == 401
    assert replay(app, old_cookie).get(ME).status_code == 401
    assert laptop.get(ME).status_code == 200  # the changer has a fresh session
    api_login(app, user, "another-long-one")


def test_a_password_change_needs_the_current_password(app, make):
    client = api_login(app, make.user())
    r = client.post(
        "/api/v1/auth/password", json={"current_password": "wrong", "new_password": "x" * 12}
    )
    assert r.status_code == 422 and "current_password" in r.json["error"]["fields"]
    assert client.get(ME).status_code == 200


def test_a_password_reset_ends_every_session(app, make):
    from marketplace.accounts import password_reset

    user = make.user()
    client = api_login(app, user)
    with app.app_context():
        token = password_reset.make_token(db.session.get(User, user.id), app.config["SECRET_KEY"])
        password_reset.reset_password(db.session, token, "brand-new-pass", "test-only-secret", 60)
        db.session.commit()
        assert db.session.query(LoginSession).filter_by(ended_at=None).count() == 0
    assert client.get(ME).status_code == 401


def test_a_cookie_in_the_old_form_is_refused(app, make):
    # "<id>:<fingerprint>", what sessions named before they were kept on the server.
    user = make.user()
    client = app.test_client()
    with app.app_context():
        fingerprint = db.session.get(User, user.id).password_fingerprint
    with client.session_transaction() as s:
        s["_user_id"] = f"{user.id}:{fingerprint}"
    assert client.get(ME).status_code == 401


def test_a_deactivated_account_is_logged_out(app, make):
    user = make.user()
    client = api_login(app, user)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get(ME).status_code == 401
