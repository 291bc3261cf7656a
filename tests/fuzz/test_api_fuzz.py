"""Schemathesis against the app's own OpenAPI document, as each role in turn.

Every operation of /api/openapi.json is called with generated valid and invalid input,
in-process through WSGI, authenticated as anonymous, researcher, enterprise_member,
broker and operator (personal API tokens with every scope), and as a researcher and an
operator logged in with a session cookie (CSRF on: the X-CSRFToken header is sent).
tests/fuzz/test_malformed_bodies.py sends every write operation malformed bodies. Each response must not be a server error,
must have a status and content type the document lists for that operation, must match
the schema documented for that status, and must not be a success for an anonymous caller
on an operation documented as login-only.

FUZZ_EXAMPLES bounds the examples per operation and role (the test suite's default is
small; `make fuzz` raises it), FUZZ_SEED fixes the generation, FUZZ_PHASES picks
schemathesis' phases and FUZZ_ROLES=all runs every role (tests/fuzz/conftest.py).
"""

from __future__ import annotations

import json
import os
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.statistics import dashboard
from tests.fuzz.conftest import WEBHOOK_SECRET, make_app
from tests.fuzz.world import ROLES
from tests.payments.conftest import sign

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
SEED = int(os.environ.get("FUZZ_SEED", "20261129"))
# "coverage" adds schemathesis' deterministic boundary and negative cases (a few hundred per
# operation): `make fuzz` runs it, the short run in CI and the test suite do not.
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing").split(",")


def login_is_required(ctx, response, case) -> None:
    """An operation documented for logged-in callers only never succeeds anonymously."""
    security = case.operation.definition.raw.get("security")
    sent = response.request
    if sent.method != case.operation.method.upper():
        return  # the coverage phase also probes other methods (Flask answers OPTIONS itself)
    # Token roles send Authorization, cookie roles their session cookie and X-CSRFToken.
    anonymous = not any(h in sent.headers for h in ("Authorization", "Cookie", "X-CSRFToken"))
    if security and {} not in security and anonymous and response.status_code < 400:
        raise AssertionError(
            f"{case.operation.label} is documented as login-only but answered an anonymous "
            f"caller with {response.status_code}"
        )


CHECKS = [
    not_a_server_error,
    login_is_required,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def openapi_document() -> dict:
    """The document as the app serves it (it depends on the code only, not on data)."""
    with tempfile.TemporaryDirectory(prefix="techmarket-fuzz-spec-") as instance:
        app = make_app(
            {"SECRET_KEY": "spec-only", "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance
        )
        return app.test_client().get("/api/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(
    openapi_document(),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "phases": {
                phase: {"enabled": phase in PHASES}
                for phase in ("examples", "coverage", "fuzzing", "stateful")
            },
            "generation": {
                "max-examples": EXAMPLES,
                "mode": "all",
                "database": "none",
                "with-security-parameters": False,
            },
        }
    ),
)

# Which table an integer path parameter points into. A small generated value is mapped onto
# a row that exists three times in four (and left as drawn, almost surely missing, the
# fourth); large ones, such as the coverage phase's boundaries, are sent as they are.
PATH_KINDS = {
    "deal_id": "deal",
    "milestone_id": "milestone",
    "attachment_id": "attachment",
    "payout_id": "payout",
    "org_id": "organization",
    "token_id": "token",
    "listing_id": "listing",  # matches of a listing
    "demand_id": "demand",  # matches of a demand
    "user_id": "user",  # members of an organization
    "invitation_id": "invitation",
    "request_id": "join_request",
    "document_id": "document",
    "challenge_id": "challenge",
    "proposal_id": "proposal",
    "question_id": "question",
    "file_id": "proposal_file",
    "programme_id": "voucher_programme",
    "application_id": "voucher_application",
    "session_id": "auction_session",
    "lot_id": "lot",
    "registration_id": "registration",
}
# Path parameters that name a figure: most generated strings become a real figure's key
# (the rest stay as generated, for the 404).
FIGURE_KEYS = {"/operator/dashboard/": sorted(dashboard.DASHBOARD)}
CURRENT: dict = {}
WEBHOOK = "/api/v1/payments/stripe/webhook"


@schema.hook
def map_path_parameters(context, path_parameters):
    world_ids = CURRENT["world"].ids
    path = context.operation.path
    mapped = dict(path_parameters or {})
    for name, value in mapped.items():
        keys = next((k for part, k in FIGURE_KEYS.items() if part in path), None)
        if name == "key" and keys and isinstance(value, str) and len(value) % 4 != 3:
            mapped[name] = keys[len(value) % len(keys)]
            continue
        if name == "item_id":
            kind = "listing" if "/listings/" in path else "demand"
        else:
            kind = PATH_KINDS.get(name)
        ids = world_ids.get(kind) or []
        if ids and isinstance(value, int) and 0 <= value <= 10_000 and value % 4 != 3:
            mapped[name] = ids[value % len(ids)]
    return mapped


@pytest.fixture(autouse=True)
def _current_world(world):
    CURRENT["world"] = world
    yield
    CURRENT.clear()


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
# The world is restored once per operation and role, and shared by that test's examples.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api(case, role, world, fuzz_app):
    if case.operation.path == WEBHOOK:
        deliver_event(case, role, fuzz_app)
    else:
        case.call_and_validate(
            app=fuzz_app,
            headers=world.headers[role],
            cookies=world.cookies.get(role),
            checks=CHECKS,
        )


def deliver_event(case, role, app) -> None:
    """The webhook has no login: anonymous deliveries go unsigned (a 400 each), and for the
    other roles the generated event is signed with the webhook secret, as Stripe would,
    so that it reaches the event handlers."""
    if isinstance(case.body, NotSet):
        payload = b""
    elif isinstance(case.body, bytes):
        payload = case.body
    else:
        payload = json.dumps(case.body).encode()
    headers = {"Content-Type": "application/json"}
    if role != "anonymous":
        headers["Stripe-Signature"] = sign(payload.decode("utf-8", "replace"), WEBHOOK_SECRET)
    response = app.test_client().post(WEBHOOK, data=payload, headers=headers)
    case.validate_response(response, checks=CHECKS)
