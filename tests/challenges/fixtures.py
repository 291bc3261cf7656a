"""Helpers shared by the challenge tests: a poster, an operator, verified solvers, and a
challenge walked to a given state through the real services. (No tests here.)"""

from __future__ import annotations

from datetime import timedelta

from marketplace.challenges import workflow
from marketplace.extensions import db
from marketplace.models import Organization, User
from marketplace.models.types import utcnow

BOUNTY = 1_000_000  # 10,000.00 元 in fen
STAGES = ("draft", "pending_review", "awaiting_funding", "open")


def user(u: User) -> User:
    return db.session.get(User, u.id)


def verified_solver(make, kind: str = "university") -> User:
    org = make.organization(kind)
    with make.app.app_context():
        db.session.get(Organization, org.id).verification_status = "verified"
        db.session.commit()
    return make.user(
        "researcher" if kind != "enterprise" else "enterprise_member", organization=org
    )


def challenge_data(**overrides) -> dict:
    data = {
        "title": "耐高温稀土永磁材料",
        "summary": "在 200℃ 下保持磁性能",
        "statement": "需要一种在 200℃ 下矫顽力不低于 20 kOe 的钕铁硼磁体。",
        "domain": "rare_earth_magnets",
        "bounty": BOUNTY,
        "currency": "CNY",
        "payment_mode": "on_award",
        "ip_terms": "成果归发榜方所有",
        "eligibility": "research_only",
        "visibility": "public",
        "criteria": ["技术路线", "团队能力"],
        "proposal_deadline": utcnow() + timedelta(days=30),
        "delivery_days": 180,
    }
    return data | overrides


INDICATORS = [
    {"name": "矫顽力", "target_value": "20", "unit": "kOe", "test_method": "GB/T 3217"},
    {"name": "工作温度", "target_value": "200", "unit": "℃", "test_method": "高温老化试验"},
]


def walk(session, poster: User, operator: User, stage: str = "open", **overrides) -> int:
    """Post a challenge and walk it to ``stage``; returns its id (committed)."""
    challenge = workflow.post(session, user(poster), challenge_data(**overrides), INDICATORS)
    session.commit()
    cid = challenge.id
    if STAGES.index(stage) >= 1:
        workflow.submit(session, user(poster), cid)
    if STAGES.index(stage) >= 2:
        workflow.review(session, user(operator), cid, "approve")
    if STAGES.index(stage) >= 3:
        workflow.confirm_funding(
            session, user(operator), cid, reference=f"CH{cid:06d}", amount=BOUNTY
        )
    session.commit()
    return cid


def plan_for(session, cid: int) -> list[dict]:
    from marketplace.models import Challenge

    return [
        {"indicator_id": i.id, "plan": f"方案 {i.name}"}
        for i in session.get(Challenge, cid).indicators
    ]


def close(session, poster: User, cid: int) -> None:
    """Move the deadline into the past and close proposals (committed)."""
    from datetime import timedelta as _td

    from marketplace.models import Challenge

    session.get(Challenge, cid).proposal_deadline = utcnow() - _td(seconds=1)
    session.commit()
    workflow.close_proposals(session, user(poster), cid)
    session.commit()


def propose(session, solver: User, cid: int, price: int, approach: str = "烧结工艺") -> int:
    proposal = workflow.propose(
        session, user(solver), cid, approach=approach, price=price, plan=plan_for(session, cid)
    )
    session.commit()
    return proposal.id
