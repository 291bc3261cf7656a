"""The OpenAPI document is exact about errors: the fuzzer (`make fuzz`) holds every response
to it, so these tests keep the rules it relies on."""

from __future__ import annotations

import pytest

PUBLIC = {
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/register/confirm"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/login/second-factor"),  # the second step: no session yet
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/listings"),
    ("get", "/api/v1/listings/{item_id}"),
    ("get", "/api/v1/demands"),
    ("get", "/api/v1/demands/{item_id}"),
    ("get", "/api/v1/organizations"),
    ("get", "/api/v1/organizations/{org_id}"),
    ("get", "/api/v1/search/listings"),
    ("get", "/api/v1/search/demands"),
    ("get", "/api/v1/search/suggest"),
    ("post", "/api/v1/payments/stripe/webhook"),
    ("post", "/api/v1/auth/password-reset"),
    ("post", "/api/v1/auth/password-reset/confirm"),
    # The invitation link's holder: the token is the credential.
    ("post", "/api/v1/organizations/invitations/accept"),
    ("post", "/api/v1/organizations/invitations/decline"),
    ("get", "/api/v1/demands/{demand_id}/matches"),
    ("get", "/api/v1/listings/{listing_id}/matches"),
    ("get", "/api/v1/challenges/{challenge_id}/related-listings"),
    ("get", "/api/v1/brokers"),
    ("get", "/api/v1/brokers/{broker_id}"),
    ("get", "/api/v1/statistics"),
    ("get", "/api/v1/statistics/{key}"),
    # Auctions are public: sessions, admitted lots, their bid logs, results.
    ("get", "/api/v1/auctions/sessions"),
    ("get", "/api/v1/auctions/sessions/{session_id}"),
    ("get", "/api/v1/auctions/lots/{lot_id}"),
    ("get", "/api/v1/auctions/lots/{lot_id}/bids"),
    ("get", "/api/v1/auctions/results"),
    # The 榜单 hall, a published challenge, and the number of its proposals (the proposals
    # themselves only to the poster, operators and the proposing organization).
    ("get", "/api/v1/challenges"),
    ("get", "/api/v1/challenges/{challenge_id}"),
    ("get", "/api/v1/challenges/{challenge_id}/proposals"),
    ("get", "/api/v1/vouchers/programmes"),
    ("get", "/api/v1/vouchers/programmes/{programme_id}"),
}


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/openapi.json").json


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield method, path, operation


def resolve(spec, response):
    if "$ref" in response:
        return spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def test_every_error_is_listed_with_the_shape_the_api_sends(spec):
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        assert "default" not in responses, (method, path)
        assert any(code.startswith("2") for code in responses), (method, path)
        for code, response in responses.items():
            if int(code) >= 400:
                schema = resolve(spec, response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ApiError"}, (method, path, code)


def test_login_only_operations_say_so(spec):
    for method, path, operation in operations(spec):
        security = operation.get("security", spec["security"])
        if (method, path) in PUBLIC:
            assert security == [] or {} in security, (method, path)
        else:
            assert {} not in security and "401" in operation["responses"], (method, path)


def test_shapes_imply_statuses(spec):
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        if "{" in path:
            assert "404" in responses, (method, path)
        if path.endswith("/webhook"):
            continue  # signed deliveries: read by the view itself, never rate-limited
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            assert {"400", "422"} <= set(responses), (method, path)
        if method != "get":
            assert "429" in responses, (method, path)


def test_the_webhook_documents_its_answers(spec):
    responses = spec["paths"]["/api/v1/payments/stripe/webhook"]["post"]["responses"]
    assert set(responses) == {"200", "400", "404"}
