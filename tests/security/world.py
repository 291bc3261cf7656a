"""A small marketplace with one of everything, built through the real services, and a
logged-in client per role. The security tests (headers, escaping, the authorization
matrix) all walk it. (No tests here.)

Roles:
  anonymous   nobody logged in
  researcher  admin of university U1 (its first member): owns the listings, supplier in
              the deals; U1 also has a plain member, a pending invitation, a pending join
              request and a verification document
  enterprise  member of enterprise E1: owns the demands, buyer in the deals
  broker      member of an agency, a verified broker: a stranger to the listings, demands
              and the first two deals; the active broker of ``deal_brokered`` and
              ``deal_done``, invited to ``deal_invited``
  other       admin of another university: same role as the owner, not the owner
  operator    platform staff
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Table, func, select, text

from marketplace.accounts import (
    brokers,
    documents,
    invitations,
    join_requests,
    organizations,
    password_reset,
    registration,
    sessions,
)
from marketplace.accounts import users as accounts
from marketplace.brokers import assignment as broker_assignment
from marketplace.brokers import offers as broker_offers
from marketplace.brokers import records as brokerage_records
from marketplace.challenges import files as proposal_files
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.deals import files as deal_files
from marketplace.deals import machine as deals
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.discovery import saved_searches
from marketplace.extensions import db
from marketplace.models import Deal, Funding, LoginSession, PayoutInstruction, User
from marketplace.models.types import utcnow
from marketplace.notifications import inbox as notifications

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
    registration_token: str = ""  # the mailed link of someone who registered, unconfirmed
    invitation_token: str = ""  # the mailed link of U1's pending invitation
    funding_reference: str = ""
    terms_hash: str = ""

    def client(self, role: str):
        if role == "anonymous":
            return self.app.test_client()
        return self.app.test_client(user=self.users[role])

    def clients(self) -> dict[str, Any]:
        return {role: self.client(role) for role in ROLES}


def _walk_to_agreed(session, buyer: User, supplier: User, listing_id: int) -> int:
    deal = deal_workflow.open_deal(
        session, buyer, listing_id=listing_id, message="感兴趣，可以详谈吗？"
    )
    session.commit()
    deal_terms.propose_terms(session, supplier, deal.id, TERMS, platform_fee_bp=300)
    session.commit()
    terms_hash = session.get(Deal, deal.id).current_terms.terms_hash
    deal_terms.confirm_terms(session, buyer, deal.id, terms_hash)
    deal_terms.confirm_terms(session, supplier, deal.id, terms_hash)
    session.commit()
    return deal.id


def broker_profile(name: str, certificate: str, bio: str = "", specialty: str = "") -> dict:
    return {
        "certificate_number": certificate,
        "display_name": name,
        "domains": ["new_energy"],
        "regions": ["宁波"] + ([specialty] if specialty else []),
        "languages": ["zh"],
        "bio": bio or "十年技术转移经验。",
    }


def _verified_broker(s, operator: User, broker: User, profile: dict) -> int:
    saved = brokers.save_profile(s, broker, profile)
    s.commit()
    brokers.review(s, operator, saved.id, "verify")
    s.commit()
    return saved.id


def _brokered_deal(s, buyer: User, broker: User, listing_id: int) -> tuple[int, int]:
    """A deal in inquiry on ``listing_id`` with ``broker`` invited; (deal, invitation)."""
    deal = deal_workflow.open_deal(s, buyer, listing_id=listing_id, message="感兴趣")
    s.commit()
    invitation = broker_assignment.invite(s, buyer, deal.id, broker.id, "请协助")
    s.commit()
    return deal.id, invitation.id


def build_world(app: Flask, make, **text: str) -> World:
    """``text`` overrides titles and names (the escaping test passes markup in)."""
    t = {
        "listing": "钠离子电池正极材料",
        "demand": "换电柜用钠电池",
        "org": "华中科技大学",
        "name": "张伟",
        "message": "请问可以独家许可吗？",
        "bio": "十年技术转移经验，专注新能源材料。",
        "specialty": "长三角",
        "notes": "与双方电话沟通了许可范围。",
        "participant": "李工",
        "search": "钠电池",
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
    for name in ("listing_second", "listing_brokered", "listing_done", "listing_invited"):
        ids[name] = make.listing(r, status="published", title=t["listing"]).id
    # Brokers who are not one of the roles: one verified (to invite), one waiting.
    broker2 = make.user("broker", organization=make.organization("agency"))
    broker3 = make.user("broker", organization=make.organization("agency"))
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
        deal_workflow.post_message(s, supplier, did, t["message"])
        attachment = deal_files.add_attachment(
            s,
            buyer,
            did,
            io.BytesIO(b"%PDF-1.4\n%test\n"),
            "spec.pdf",
            storage_dir=app.config["ATTACHMENTS_DIR"],
        )
        s.commit()
        deal_workflow.start_work(s, supplier, did)
        s.commit()
        milestones = deals.fresh_milestones(s, s.get(Deal, did))
        # Both delivered; the first accepted, the second waits for the buyer.
        for m in milestones:
            deal_delivery.deliver_milestone(s, supplier, did, m.id, "交付说明")
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
        # The researcher is also logged in on another device.
        sessions.begin(s, supplier, ip="192.0.2.7", user_agent="phone")
        s.commit()
        ids["login_session"] = s.scalar(
            db.select(LoginSession.id).where(LoginSession.user_id == supplier.id)
        )
        ids["org"] = u1.id
        ids["org_other"] = users["other"].organization.id
        # Brokers: the broker is verified (its profile carries the escaping test's text);
        # broker2 is verified too, broker3 waits for an operator.
        broker = s.get(User, users["broker"].id)
        ids["broker"] = broker.id
        ids["broker_profile"] = _verified_broker(
            s,
            operator,
            broker,
            broker_profile(t["name"], "JJR-0001", t["bio"], t["specialty"]),
        )
        ids["broker2"] = broker2.id
        _verified_broker(s, operator, s.get(User, broker2.id), broker_profile("王二", "JJR-0002"))
        ids["broker3"] = broker3.id
        ids["profile_pending"] = brokers.save_profile(
            s, s.get(User, broker3.id), broker_profile("王三", "JJR-0003")
        ).id
        s.commit()
        # deal_brokered: in inquiry, the broker accepted the invitation (active).
        did3, invitation = _brokered_deal(s, buyer, broker, ids["listing_brokered"])
        broker_assignment.respond(s, broker, invitation, True)
        s.commit()
        # deal_done: the broker mediated it to completion; it keeps a shared entry (with a
        # file) and a private one.
        did4, invitation = _brokered_deal(s, buyer, broker, ids["listing_done"])
        broker_assignment.respond(s, broker, invitation, True)
        s.commit()
        entry = {
            "kind": "call",
            "occurred_at": utcnow() - timedelta(hours=1),
            "participants": [t["participant"]],
            "notes": t["notes"],
        }
        shared = brokerage_records.add_record(s, broker, did4, entry | {"visibility": "shared"})
        private = brokerage_records.add_record(s, broker, did4, entry | {"visibility": "private"})
        s.commit()
        record_file = brokerage_records.add_attachment(
            s,
            broker,
            shared.id,
            io.BytesIO(b"%PDF-1.4\n%record\n"),
            "minutes.pdf",
            storage_dir=app.config["ATTACHMENTS_DIR"],
        )
        s.commit()
        deal_terms.propose_terms(s, supplier, did4, TERMS, platform_fee_bp=300)
        s.commit()
        hash4 = s.get(Deal, did4).current_terms.terms_hash
        deal_terms.confirm_terms(s, buyer, did4, hash4)
        deal_terms.confirm_terms(s, supplier, did4, hash4)
        s.commit()
        funding4 = deal_money.request_funding(s, buyer, did4)
        deal_money.confirm_bank_transfer(
            s, operator, did4, reference=funding4.reference, amount=TERMS["price"]
        )
        s.commit()
        deal_workflow.start_work(s, supplier, did4)
        s.commit()
        for m in deals.fresh_milestones(s, s.get(Deal, did4)):
            deal_delivery.deliver_milestone(s, supplier, did4, m.id, "交付说明")
            deal_delivery.accept_milestone(s, buyer, did4, m.id)
            s.commit()
        # deal_invited: in inquiry, the broker's invitation waits for an answer.
        did5, invitation5 = _brokered_deal(s, buyer, broker, ids["listing_invited"])
        # The broker offered to mediate the enterprise's published demand (pending).
        offer = broker_offers.offer_mediation(
            s, broker, demand_id=ids["demand_published"], message="我熟悉这个领域"
        )
        s.commit()
        ids.update(
            deal_brokered=did3,
            deal_done=did4,
            deal_invited=did5,
            invitation=invitation5,
            record_shared=shared.id,
            record_private=private.id,
            record_file=record_file.id,
            offer=offer.id,
        )
        # The researcher has a notification and a saved search.
        ids["notification"] = notifications.create(
            s,
            user_id=supplier.id,
            kind="match_demand",
            listing_id=ids["listing_published"],
            demand_id=ids["demand_published"],
            payload={"listing_title": t["listing"], "demand_title": t["demand"]},
        )
        ids["saved_search"] = saved_searches.create(
            s, supplier, name=t["search"], doc_type="listings", query={"q": "电池"}
        ).id
        s.commit()
        reset = password_reset.make_token(s.get(User, users["broker"].id), app.config["SECRET_KEY"])
        newcomer, _ = registration.register(
            s,
            email="newcomer@example.org",
            password="long-enough-pw",
            display_name="新人",
            role="researcher",
            organization_name="新来的研究所",
            organization_kind="institute",
        )
        s.commit()
        confirm = registration.make_token(newcomer, app.config["SECRET_KEY"])
        # U1's people: a plain member, an invitation waiting, a confirmed registrant asking
        # to join, and its business licence.
        ids["member"] = make.user("researcher", organization=u1, display_name="同事").id
        invited = invitations.invite(s, supplier, u1.id, "invited@example.org", "member")
        s.commit()
        ids["org_invitation"] = invited.id
        invitation_token = invitations.make_token(invited, app.config["SECRET_KEY"])
        joiner, _ = registration.register(
            s,
            email="joiner@example.org",
            password="long-enough-pw",
            display_name="申请人",
            role="researcher",
            organization_name=t["org"],
            organization_kind="university",
        )
        s.commit()
        registration.confirm(
            s,
            registration.make_token(joiner, app.config["SECRET_KEY"]),
            app.config["SECRET_KEY"],
            3600,
        )
        s.commit()
        ids["join_request"] = join_requests.pending_requests_of(s, joiner)[0].id
        ids["org_document"] = documents.add_document(
            s,
            supplier,
            u1.id,
            io.BytesIO(b"%PDF-1.4\n%licence\n"),
            "营业执照.pdf",
            "business_licence",
            storage_dir=app.config["ATTACHMENTS_DIR"],
        ).id
        s.commit()
        _auctions(s, ids, supplier, buyer, operator, t["listing"], make)
        _challenges(s, ids, supplier, buyer, operator)
        ids["proposal_file"] = proposal_files.add_file(
            s,
            supplier,
            ids["proposal"],
            io.BytesIO(b"%PDF-1.4\n%report\n"),
            "检测报告.pdf",
            storage_dir=app.config["ATTACHMENTS_DIR"],
        ).id
        s.commit()
        _vouchers(s, ids, buyer, operator)
    return World(
        app=app,
        users=users,
        ids=ids,
        reset_token=reset,
        registration_token=confirm,
        invitation_token=invitation_token,
        funding_reference=reference2,
        terms_hash=terms_hash,
    )


AUCTION_START = 200_000_000
AUCTION_LADDER = [{"below": None, "step": 10_000_000}]


def _auctions(s, ids, supplier, buyer, operator, title, make) -> None:
    """An open session with an admitted lot (the enterprise registered, its deposit held)
    and a second admitted lot (its deposit pending), an upcoming session with an applied
    lot, and a published listing of the researcher's not yet in any."""
    from marketplace.auctions import deposits
    from marketplace.auctions import lots as auction_lots
    from marketplace.models import Organization

    now = utcnow()
    buyer_org = s.get(Organization, buyer.organization_id)
    buyer_org.verification_status = "verified"
    s.commit()
    lot_data = {
        "transfer_mode": "assignment",
        "start_price": AUCTION_START,
        "ladder": AUCTION_LADDER,
        "deposit": 20_000_000,
        "reserve_price": 300_000_000,
    }
    for name in ("listing_lot", "listing_lot2", "listing_applied", "listing_to_apply"):
        ids[name] = make.listing(supplier, status="published", title=title).id
    opened = auction_lots.schedule_session(
        s,
        operator,
        title="新能源专场",
        domain="new_energy",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
    )
    ids["auction_session"] = opened.id
    for name, listing in (("lot", "listing_lot"), ("lot2", "listing_lot2")):
        lot = auction_lots.apply_lot(
            s,
            supplier,
            opened.id,
            lot_data | {"listing_id": ids[listing]},
            now=now - timedelta(hours=2),
        )
        auction_lots.decide_lot(s, operator, lot.id, "admit")
        ids[name] = lot.id
    reg = deposits.register(s, buyer, ids["lot"])
    deposits.confirm_deposit(
        s, operator, reg.id, reference=reg.reference, amount=reg.deposit_amount
    )
    ids["registration"] = reg.id
    pending = deposits.register(s, buyer, ids["lot2"])
    ids["registration_pending"] = pending.id
    ids["deposit_reference"] = pending.reference  # a string: only the matrix reads it
    upcoming = auction_lots.schedule_session(
        s,
        operator,
        title="新材料专场",
        domain="new_materials",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=11),
    )
    ids["auction_upcoming"] = upcoming.id
    ids["lot_applied"] = auction_lots.apply_lot(
        s, supplier, upcoming.id, lot_data | {"listing_id": ids["listing_applied"]}
    ).id
    s.commit()


