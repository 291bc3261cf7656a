"""A small marketplace with one of everything, built through the real services, and a
logged-in client per role. The security tests (headers, escaping, the authorization
matrix) all walk it. (No tests here.)

Roles:
  anonymous   nobody logged in
  researcher  member of university U1: owns the listings, supplier in the deals
  enterprise  member of enterprise E1: owns the demands, buyer in the deals
  broker      member of an agency: a logged-in stranger to everything here
  other       member of another university: same role as the owner, not the owner
  operator    platform staff
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from marketplace.extensions import db
from marketplace.models import Deal, Funding, PayoutInstruction, User
from marketplace.services import (
    accounts,
    deal_delivery,
    deal_files,
    deal_money,
    deal_terms,
    deals,
    organizations,
    password_reset,
)

ROLES = ("anonymous", "researcher", "enterprise", "broker", "other", "operator")

TERMS = {
    "price": 1_000_000,
    "currency": "CNY",
    "transfer_mode": "license_exclusive",
    "milestones": [
        {"title": "样品交付", "amount": 600_000, "due_date": None},
        {"title": "技术文档", "amount": 400_000, "due_date": None},
    ],
}


@dataclass
class World:
    app: Flask
    users: dict[str, User]
    ids: dict[str, int] = field(default_factory=dict)
    reset_token: str = ""
    funding_reference: str = ""
    terms_hash: str = ""

    def client(self, role: str):
        if role == "anonymous":
            return self.app.test_client()
        return self.app.test_client(user=self.users[role])

    def clients(self) -> dict[str, Any]:
        return {role: self.client(role) for role in ROLES}


def _walk_to_agreed(session, buyer: User, supplier: User, listing_id: int) -> int:
    deal = deals.open_deal(session, buyer, listing_id=listing_id, message="感兴趣，可以详谈吗？")
    session.commit()
    deal_terms.propose_terms(session, supplier, deal.id, TERMS, platform_fee_bp=300)
    session.commit()
    terms_hash = session.get(Deal, deal.id).current_terms.terms_hash
    deal_terms.confirm_terms(session, buyer, deal.id, terms_hash)
    deal_terms.confirm_terms(session, supplier, deal.id, terms_hash)
    session.commit()
    return deal.id


def build_world(app: Flask, make, **text: str) -> World:
    """``text`` overrides titles and names (the escaping test passes markup in)."""
    t = {
        "listing": "钠离子电池正极材料",
        "demand": "换电柜用钠电池",
        "org": "华中科技大学",
        "name": "张伟",
        "message": "请问可以独家许可吗？",
        **text,
    }
    u1 = make.organization("university", name=t["org"])
    users = {
        "researcher": make.user("researcher", organization=u1, display_name=t["name"]),
        "enterprise": make.user("enterprise_member", display_name=t["name"]),
        "broker": make.user("broker", organization=make.organization("agency")),
        "other": make.user("researcher"),
        "operator": make.user("operator", display_name=t["name"]),
    }
    r, e = users["researcher"], users["enterprise"]
    ids: dict[str, int] = {}
    for status in ("draft", "pending_review", "published"):
        ids[f"listing_{status}"] = make.listing(r, status=status, title=t["listing"]).id
        ids[f"demand_{status}"] = make.demand(e, status=status, title=t["demand"]).id
    ids["listing_second"] = make.listing(r, status="published", title=t["listing"]).id
    with app.app_context():
        s = db.session
        buyer, supplier = s.get(User, e.id), s.get(User, r.id)
        operator = s.get(User, users["operator"].id)
        # Deal 1: funded, work started, milestone 1 accepted (a payout waits), 2 open.
        did = _walk_to_agreed(s, buyer, supplier, ids["listing_published"])
        funding = deal_money.request_funding(s, buyer, did)
        deal_money.confirm_bank_transfer(
            s, operator, did, reference=funding.reference, amount=TERMS["price"]
        )
        s.commit()
        deals.post_message(s, supplier, did, t["message"])
        attachment = deal_files.add_attachment(
            s,
            buyer,
            did,
            io.BytesIO(b"%PDF-1.4\n%test\n"),
            "spec.pdf",
            storage_dir=app.config["ATTACHMENTS_DIR"],
        )
        s.commit()
        deals.start_work(s, supplier, did)
        s.commit()
        milestones = deals.fresh_milestones(s, s.get(Deal, did))
        deal_delivery.accept_milestone(s, buyer, did, milestones[0].id)
        s.commit()
        ids.update(deal=did, milestone=milestones[1].id, attachment=attachment.id)
        ids["payout"] = s.scalar(
            db.select(PayoutInstruction.id).where(PayoutInstruction.deal_id == did)
        )
        # Deal 2: agreed, the buyer asked to pay by bank transfer (an operator confirms).
        did2 = _walk_to_agreed(s, buyer, supplier, ids["listing_second"])
        funding2 = deal_money.request_funding(s, buyer, did2)
        s.commit()
        reference2 = funding2.reference
        terms_hash = s.get(Deal, did2).current_terms.terms_hash
        ids["deal_agreed"] = did2
        ids["funding"] = s.scalar(db.select(Funding.id).where(Funding.deal_id == did2))
        # The other university asked to be verified; the researcher has an API token.
        organizations.set_verification(
            s, s.get(User, users["other"].id), users["other"].organization.id, "request"
        )
        token, _ = accounts.create_api_token(s, supplier, "script")
        s.commit()
        ids["token"] = token.id
        ids["org"] = u1.id
        ids["org_other"] = users["other"].organization.id
        reset = password_reset.make_token(s.get(User, users["broker"].id), app.config["SECRET_KEY"])
    return World(
        app=app,
        users=users,
        ids=ids,
        reset_token=reset,
        funding_reference=reference2,
        terms_hash=terms_hash,
    )
