"""Malformed bodies are a 400 in the API's error shape, on every route, for everyone.

Found by an outside review: a JSON body nested 50,000 deep, or an integer literal longer
than Python's 4,300-digit limit, reached the generic 500 handler (RecursionError /
ValueError from json.loads, which webargs does not catch).
"""

from __future__ import annotations

import re

import pytest

from marketplace.core import json_body

DEEP = "[" * 50_000 + "]" * 50_000
DEEP_OBJECT = '{"a":' * 40 + "1" + "}" * 40
LONG_NUMBER = '{"email": ' + "7" * 5_000 + "}"
NOT_UTF8 = b'{"email": "\xff\xfe"}'
BODIES = {
    "too deep": (DEEP, "application/json"),
    "deeper than the limit": (DEEP_OBJECT, "application/json"),
    "number too long": (LONG_NUMBER, "application/json"),
    "invalid utf-8": (NOT_UTF8, "application/json"),
    "truncated": ('{"email": ', "application/json"),
    "wrong content type": ('{"email": "a@example.org"}', "text/plain"),
    "form body": ("email=a%40example.org", "application/x-www-form-urlencoded"),
}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def api_writes(app) -> list[tuple[str, str]]:
    """Every API route and write method, with ids filled in."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", rule.rule)
        out.extend((m, path) for m in sorted(rule.methods or ()) if m in WRITE_METHODS)
    return sorted(set(out))


def assert_bad_request(response) -> None:
    assert response.status_code == 400, response.data[:300]
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["code"] == "bad_request"
    assert error["message"]
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize(
    "path", ["/api/v1/auth/login", "/api/v1/auth/password-reset", "/api/v1/auth/register"]
)
def test_anonymous_malformed_bodies_are_400(client, path, kind):
    body, content_type = BODIES[kind]
    assert_bad_request(client.post(path, data=body, headers={"Content-Type": content_type}))


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_malformed_bodies_are_400_with_rate_limits_on(client, rate_limits, kind):
    # The reset route's per-address key function reads the body before webargs does.
    body, content_type = BODIES[kind]
    response = client.post(
        "/api/v1/auth/password-reset", data=body, headers={"Content-Type": content_type}
    )
    assert_bad_request(response)


def test_every_api_write_refuses_malformed_bodies(app, make):
    writes = api_writes(app)
    assert len(writes) > 40
    clients = {"anonymous": app.test_client(), "researcher": app.test_client(user=make.user())}
    for who, client in clients.items():
        for method, path in writes:
            for kind in ("too deep", "number too long", "invalid utf-8"):
                body, content_type = BODIES[kind]
                response = client.open(
                    path, method=method, data=body, headers={"Content-Type": content_type}
                )
                assert response.status_code == 400, (who, method, path, kind, response.data)
                assert response.get_json()["error"]["code"] == "bad_request"


def test_well_formed_bodies_still_work(make, app):
    client = app.test_client(user=make.user("researcher"))
    from tests.conftest import listing_payload

    assert client.post("/api/v1/listings", json=listing_payload()).status_code == 201
    # An empty body with no type is no body at all.
    assert client.post("/api/v1/auth/logout").status_code == 204


def test_uploads_still_take_multipart(make, app):
    # Multipart is what the upload routes read; it is not refused as a wrong type.
    client = app.test_client(user=make.user("researcher"))
    import io

    upload = {"file": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")}
    response = client.post("/api/v1/deals/999/attachments", data=upload)
    assert response.status_code == 404


def test_the_json_reader_itself():
    assert json_body.loads(b'{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    assert json_body.depth({"a": [1, {"b": 2}]}) == 3
    for raw in (DEEP, DEEP_OBJECT, LONG_NUMBER, NOT_UTF8, "{"):
        with pytest.raises(json_body.MalformedJson):
            json_body.loads(raw)


def test_a_jsonl_import_line_nested_too_deep_is_a_line_error():
    import io

    from marketplace.catalog.import_formats import _jsonl

    lines = list(_jsonl(io.BytesIO(DEEP.encode() + b"\n" + LONG_NUMBER.encode() + b"\n")))
    assert [error is not None for _, _, error in lines] == [True, True]