def _challenges(s, ids, supplier, buyer, operator) -> None:
    """The enterprise's challenges in each state: a draft, one pending review, one
    awaiting its bounty, an open one (details behind the NDA) with the researcher's
    proposal and the enterprise's question on it, one past its deadline, and one under
    evaluation with the researcher's proposal. U1 is verified only while it proposes (the
    verification rows of the matrix see it unverified)."""
    from marketplace.challenges import workflow as challenges
    from marketplace.models import Challenge, Organization

    indicators = [{"name": "矫顽力", "target_value": "20", "unit": "kOe"}]

    def walk(stage: str, **extra) -> int:
        data = {
            "title": "耐高温稀土永磁材料",
            "summary": "在 200℃ 下保持磁性能",
            "statement": "矫顽力不低于 20 kOe",
            "domain": "rare_earth_magnets",
            "bounty": 1_000_000,
            "eligibility": "research_only",
            "criteria": ["技术路线"],
            "proposal_deadline": utcnow() + timedelta(days=30),
            "delivery_days": 90,
        } | extra
        cid = challenges.post(s, buyer, data, indicators).id
        if stage != "draft":
            challenges.submit(s, buyer, cid)
        if stage not in ("draft", "pending_review"):
            challenges.review(s, operator, cid, "approve")
        if stage not in ("draft", "pending_review", "awaiting_funding"):
            challenges.confirm_funding(s, operator, cid, reference=f"CH{cid:06d}", amount=1_000_000)
        s.commit()
        return cid

    def propose(cid: int) -> int:
        plan = [
            {"indicator_id": i.id, "plan": "晶界扩散"} for i in s.get(Challenge, cid).indicators
        ]
        proposal = challenges.propose(
            s, supplier, cid, approach="烧结工艺", price=800_000, plan=plan
        )
        s.commit()
        return proposal.id

    def past_deadline(cid: int) -> None:
        s.get(Challenge, cid).proposal_deadline = utcnow() - timedelta(seconds=1)
        s.commit()

    ids["challenge_draft"] = walk("draft")
    ids["challenge_pending"] = walk("pending_review")
    ids["challenge_awaiting"] = walk("awaiting_funding")
    ids["challenge"] = walk("open", visibility="summary_public")
    ids["challenge_due"] = walk("open")
    ids["challenge_evaluating"] = walk("open")
    u1 = s.get(Organization, supplier.organization_id)
    status, u1.verification_status = u1.verification_status, "verified"
    s.commit()
    ids["proposal"] = propose(ids["challenge"])
    ids["proposal_evaluating"] = propose(ids["challenge_evaluating"])
    u1.verification_status = status
    s.commit()
    ids["org_e1"] = buyer.organization_id
    ids["indicator"] = s.get(Challenge, ids["challenge"]).indicators[0].id
    ids["question"] = challenges.ask(s, buyer, ids["proposal"], "样品何时可测？").id
    past_deadline(ids["challenge_due"])
    past_deadline(ids["challenge_evaluating"])
    challenges.close_proposals(s, buyer, ids["challenge_evaluating"])
    s.commit()


