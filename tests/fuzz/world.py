"""The data the API fuzzer works on: one person per role, their organizations, listings and
demands in every publication state, deals at several stages (with messages, an attachment,
a released milestone and a pending payout), and a personal API token per person.

Built once per session through the real services and the API itself, so every row is one
the application could have made; tests/fuzz/conftest.py snapshots it and restores it before
each test. The fuzzer steers integer path parameters onto the ids recorded here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

import pyotp
from flask import Flask

from marketplace.accounts import (
    documents,
    invitations,
    join_requests,
    registration,
    second_factor,
    tokens,
)
from marketplace.accounts import users as accounts
from marketplace.extensions import db
from marketplace.models import User
from tests.conftest import PASSWORD, Factory

# The "…_cookie" roles use a logged-in session cookie with its CSRF token (CSRF is on in
# the fuzzer's app), the others a personal API token with every scope.
COOKIE_ROLES = ("researcher_cookie", "operator_cookie")
ROLES = ("anonymous", "researcher", "enterprise_member", "broker", "operator", *COOKIE_ROLES)
DEALS = "/api/v1/deals"
# The second factors of the operator and the broker (KEYS: the fuzz app's SECRET_KEY).
TOTP_SECRETS = {
    "operator": "FUZZOPERATORSECRETAAAAAAAAAAAAAA",
    "broker": "FUZZBROKERSECRETAAAAAAAAAAAAAAAA",
}
KEYS = ["fuzz-only-secret"]
_codes_used: dict[str, int] = {}


@dataclass
class World:
    """What a fuzz run needs to know about the data: how to authenticate as each role,
    and the ids of the rows it made, by kind."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)  # the cookie roles'
    ids: dict[str, list[int]] = field(default_factory=dict)

    def add(self, kind: str, *ids: int) -> None:
        self.ids.setdefault(kind, []).extend(ids)


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def _terms(amounts: tuple[int, ...]) -> dict:
    return {
        "price": sum(amounts),
        "currency": "CNY",
        "transfer_mode": "license_exclusive",
        "milestones": [
            {"title": f"阶段 {n}", "amount": a, "due_date": "2027-03-01"}
            for n, a in enumerate(amounts, start=1)
        ],
    }


