"""Rate limits on login, registration, password reset and the write API (switched on here;
the rest of the suite runs with them off)."""

from __future__ import annotations

import pytest

from tests.conftest import listing_payload
from tests.views.conftest import text


def client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def limits(app, monkeypatch, rate_limits):
    def set_limit(name: str, value: str) -> None:
        monkeypatch.setitem(app.config, name, value)

    return set_limit


def test_page_login_429_is_a_clear_page_with_retry_after(client, make, limits):
    limits("LOGIN_RATE_LIMIT", "2 per minute")
    user = make.user()
    codes = [
        client.post("/login", data={"email": user.email, "password": "nope"}).status_code
        for _ in range(2)
    ]
    blocked = client.post("/login", data={"email": user.email, "password": "nope"})
    assert codes == [401, 401] and blocked.status_code == 429
    assert blocked.mimetype == "text/html"
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    assert "请在" in text(blocked) or "try again" in text(blocked).lower()
    # Looking at the form is never limited.
    assert client.get("/login").status_code == 200


def test_api_429_is_json_in_the_error_shape(client, limits):
    limits("LOGIN_RATE_LIMIT", "1 per minute")
    body = {"email": "a@example.org", "password": "whatever-1"}
    assert client.post("/api/v1/auth/login", json=body).status_code == 401
    r = client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 429 and r.mimetype == "application/json"
    error = r.get_json()["error"]
    assert error["code"] == "rate_limited" and error["status"] == 429
    assert "1 per 1 minute" in error["message"] and "Try again in" in error["message"]
    assert int(r.headers["Retry-After"]) > 0


def test_registration_is_limited_on_the_page_and_the_api(client, limits):
    limits("REGISTER_RATE_LIMIT", "1 per hour")
    assert client.post("/register", data={}).status_code == 422
    assert client.post("/register", data={}).status_code == 429
    assert client.post("/api/v1/auth/register", json={}).status_code == 422
    assert client.post("/api/v1/auth/register", json={}).status_code == 429


def test_password_reset_is_limited_per_address_and_per_client(app, make, limits, mailbox):
    limits("PASSWORD_RESET_EMAIL_LIMIT", "2 per hour")
    limits("PASSWORD_RESET_RATE_LIMIT", "4 per hour")
    user = make.user()
    first = [
        client_from(app, f"10.0.0.{i}").post("/password/forgot", data={"email": user.email})
        for i in range(3)
    ]
    first = [r.status_code for r in first]
    # The third request for the same address is refused, even from another client address.
    assert first == [303, 303, 429]
    assert len(mailbox()) == 2
    client = client_from(app, "10.0.0.9")
    codes = [
        client.post("/password/forgot", data={"email": f"n{i}@example.org"}).status_code
        for i in range(5)
    ]
    assert codes == [303, 303, 303, 303, 429]
    api = client_from(app, "10.0.1.1").post(
        "/api/v1/auth/password-reset", json={"email": user.email}
    )
    assert api.status_code == 429  # the same address, counted across the page and the API


def test_write_api_is_limited_per_user_not_per_address(app, make, limits):
    limits("WRITE_RATE_LIMIT", "2 per minute")
    alice, bob = make.user(), make.user()
    a, b = app.test_client(user=alice), app.test_client(user=bob)
    codes = [a.post("/api/v1/listings", json=listing_payload()).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    # Another user from the same address has their own allowance; reads are not limited.
    assert b.post("/api/v1/listings", json=listing_payload()).status_code == 201
    assert a.get("/api/v1/listings").status_code == 200
    # One allowance across the whole write API, whatever the resource.
    assert a.patch("/api/v1/listings/1", json={"trl": 5}).status_code == 429
    assert a.post("/api/v1/demands", json={}).status_code == 429
    assert a.delete("/api/v1/auth/tokens/1").status_code == 429


def test_write_api_limits_anonymous_callers_per_address(client, limits):
    limits("WRITE_RATE_LIMIT", "1 per minute")
    assert client.post("/api/v1/listings", json={}).status_code == 422  # counted all the same
    assert client.post("/api/v1/listings", json={}).status_code == 429
