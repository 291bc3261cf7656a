"""The challenges API through a whole challenge: post, review, funding instructions and
the operator's confirmation, proposals kept confidential, questions, the award with the
reasons, and the withdrawal's refund; and the NDA click-through."""

from __future__ import annotations

from datetime import timedelta

from marketplace.challenges import money
from marketplace.core import ledger
from marketplace.extensions import db
from marketplace.models import Challenge, Deal
from marketplace.models.types import utcnow
from tests.challenges.fixtures import BOUNTY, INDICATORS, verified_solver

API = "/api/v1/challenges"


def body(**overrides):
    data = {
        "title": "耐高温稀土永磁材料",
        "summary": "在 200℃ 下保持磁性能",
        "statement": "需要一种在 200℃ 下矫顽力不低于 20 kOe 的钕铁硼磁体。",
        "domain": "rare_earth_magnets",
        "bounty": BOUNTY,
        "eligibility": "research_only",
        "criteria": ["技术路线", "团队能力"],
        "proposal_deadline": (utcnow() + timedelta(days=30)).isoformat(),
        "delivery_days": 180,
        "indicators": INDICATORS,
    }
    return data | overrides


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_challenge_through_the_api(app, make):
    poster, operator = make.user("enterprise_member"), make.operator()
    uni, uni2 = verified_solver(make, "university"), verified_solver(make, "institute")
    p, o = app.test_client(user=poster), app.test_client(user=operator)
    s1, s2 = app.test_client(user=uni), app.test_client(user=uni2)
    anon = app.test_client()

    assert p.post(API, json=body(bounty=-1)).status_code == 422
    c = ok(p.post(API, json=body()), 201)
    cid = c["id"]
    assert c["state"] == "draft" and c["my_roles"] == ["poster"]
    assert anon.get(f"{API}/{cid}").status_code == 404  # a draft is the poster's
    ok(p.post(f"{API}/{cid}/submit"))
    queue = ok(o.get(f"{API}/review-queue"))
    assert [x["id"] for x in queue["pending_review"]] == [cid]
    assert s1.get(f"{API}/review-queue").status_code == 403
    assert o.post(f"{API}/{cid}/review", json={"action": "reject"}).status_code == 422
    ok(o.post(f"{API}/{cid}/review", json={"action": "approve"}))
    pay = ok(p.get(f"{API}/{cid}/funding"))
    assert pay["amount"] == BOUNTY and pay["reference"] in pay["instructions"]
    assert s1.get(f"{API}/{cid}/funding").status_code == 404
    wrong = o.post(f"{API}/{cid}/funding", json={"reference": "NOPE", "amount": BOUNTY})
    assert wrong.status_code == 422
    opened = ok(
        o.post(f"{API}/{cid}/funding", json={"reference": pay["reference"], "amount": BOUNTY})
    )
    assert (opened["state"], opened["funded"]) == ("open", True)
    hall = ok(anon.get(API))
    assert [x["id"] for x in hall] == [cid] and hall[0]["funded"] is True

    ids = {i["name"]: i["id"] for i in ok(s1.get(f"{API}/{cid}"))["indicators"]}
    plan = [{"indicator_id": i, "plan": "烧结 + 晶界扩散"} for i in ids.values()]
    a = ok(
        s1.post(f"{API}/{cid}/proposals", json={"approach": "甲", "price": 800_000, "plan": plan}),
        201,
    )
    b = ok(
        s2.post(f"{API}/{cid}/proposals", json={"approach": "乙", "price": 600_000, "plan": plan}),
        201,
    )
    # Confidential: each solver reads its own, others only the count.
    mine = ok(s1.get(f"{API}/{cid}/proposals"))
    assert mine["count"] == 2 and [x["approach"] for x in mine["proposals"]] == ["甲"]
    assert ok(anon.get(f"{API}/{cid}/proposals"))["proposals"] == []
    assert len(ok(p.get(f"{API}/{cid}/proposals"))["proposals"]) == 2
    assert s1.get(f"{API}/proposals/{b['id']}").status_code == 404
    assert s1.post(f"{API}/proposals/{b['id']}/shortlist").status_code == 404

    q = ok(p.post(f"{API}/proposals/{a['id']}/questions", json={"question": "样品何时可测？"}), 201)
    ok(s1.post(f"{API}/questions/{q['id']}/answer", json={"answer": "三个月内"}))
    ok(p.post(f"{API}/proposals/{a['id']}/shortlist"))
    scored = ok(p.post(f"{API}/proposals/{a['id']}/scores", json={"scores": {"技术路线": 90}}))
    assert scored["scores"] == [{"criterion": "技术路线", "score": 90}]
    assert (
        p.post(f"{API}/{cid}/award", json={"winners": [{"proposal_id": a["id"]}]}).status_code
        == 409
    )

    with app.app_context():
        db.session.get(Challenge, cid).proposal_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    ok(p.post(f"{API}/{cid}/close"))
    missing = p.post(f"{API}/{cid}/award", json={"winners": [{"proposal_id": a["id"]}]})
    assert missing.status_code == 422
    done = ok(
        p.post(
            f"{API}/{cid}/award",
            json={
                "winners": [{"proposal_id": a["id"]}],
                "rejected": [{"proposal_id": b["id"], "reason": "价格合理但指标二方案不足"}],
            },
        )
    )
    assert done["state"] == "awarded"
    lost = ok(s2.get(f"{API}/proposals/{b['id']}"))
    assert (lost["state"], lost["outcome_reason"]) == ("not_awarded", "价格合理但指标二方案不足")
    won = ok(s1.get(f"{API}/proposals/{a['id']}"))
    assert won["state"] == "awarded" and won["deal_id"]
    with app.app_context():
        deal = db.session.get(Deal, won["deal_id"])
        assert deal.current_terms.price == 800_000
        challenge = db.session.get(Challenge, cid)
        assert money.held(db.session, challenge) == 0
        assert ledger.check(db.session) == []
    closed = ok(anon.get(API, query_string={"status": "closed"}))
    assert closed[0]["winners"] == [{"organization": None, "amount": 800_000}]


def test_withdrawal_refunds_and_the_nda_guards_the_details(app, make):
    poster, operator = make.user("enterprise_member"), make.operator()
    uni = verified_solver(make, "university")
    p, o, s = (app.test_client(user=u) for u in (poster, operator, uni))
    cid = ok(p.post(API, json=body(visibility="summary_public")), 201)["id"]
    ok(p.post(f"{API}/{cid}/submit"))
    ok(o.post(f"{API}/{cid}/review", json={"action": "approve"}))
    ok(o.post(f"{API}/{cid}/funding", json={"reference": f"CH{cid:06d}", "amount": BOUNTY}))
    hidden = ok(s.get(f"{API}/{cid}"))
    assert hidden["details_visible"] is False and hidden["statement"] is None
    assert hidden["indicators"] == [] and hidden["summary"]
    ok(s.post(f"{API}/{cid}/nda"))
    shown = ok(s.get(f"{API}/{cid}"))
    assert shown["details_visible"] is True and "矫顽力" in shown["statement"]
    assert s.post(f"{API}/{cid}/withdraw", json={"reason": "x"}).status_code == 403
    gone = ok(p.post(f"{API}/{cid}/withdraw", json={"reason": "预算取消"}))
    assert gone["state"] == "withdrawn"
    with app.app_context():
        challenge = db.session.get(Challenge, cid)
        assert money.held(db.session, challenge) == 0
        assert ledger.balance(db.session, money.refunds_account(db.session, challenge)) == BOUNTY
        assert ledger.check(db.session) == []