def build_world(app: Flask) -> World:
    make = Factory(app)
    world = World()
    university = make.organization("university", name="宁波大学")
    enterprise = make.organization("enterprise", name="宁波储能科技有限公司")
    agency = make.organization("agency", name="甬江技术转移中心")
    people: dict[str, User] = {
        "researcher": make.user("researcher", organization=university, email="r@example.org"),
        "enterprise_member": make.user(
            "enterprise_member", organization=enterprise, email="e@example.org"
        ),
        "broker": make.user("broker", organization=agency, email="b@example.org"),
        "operator": make.user("operator", email="o@example.org"),
    }
    world.add("organization", university.id, enterprise.id, agency.id)
    # The university's people (the researcher administers it): a colleague, an invitation
    # waiting, a registrant asking to join, and its business licence.
    colleague = make.user("researcher", organization=university, email="c@example.org")
    world.add("user", *(p.id for p in people.values()), colleague.id)
    with app.app_context():
        admin = db.session.get(User, people["researcher"].id)
        invitation = invitations.invite(db.session, admin, university.id, "invited@example.org")
        joiner, _ = registration.register(
            db.session,
            email="j@example.org",
            password=PASSWORD,
            display_name="申请人",
            role="researcher",
            organization_name="宁波大学",
            organization_kind="university",
        )
        joiner.confirmed_at = joiner.created_at
        document = documents.add_document(
            db.session,
            admin,
            university.id,
            io.BytesIO(b"%PDF-1.4\n%licence\n"),
            "licence.pdf",
            "business_licence",
            storage_dir=app.config["ATTACHMENTS_DIR"],
        )
        db.session.commit()
        world.add("invitation", invitation.id)
        world.add(
            "join_request", *(r.id for r in join_requests.pending_requests_of(db.session, joiner))
        )
        world.add("document", document.id)

    # Listings by the researcher and demands by the enterprise, one per workflow state.
    researcher, member = people["researcher"], people["enterprise_member"]
    for status in ("published", "draft", "pending_review", "rejected", "closed", "withdrawn"):
        world.add("listing", make.listing(researcher, status=status).id)
        world.add("demand", make.demand(member, status=status).id)
    second = make.listing(researcher, status="published", title="钠电池负极硬碳材料")
    world.add("listing", second.id)

    with app.app_context():
        # Operators and brokers must have a second factor (the fuzzer's app enforces it, as
        # production does): theirs are set up with known secrets, so that the world can
        # log in and step up as they would.
        for role in ("operator", "broker"):
            user = db.session.get(User, people[role].id)
            second_factor.enable_with_secret(db.session, user, TOTP_SECRETS[role], KEYS)
        for role, person in people.items():
            user = db.session.get(User, person.id)
            _, secret = accounts.create_api_token(
                db.session, user, f"fuzz {role}", scopes=tokens.SCOPES
            )
            world.headers[role] = {"Authorization": f"Bearer {secret}"}
            # A second token, for the fuzzer to list and revoke instead of the one it uses.
            spare, _ = accounts.create_api_token(db.session, user, f"spare {role}")
            world.add("token", spare.id)
        db.session.commit()
    world.headers["anonymous"] = {}
    for role in COOKIE_ROLES:
        world.cookies[role], world.headers[role] = _session(
            app, people[role.removesuffix("_cookie")]
        )
    clients = {role: _Client(app, world.headers[role]) for role in people}
    buyer, supplier, operator = (
        clients["enterprise_member"],
        clients["researcher"],
        clients["operator"],
    )

    # Deal 1: funded and in progress, one milestone accepted (a payout waits), one open.
    deal = _ok(
        buyer.post(DEALS, json={"listing_id": world.ids["listing"][0], "message": "你好"}), 201
    )
    did = deal["id"]
    _ok(supplier.post(f"{DEALS}/{did}/messages", json={"body": "可以，价格面议。"}), 201)
    offer = _ok(supplier.post(f"{DEALS}/{did}/terms", json=_terms((600_000, 400_000))), 201)
    for side in (buyer, supplier):
        _ok(
            side.post(
                f"{DEALS}/{did}/terms/confirm", json={"terms_hash": offer["current_terms_hash"]}
            )
        )
    funding = _ok(buyer.post(f"{DEALS}/{did}/funding"), 201)
    _ok(
        operator.post(
            f"{DEALS}/{did}/funding/confirm",
            json={"reference": funding["reference"], "amount": 1_000_000},
            headers={"X-Second-Factor": next_code("operator")},
        )
    )
    deal = _ok(supplier.post(f"{DEALS}/{did}/start"))
    first, second_ms = (m["id"] for m in deal["milestones"])
    _ok(supplier.post(f"{DEALS}/{did}/milestones/{first}/deliver", json={"note": "交付说明"}))
    _ok(buyer.post(f"{DEALS}/{did}/milestones/{first}/accept"))
    upload = {"file": (io.BytesIO(b"%PDF-1.4\n%fuzz\n"), "contract.pdf")}
    attachment = _ok(
        supplier.post(
            f"{DEALS}/{did}/attachments", data=upload, content_type="multipart/form-data"
        ),
        201,
    )
    world.add("deal", did)
    world.add("milestone", first, second_ms)
    world.add("attachment", attachment["id"])

    # Deal 2: negotiating, on the second listing. Deal 3: the researcher answers a demand.
    deal2 = _ok(buyer.post(DEALS, json={"listing_id": second.id}), 201)["id"]
    _ok(buyer.post(f"{DEALS}/{deal2}/terms", json=_terms((300_000,))), 201)
    deal3 = _ok(supplier.post(DEALS, json={"demand_id": world.ids["demand"][0]}), 201)["id"]
    world.add("deal", deal2, deal3)

    _challenges(app, world, buyer, supplier, operator, university.id)
    _vouchers(app, world, buyer, operator)
    _auction(app, make, world, people)

    payouts = _ok(operator.get(f"{DEALS}/payouts"))
    world.add("payout", *(p["id"] for p in payouts))
    return world


