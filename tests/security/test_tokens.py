"""Personal API tokens with scopes and lifetimes, made only by a recently verified session.

Found by an outside review: tokens had no scope and no expiry, a token could create new
tokens (so a stolen one outlived its revocation), and tokens survived a password reset
while sessions did not, without the user being told.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import ApiToken
from marketplace.models.types import utcnow
from tests.conftest import PASSWORD, listing_payload
from tests.security.conftest import reset_link

TOKENS = "/api/v1/auth/tokens"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make_token(client, **body):
    r = client.post(TOKENS, json={"name": "ci", **body})
    assert r.status_code == 201, r.json
    return r.json


def test_a_token_shows_its_scopes_and_a_90_day_expiry(app, make):
    client = app.test_client(user=make.user())
    made = make_token(client)
    assert made["scopes"] == ["read", "write"]
    from datetime import datetime

    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(days=89, hours=23) < expires - utcnow() <= timedelta(days=90)
    listed = client.get(TOKENS).json
    assert listed[0]["expires_at"] == made["expires_at"] and "token" not in listed[0]


def test_a_read_token_cannot_write(app, make, client):
    owner = app.test_client(user=make.user())
    secret = make_token(owner, scopes=["read"])["token"]
    assert client.get("/api/v1/listings", headers=bearer(secret)).status_code == 200
    r = client.post("/api/v1/listings", json=listing_payload(), headers=bearer(secret))
    assert r.status_code == 403 and r.json["error"]["code"] == "insufficient_scope"


def test_a_write_token_cannot_read_if_it_lacks_read(app, make, client):
    owner = app.test_client(user=make.user())
    secret = make_token(owner, scopes=["write"])["token"]
    assert client.get("/api/v1/listings", headers=bearer(secret)).status_code == 403
    r = client.post("/api/v1/listings", json=listing_payload(), headers=bearer(secret))
    assert r.status_code == 201


@pytest.mark.parametrize(
    "method, path, area",
    [
        ("GET", "/api/v1/deals", "deals"),
        ("GET", "/api/v1/deals/payouts", "deals"),
        ("POST", "/api/v1/deals/1/messages", "deals"),
        ("PUT", "/api/v1/organizations/1/payout-account", "deals"),
        ("GET", "/api/v1/brokers/me/earnings", "deals"),
        ("GET", "/api/v1/auth/tokens", "account"),
        ("GET", "/api/v1/auth/sessions", "account"),
        ("DELETE", "/api/v1/auth/sessions", "account"),
        ("POST", "/api/v1/auth/password", "account"),
    ],
)
def test_the_money_and_account_areas_need_their_scope(app, make, client, method, path, area):
    owner = app.test_client(user=make.user())
    without = make_token(owner, scopes=["read", "write"])["token"]
    r = client.open(path, method=method, json={}, headers=bearer(without))
    assert r.status_code == 403 and r.json["error"]["code"] == "insufficient_scope", r.json
    assert area in r.json["error"]["message"]
    with_area = make_token(owner, scopes=["read", "write", area])["token"]
    r = client.open(path, method=method, json={}, headers=bearer(with_area))
    assert r.status_code != 403 or r.json["error"]["code"] != "insufficient_scope"


def test_who_am_i_needs_only_read(app, make, client):
    owner = app.test_client(user=make.user())
    secret = make_token(owner, scopes=["read"])["token"]
    assert client.get("/api/v1/auth/me", headers=bearer(secret)).status_code == 200


def test_a_token_cannot_create_tokens_even_with_every_scope(app, make, client):
    owner = app.test_client(user=make.user())
    secret = make_token(owner, scopes=["read", "write", "deals", "account"])["token"]
    r = client.post(TOKENS, json={"name": "successor"}, headers=bearer(secret))
    assert r.status_code == 401, r.json
    # Nor can it verify a session to get there.
    r = client.post("/api/v1/auth/verify", json={"password": PASSWORD}, headers=bearer(secret))
    assert r.status_code == 401
    with app.app_context():
        assert db.session.query(ApiToken).count() == 1


def test_creating_a_token_needs_a_recently_checked_password(app, make):
    user = make.user()
    client = app.test_client()
    client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert client.post(TOKENS, json={"name": "fresh login"}).status_code == 201
    app.config["REAUTH_MAX_AGE"] = 0
    try:
        r = client.post(TOKENS, json={"name": "stale"})
        assert r.status_code == 403 and r.json["error"]["code"] == "reauthentication_required"
        bad = client.post("/api/v1/auth/verify", json={"password": "wrong"})
        assert bad.status_code == 422
        app.config["REAUTH_MAX_AGE"] = 60
        assert client.post("/api/v1/auth/verify", json={"password": PASSWORD}).status_code == 204
        assert client.post(TOKENS, json={"name": "after verify"}).status_code == 201
    finally:
        app.config["REAUTH_MAX_AGE"] = 600


def test_an_expired_token_is_refused(app, make, client):
    owner = app.test_client(user=make.user())
    made = make_token(owner, expires_in_days=1)
    assert client.get("/api/v1/auth/me", headers=bearer(made["token"])).status_code == 200
    with app.app_context():
        db.session.get(ApiToken, made["id"]).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/auth/me", headers=bearer(made["token"])).status_code == 401
    assert owner.get(TOKENS).json == []  # and it is no longer listed


def test_lifetimes_and_scopes_are_validated(app, make):
    client = app.test_client(user=make.user())
    for body in ({"expires_in_days": 0}, {"expires_in_days": 400}, {"scopes": ["admin"]}):
        assert client.post(TOKENS, json={"name": "x", **body}).status_code == 422, body
    r = client.post(TOKENS, json={"name": "x", "scopes": ["deals"]})
    assert r.status_code == 422 and "scopes" in r.json["error"]["fields"]


def test_last_use_time_and_address_are_recorded(app, make):
    owner = app.test_client(user=make.user())
    made = make_token(owner)
    assert made["last_used_at"] is None
    app.test_client().get(
        "/api/v1/auth/me",
        headers=bearer(made["token"]),
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    [listed] = owner.get(TOKENS).json
    assert listed["last_used_at"] is not None and listed["last_used_ip"] == "198.51.100.9"


def _reset(app, client, mailbox, user, **form):
    client.post("/api/v1/auth/password-reset", json={"email": user.email})
    link = reset_link(mailbox()[-1][1])
    r = client.post(
        link, data={"password": "new-pass-9876", "password_confirm": "new-pass-9876", **form}
    )
    assert r.status_code == 303
    return mailbox()[-1]


def test_a_password_reset_revokes_every_token_and_says_so(app, make, mailbox, client):
    user = make.user()
    secret = make_token(app.test_client(user=user))["token"]
    to, body = _reset(app, client, mailbox, user)
    assert to == user.email
    assert client.get("/api/v1/auth/me", headers=bearer(secret)).status_code == 401
    assert "没有有效的个人 API 令牌" in body


def test_a_password_reset_may_keep_the_tokens_and_the_mail_lists_them(app, make, mailbox, client):
    user = make.user()
    secret = make_token(app.test_client(user=user), scopes=["read"])["token"]
    to, body = _reset(app, client, mailbox, user, keep_tokens="on")
    assert client.get("/api/v1/auth/me", headers=bearer(secret)).status_code == 200
    assert f"ci（{secret[:10]}" in body and "read" in body  # the mail is in Chinese first


def test_the_api_reset_revokes_tokens_unless_asked_to_keep_them(app, make, mailbox, client):
    from marketplace.accounts import password_reset
    from marketplace.models import User

    for keep, expected in ((False, 401), (True, 200)):
        user = make.user()
        secret = make_token(app.test_client(user=user))["token"]
        with app.app_context():
            token = password_reset.make_token(
                db.session.get(User, user.id), app.config["SECRET_KEY"]
            )
        r = client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": token, "password": "new-pass-9876", "keep_tokens": keep},
        )
        assert r.status_code == 204, r.json
        assert client.get("/api/v1/auth/me", headers=bearer(secret)).status_code == expected
        assert mailbox()[-1][0] == user.email
