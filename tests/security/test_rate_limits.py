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


def test_registration_is_limited_on_the_page_and_the_api(app, client, limits):
    limits("REGISTER_RATE_LIMIT", "1 per hour")
    assert client.post("/register", data={}).status_code == 422
    assert client.post("/register", data={}).status_code == 429
    # One allowance for the page and the API together.
    assert client.post("/api/v1/auth/register", json={}).status_code == 429
    other = client_from(app, "10.0.3.3")
    assert other.post("/api/v1/auth/register", json={}).status_code == 422
    assert other.post("/api/v1/auth/register", json={}).status_code == 429


def test_password_reset_is_limited_per_address_and_per_client(app, make, limits, mailbox):
    limits("PASSWORD_RESET_EMAIL_LIMIT", "2 per hour")
    limits("PASSWORD_RESET_ADDRESS_RATE_LIMIT", "4 per hour")
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


# Keyed on (address, e-mail) with a larger per-address budget: one campus NAT address
# does not lock out its users (the outside review's first reset was refused).


def test_one_campus_address_does_not_lock_out_its_users(app, make, limits, mailbox):
    limits("LOGIN_RATE_LIMIT", "3 per minute")
    limits("LOGIN_ADDRESS_RATE_LIMIT", "20 per minute")
    campus = client_from(app, "10.8.0.1")
    guesser, colleague = make.user(), make.user()
    wrong = {"email": guesser.email, "password": "nope-nope"}
    codes = [campus.post("/api/v1/auth/login", json=wrong).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # A colleague behind the same address still logs in, on the page and the API.
    from tests.conftest import PASSWORD

    right = {"email": colleague.email, "password": PASSWORD}
    assert client_from(app, "10.8.0.1").post("/api/v1/auth/login", json=right).status_code == 200
    assert client_from(app, "10.8.0.1").post("/login", data=right).status_code == 303


def test_the_per_address_budget_still_stops_a_flood(app, limits):
    limits("LOGIN_RATE_LIMIT", "3 per minute")
    limits("LOGIN_ADDRESS_RATE_LIMIT", "5 per minute")
    flood = client_from(app, "10.9.0.1")
    codes = [
        flood.post("/api/v1/auth/login", json={"email": f"u{i}@example.org", "password": "x"})
        for i in range(6)
    ]
    assert [r.status_code for r in codes] == [401] * 5 + [429]
    assert int(codes[-1].headers["Retry-After"]) > 0
    # Another address is not affected.
    other = client_from(app, "10.9.0.2")
    assert (
        other.post(
            "/api/v1/auth/login", json={"email": "u0@example.org", "password": "x"}
        ).status_code
        == 401
    )


def test_a_first_reset_from_a_busy_campus_address_is_accepted(app, make, limits, mailbox):
    # Defaults: five resets an hour per (address, e-mail), fifty per address.
    campus = client_from(app, "10.8.0.1")
    for i in range(10):
        r = campus.post("/api/v1/auth/password-reset", json={"email": f"s{i}@example.org"})
        assert r.status_code == 202
    user = make.user()
    assert campus.post("/api/v1/auth/password-reset", json={"email": user.email}).status_code == 202
    assert [to for to, _ in mailbox()] == [user.email]


def test_rate_limit_keys_read_the_email_from_forms_and_json(app):
    from marketplace.web.rate_limits import address_and_email_key

    with app.test_request_context("/login", method="POST", data={"email": " A@Example.org "}):
        assert address_and_email_key().endswith("|email:a@example.org")
    with app.test_request_context("/api/v1/auth/login", method="POST", json={"email": "B@x.org"}):
        assert address_and_email_key().endswith("|email:b@x.org")
    with app.test_request_context("/api/v1/auth/login", method="POST", json=[1, 2]):
        assert address_and_email_key().endswith("|email:")


def test_limits_count_once_however_many_apps_were_made(app, make, limits, tmp_path, monkeypatch):
    # Each app decorates its API blueprints again; a limit whose value was a new callable
    # each time was kept once per app, and every request counted once per copy.
    from marketplace import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    for _ in range(2):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    from marketplace.extensions import limiter

    limiter.enabled = True
    limiter.reset()
    limits("LOGIN_RATE_LIMIT", "2 per minute")
    body = {"email": "a@example.org", "password": "whatever-1"}
    codes = [app.test_client().post("/api/v1/auth/login", json=body).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
