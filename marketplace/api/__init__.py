"""The JSON API under /api/v1 (flask-smorest), its OpenAPI document and local docs."""

from __future__ import annotations

import swagger_ui_bundle
from flask import Flask, current_app, request, send_from_directory
from flask_login import current_user

from marketplace.accounts import tokens
from marketplace.api.spec import CommonResponses, TechMarketApi
from marketplace.extensions import csrf, limiter
from marketplace.web import idempotency
from marketplace.web.auth import current_api_token, has_authorization_header

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def init_app(app: Flask) -> None:
    # Swagger UI from the swagger-ui-bundle package: no CDN at run time.
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/api/docs/static/")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "TechMarket: listings, demands, organizations and accounts. "
                "Authenticate with a session cookie plus the X-CSRFToken header, or with "
                "`Authorization: Bearer <personal API token>`. Amounts are integers in minor "
                "units (fen for CNY). Times are ISO 8601 instants with an explicit offset, "
                "given in UTC (`2026-03-31T15:30:00+00:00`); a time sent without an offset is "
                "read as UTC. Date filters (`start`/`end` of broker statements and rankings) "
                "are calendar days in Asia/Shanghai, the marketplace's clock: `end=2026-03-31` "
                "ends at 2026-04-01T00:00+08:00 (2026-03-31T16:00Z).",
            },
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                    "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearerAuth": []}, {"cookieAuth": []}, {}],
        },
    )
    api = TechMarketApi(app, spec_kwargs={"extra_plugins": [CommonResponses()]})
    app.extensions["techmarket_api"] = api

    from marketplace.api import (
        accounts,
        auctions,
        audit,
        broker_deals,
        brokers,
        challenges,
        deal_files,
        deal_paper,
        deals,
        demands,
        listings,
        matching,
        members,
        notifications,
        organizations,
        password_reset,
        search,
        statistics,
        todos,
        vouchers,
        webhooks,
    )

    registered: list[str] = []
    for module in (
        accounts,
        password_reset,
        listings,
        demands,
        matching,
        organizations,
        members,
        search,
        deals,
        deal_files,
        deal_paper,
        notifications,
        todos,
        webhooks,
        brokers,
        broker_deals,
        audit,
        statistics,
        auctions,
        challenges,
        vouchers,
    ):
        blp = module.create_blueprint()
        # The API does its own CSRF check (below): session-authenticated writes need the
        # X-CSRFToken header; token-authenticated requests carry no ambient credentials.
        csrf.exempt(blp)
        blp.before_request(_api_csrf)
        blp.before_request(_api_token_scope)
        if module is not webhooks:
            # Stripe's deliveries are authenticated by signature and must not be throttled.
            # One allowance for all writes, per user (or per address when anonymous).
            limiter.shared_limit(
                lambda: app.config["WRITE_RATE_LIMIT"],
                scope="api-write",
                methods=["POST", "PUT", "PATCH", "DELETE"],
            )(blp)
        api.register_blueprint(blp)
        registered.append(blp.name)
    # After registering: wraps the write views in the Idempotency-Key handling.
    idempotency.init_app(app, registered)

    @app.route("/api/docs/static/<path:filename>")
    def swagger_static(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


def _api_csrf() -> None:
    if (
        request.method in SAFE_METHODS
        # With an Authorization header the session cookie is ignored (web/auth.py): the
        # request is authenticated by its token or not at all, so no CSRF token is needed.
        or has_authorization_header()
        or not current_app.config["WTF_CSRF_ENABLED"]
    ):
        return
    if request.endpoint and request.endpoint.endswith(("Login", "Register", ".login", ".register")):
        return
    if current_user.is_authenticated:
        csrf.protect()


def _api_token_scope() -> None:
    """A token-authenticated call needs its method's scope and its area's (accounts/tokens.py)."""
    token = current_api_token()
    if token is not None:
        tokens.check_scopes(token, request.blueprint, request.endpoint, request.method)