@dataclass
class WorldCopy:
    """A built world's rows and attachment files, to lay down again on an empty database."""

    world: World
    rows: list[tuple[Table, list[dict[str, Any]]]]
    files: dict[str, bytes]
    counter: int  # the ``make`` factory's counter after the build (its e-mail addresses)

    @classmethod
    def take(cls, app: Flask, make, world: World) -> WorldCopy:
        with app.app_context():
            rows = [
                (table, [dict(r) for r in db.session.execute(select(table)).mappings()])
                for table in db.metadata.sorted_tables
            ]
        root = Path(app.config["ATTACHMENTS_DIR"])
        files = {
            str(path.relative_to(root)): path.read_bytes()
            for path in root.rglob("*")
            if path.is_file()
        }
        return cls(world, rows, files, make.counter)

    def lay(self, app: Flask, make) -> World:
        with app.app_context():
            session = db.session
            from marketplace.models import User as UserModel

            assert session.scalar(select(func.count()).select_from(UserModel)) == 0, (
                "a world is laid on an empty database"
            )
            for table, rows in self.rows:
                if rows:
                    session.execute(table.insert(), rows)
            if session.get_bind().dialect.name == "postgresql":
                # Rows came with their ids: move each id sequence past them.
                for table, rows in self.rows:
                    column = table.autoincrement_column
                    if rows and column is not None:
                        session.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', "
                                f"'{column.name}'), (SELECT max(\"{column.name}\") "
                                f'FROM "{table.name}"))'
                            )
                        )
            session.commit()
        root = Path(app.config["ATTACHMENTS_DIR"])
        for name, content in self.files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(content)
        make.counter = max(make.counter, self.counter)
        return dataclasses.replace(self.world, ids=dict(self.world.ids))


