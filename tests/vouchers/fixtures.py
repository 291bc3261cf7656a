"""Helpers shared by the voucher tests: a programme funded through the real service, a
verified enterprise with a granted voucher, a deal on a verified university's listing
walked to agreement. (No tests here.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from marketplace.core.localtime import today
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.extensions import db
from marketplace.models import Deal, Organization, User
from marketplace.vouchers import applications, programmes

BUDGET = 10_000_000  # 100,000.00 元
CAP = 2_000_000  # 20,000.00 元 per application
YEAR_CAP = 10_000_000


def user(u: User) -> User:
    return db.session.get(User, u.id)


def verify(make, org_id: int) -> None:
    with make.app.app_context():
        db.session.get(Organization, org_id).verification_status = "verified"
        db.session.commit()


_names = iter(range(1, 1_000_000))


def programme_data(**overrides) -> dict:
    data = {
        "name": f"宁波市科技创新券 2026-{next(_names)}",
        "issuing_body": "宁波市科学技术局",
        "currency": "CNY",
        "per_application_cap": CAP,
        "per_year_cap": YEAR_CAP,
        "valid_from": today() - timedelta(days=30),
        "valid_to": today() + timedelta(days=300),
        "transfer_modes": [],
        "domains": [],
        "supplier_kinds": ["university", "institute"],
        "max_share_bp": 5000,
    }
    return data | overrides


def programme(session, operator: User, budget: int = BUDGET, **overrides) -> int:
    data = programme_data(**overrides)
    p = programmes.create(
        session, user(operator), data, budget=budget, reference=f"BUR-{data['name']}"
    )
    return p.id


@dataclass
class Scene:
    buyer: User
    supplier: User
    operator: User
    listing_id: int
    programme_id: int


def scene(make, budget: int = BUDGET, **overrides) -> Scene:
    buyer = make.user("enterprise_member")
    verify(make, buyer.organization_id)
    supplier = make.user("researcher")
    verify(make, supplier.organization_id)
    listing = make.listing(supplier, status="published")
    operator = make.operator()
    pid = programme(db.session, operator, budget, **overrides)
    return Scene(user(buyer), user(supplier), user(operator), listing.id, pid)


def granted(s: Scene, amount: int = CAP, granted_amount: int | None = None) -> int:
    app = applications.apply(
        db.session, user(s.buyer), s.programme_id, amount=amount, purpose="购买专利许可"
    )
    applications.grant(db.session, user(s.operator), app.id, amount=granted_amount)
    return app.id


def agreed_deal(s: Scene, amounts=(3_000_000, 1_000_000)) -> int:
    deal = deal_workflow.open_deal(
        db.session, user(s.buyer), listing_id=s.listing_id, message="想买"
    )
    db.session.commit()
    data = {
        "price": sum(amounts),
        "currency": "CNY",
        "transfer_mode": "license_exclusive",
        "milestones": [
            {"title": f"交付 {n}", "amount": a, "due_date": None}
            for n, a in enumerate(amounts, start=1)
        ],
    }
    deal_terms.propose_terms(db.session, user(s.supplier), deal.id, data, platform_fee_bp=300)
    h = db.session.get(Deal, deal.id).current_terms.terms_hash
    deal_terms.confirm_terms(db.session, user(s.buyer), deal.id, h)
    deal_terms.confirm_terms(db.session, user(s.supplier), deal.id, h)
    db.session.commit()
    return deal.id