CHALLENGES = "/api/v1/challenges"


def _auction(app: Flask, make: Factory, world: World, people: dict[str, User]) -> None:
    """An auction session open for a week with the researcher's admitted lot, and the
    enterprise registered on it (deposit pending: it may pay by bank transfer or card)."""
    from datetime import timedelta

    from marketplace.auctions import deposits, lots
    from marketplace.models import Organization
    from marketplace.models.types import utcnow

    listing = make.listing(people["researcher"], status="published")
    with app.app_context():
        operator = db.session.get(User, people["operator"].id)
        seller = db.session.get(User, people["researcher"].id)
        now = utcnow()
        auction = lots.schedule_session(
            db.session,
            operator,
            title="新材料专场",
            domain="new_materials",
            starts_at=now + timedelta(minutes=1),
            ends_at=now + timedelta(days=7),
            rules="一次性付款",
            now=now,
        )
        lot = lots.apply_lot(
            db.session,
            seller,
            auction.id,
            {
                "listing_id": listing.id,
                "transfer_mode": "assignment",
                "start_price": 100_000_000,
                "ladder": [{"below": None, "step": 5_000_000}],
                "reserve_price": None,
                "deposit": 10_000_000,
                "extension_minutes": 5,
            },
            now=now,
        )
        lots.decide_lot(db.session, operator, lot.id, "admit")
        member = db.session.get(User, people["enterprise_member"].id)
        db.session.get(Organization, member.organization_id).verification_status = "verified"
        db.session.commit()
        reg = deposits.register(db.session, member, lot.id, now=now)
        db.session.commit()
        world.add("auction_session", auction.id)
        world.add("lot", lot.id)
        world.add("registration", reg.id)


def _challenges(app: Flask, world: World, buyer, supplier, operator, university_id: int):
    """Challenges through the API: a draft, one awaiting its bounty, an open one with the
    university's proposal (verified for it) and a question on it."""
    from sqlalchemy import select

    from marketplace.challenges import workflow as challenge_workflow
    from marketplace.models import Organization

    body = {
        "title": "耐高温稀土永磁材料",
        "statement": "矫顽力不低于 20 kOe",
        "domain": "rare_earth_magnets",
        "bounty": 1_000_000,
        "criteria": ["技术路线"],
        "proposal_deadline": "2030-01-01T09:00:00+08:00",
        "delivery_days": 90,
        "indicators": [{"name": "矫顽力", "target_value": "20", "unit": "kOe"}],
    }
    draft, awaiting, opened = (_ok(buyer.post(CHALLENGES, json=body), 201)["id"] for _ in "abc")
    for cid in (awaiting, opened):
        _ok(buyer.post(f"{CHALLENGES}/{cid}/submit"))
        _ok(operator.post(f"{CHALLENGES}/{cid}/review", json={"action": "approve"}))
    with app.app_context():
        # Funded through the service: the operator's few second-factor codes are the deals'.
        challenge_workflow.confirm_funding(
            db.session,
            db.session.scalar(select(User).where(User.email == "o@example.org")),
            opened,
            reference=f"CH{opened:06d}",
            amount=1_000_000,
        )
        db.session.get(Organization, university_id).verification_status = "verified"
        db.session.commit()
    indicator = _ok(buyer.get(f"{CHALLENGES}/{opened}"))["indicators"][0]["id"]
    plan = [{"indicator_id": indicator, "plan": "晶界扩散"}]
    proposal = _ok(
        supplier.post(
            f"{CHALLENGES}/{opened}/proposals",
            json={"approach": "烧结工艺", "price": 800_000, "plan": plan},
        ),
        201,
    )["id"]
    question = _ok(
        buyer.post(f"{CHALLENGES}/proposals/{proposal}/questions", json={"question": "几人？"}),
        201,
    )["id"]
    report = {"file": (io.BytesIO(b"%PDF-1.4\n%fuzz\n"), "检测报告.pdf")}
    proposal_file = _ok(
        supplier.post(
            f"{CHALLENGES}/proposals/{proposal}/files",
            data=report,
            content_type="multipart/form-data",
        ),
        201,
    )["id"]
    world.add("challenge", opened, awaiting, draft)
    world.add("proposal", proposal)
    world.add("question", question)
    world.add("proposal_file", proposal_file)


