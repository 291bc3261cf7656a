"""The fuzzer's malformed bodies: every operation of the OpenAPI document that takes a
body, as an anonymous caller, a token holder and a cookie session (CSRF on), gets each
malformed body — nested too deep, a number too long, invalid UTF-8, a truncated document,
the wrong content type — and answers 400 in the API's error shape, never a 5xx."""

from __future__ import annotations

import re

import pytest

from tests.fuzz.test_api_fuzz import openapi_document

BODIES = {
    "too deep": ("[" * 50_000 + "]" * 50_000, "application/json"),
    "number too long": ('{"email": ' + "9" * 5_000 + "}", "application/json"),
    "invalid utf-8": (b'{"name": "\xff\xfe"}', "application/json"),
    "truncated": ('{"name": ', "application/json"),
    "wrong content type": ('{"name": "x"}', "text/plain"),
}
DOCUMENT = openapi_document()
WRITES = sorted(
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if method in ("post", "put", "patch", "delete")
)


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize("role", ["anonymous", "researcher", "operator_cookie"])
@pytest.mark.parametrize("method, path", WRITES)
def test_malformed_bodies_are_400_everywhere(fuzz_app, world, role, method, path):
    client = fuzz_app.test_client()
    for name, value in world.cookies.get(role, {}).items():
        client.set_cookie(name, value)
    for kind, (body, content_type) in BODIES.items():
        headers = {**world.headers[role], "Content-Type": content_type}
        r = client.open(concrete(path), method=method, data=body, headers=headers)
        assert r.status_code < 500, (kind, r.status_code, r.data[:200])
        if path.endswith("/webhook"):
            continue  # Stripe's deliveries are checked by signature before they are read
        assert r.status_code == 400, (kind, r.status_code, r.data[:200])
        assert r.get_json()["error"]["code"] == "bad_request", kind


def test_cookie_roles_are_logged_in_with_csrf_on(fuzz_app, world):
    client = fuzz_app.test_client()
    client.set_cookie("session", world.cookies["researcher_cookie"]["session"])
    me = client.get("/api/v1/auth/me", headers=world.headers["researcher_cookie"])
    assert me.status_code == 200 and me.json["email"] == "r@example.org"
    assert fuzz_app.config["WTF_CSRF_ENABLED"]
    # A cookie write without the CSRF header is refused.
    assert client.post("/api/v1/listings", json={}).status_code == 400