_copies: dict[int, WorldCopy] = {}


def fresh_world(app: Flask, make) -> World:
    """The default world, on an empty database: built through the services the first time
    in a test session (per worker), laid down again from a copy of its rows and files after
    that. The same world, rows and ids alike, for a fraction of the cost of building it."""
    copy = _copies.get(id(app))
    if copy is None:
        world = build_world(app, make)
        _copies[id(app)] = WorldCopy.take(app, make, world)
        return world
    return copy.lay(app, make)


def _vouchers(s, ids, buyer, operator) -> None:
    """An innovation voucher programme open today, the (verified) enterprise's application
    waiting for a decision and a granted one (its wallet holds 10,000 元)."""
    from marketplace.core.localtime import today
    from marketplace.vouchers import applications, programmes

    programme = programmes.create(
        s,
        operator,
        {
            "name": "科技创新券 2030",
            "issuing_body": "宁波市科学技术局",
            "per_application_cap": 2_000_000,
            "per_year_cap": 10_000_000,
            "valid_from": today() - timedelta(days=1),
            "valid_to": today() + timedelta(days=365),
            "supplier_kinds": ["university", "institute"],
            "max_share_bp": 5000,
        },
        budget=100_000_000,
        reference="BUREAU-1",
    )
    ids["voucher_programme"] = programme.id
    ids["voucher_application"] = applications.apply(
        s, buyer, programme.id, amount=1_000_000, purpose="专利许可"
    ).id
    granted = applications.apply(s, buyer, programme.id, amount=1_000_000, purpose="技术服务")
    applications.grant(s, operator, granted.id)
    ids["voucher_granted"] = granted.id
    s.commit()