VOUCHERS = "/api/v1/vouchers"


def _vouchers(app: Flask, world: World, buyer, operator) -> None:
    """A voucher programme (defined and funded through the service: the operator's
    second-factor codes are the deals'), the enterprise verified, one application waiting
    and one granted through the API."""
    from datetime import timedelta

    from sqlalchemy import select

    from marketplace.core.localtime import today
    from marketplace.models import Organization
    from marketplace.vouchers import programmes

    with app.app_context():
        op = db.session.scalar(select(User).where(User.email == "o@example.org"))
        programme = programmes.create(
            db.session,
            op,
            {
                "name": "科技创新券 fuzz",
                "issuing_body": "科技局",
                "per_application_cap": 2_000_000,
                "per_year_cap": 10_000_000,
                "valid_from": today() - timedelta(days=1),
                "valid_to": today() + timedelta(days=365),
                "supplier_kinds": ["university", "institute"],
                "max_share_bp": 5000,
            },
            budget=100_000_000,
            reference="FUZZ-1",
        )
        pid = programme.id
        member = db.session.scalar(select(User).where(User.email == "e@example.org"))
        db.session.get(Organization, member.organization_id).verification_status = "verified"
        db.session.commit()
    body = {"programme_id": pid, "amount": 1_000_000, "purpose": "技术服务"}
    waiting = _ok(buyer.post(f"{VOUCHERS}/applications", json=body), 201)["id"]
    granted = _ok(buyer.post(f"{VOUCHERS}/applications", json=body), 201)["id"]
    with app.app_context():
        from marketplace.vouchers import applications

        op = db.session.scalar(select(User).where(User.email == "o@example.org"))
        applications.grant(db.session, op, granted)
        db.session.commit()
    world.add("voucher_programme", pid)
    world.add("voucher_application", waiting, granted)


class _Client:
    """A test client that sends one person's bearer token with every request."""

    def __init__(self, app: Flask, headers: dict[str, str]):
        self.client = app.test_client()
        self.headers = headers

    def get(self, url: str, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, headers: dict[str, str] | None = None, **kw):
        return self.client.post(url, headers=self.headers | (headers or {}), **kw)


def next_code(role: str) -> str:
    """A TOTP code of ``role`` not used yet: the current step's, then the next one's (a
    code is accepted once, and one step ahead is within the allowed drift)."""
    totp = pyotp.TOTP(TOTP_SECRETS[role])
    step = totp.timecode(datetime.now()) + _codes_used.get(role, 0)
    _codes_used[role] = _codes_used.get(role, 0) + 1
    return totp.generate_otp(step)


def _session(app: Flask, person: User) -> tuple[dict[str, str], dict[str, str]]:
    """A real login through the API: the session cookie, and the CSRF header it needs
    (with the code of the second factor, for the operator)."""
    client = app.test_client()
    body = {"email": person.email, "password": PASSWORD}
    response = client.post("/api/v1/auth/login", json=body)
    if response.status_code == 202:
        role = "operator" if person.email.startswith("o@") else "broker"
        response = client.post("/api/v1/auth/login/second-factor", json={"code": next_code(role)})
    body = _ok(response)
    cookie = client.get_cookie("session")
    return {"session": cookie.value}, {"X-CSRFToken": body["csrf_token"]}
