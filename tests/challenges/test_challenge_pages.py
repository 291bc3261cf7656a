"""The challenge pages, in Chinese, through a whole challenge: posting by the form, the
operator's queue (approve, confirm the transfer), the hall's card, proposing, the poster's
evaluation (question, award, reason), the solvers' pages with their outcome."""

from __future__ import annotations

from datetime import timedelta

from marketplace.challenges import money
from marketplace.core import ledger
from marketplace.extensions import db
from marketplace.models import Challenge, ChallengeProposal, Deal
from marketplace.models.types import utcnow
from tests.challenges.fixtures import BOUNTY, verified_solver

FORM = {
    "title": "耐高温稀土永磁材料",
    "summary": "在 200℃ 下保持磁性能",
    "statement": "需要一种在 200℃ 下矫顽力不低于 20 kOe 的钕铁硼磁体。",
    "domain": "rare_earth_magnets",
    "bounty": "10000",
    "payment_mode": "milestones",
    "eligibility": "research_only",
    "visibility": "summary_public",
    "criteria": "技术路线\n团队能力",
    "delivery_days": "180",
    "ind_name_0": "矫顽力",
    "ind_target_0": "20",
    "ind_unit_0": "kOe",
    "ind_test_0": "GB/T 3217",
}


def test_a_challenge_through_its_pages(app, make):
    poster, operator = make.user("enterprise_member"), make.operator()
    uni, uni2 = verified_solver(make, "university"), verified_solver(make, "institute")
    p, o = app.test_client(user=poster), app.test_client(user=operator)
    s1, s2 = app.test_client(user=uni), app.test_client(user=uni2)
    deadline = (utcnow() + timedelta(days=10)).date().isoformat()

    bad = p.post("/challenges/new", data=FORM | {"bounty": "", "proposal_deadline": deadline})
    assert bad.status_code == 200 and "发布榜单" in bad.text
    resp = p.post("/challenges/new", data=FORM | {"proposal_deadline": deadline})
    assert resp.status_code == 303, resp.text
    cid = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert "提交审核" in p.get(f"/challenges/{cid}").text
    p.post(f"/challenges/{cid}/submit")
    queue = o.get("/operator/challenges").text
    assert "耐高温稀土永磁材料" in queue and "待审核" in queue
    o.post(f"/challenges/{cid}/approve")
    funding = p.get(f"/challenges/{cid}/funding").text
    assert f"CH{cid:06d}" in funding and "10,000" in funding
    wrong = o.post(
        f"/operator/challenges/{cid}/funding", data={"amount": "9999", "reference": f"CH{cid:06d}"}
    )
    assert wrong.status_code == 200
    o.post(
        f"/operator/challenges/{cid}/funding", data={"amount": "10000", "reference": f"CH{cid:06d}"}
    )
    hall = app.test_client().get("/challenges").text
    assert "耐高温稀土永磁材料" in hall and "资金已托管" in hall and "天" in hall

    # Details behind the NDA click-through, recorded per user.
    page = s1.get(f"/challenges/{cid}").text
    assert "GB/T 3217" not in page and "保密" in page
    s1.post(f"/challenges/{cid}/nda")
    page = s1.get(f"/challenges/{cid}").text
    assert "GB/T 3217" in page and "揭榜" in page
    s2.post(f"/challenges/{cid}/nda")
    with app.app_context():
        indicator = db.session.get(Challenge, cid).indicators[0].id
    for client, price in ((s1, "8000"), (s2, "6000")):
        resp = client.post(
            f"/challenges/{cid}/propose",
            data={"approach": f"方案{price}", "price": price, f"plan_{indicator}": "晶界扩散"},
        )
        assert resp.status_code == 303, resp.text
    with app.app_context():
        a, b = (p.id for p in db.session.query(ChallengeProposal).order_by(ChallengeProposal.id))
    assert "方案6000" not in s1.get(f"/challenges/proposals/{a}").text
    assert s1.get(f"/challenges/proposals/{b}").status_code == 404

    p.post(f"/challenges/proposals/{a}/ask", data={"question": "样品何时可测？"})
    mine = s1.get(f"/challenges/proposals/{a}").text
    assert "样品何时可测？" in mine
    with app.app_context():
        qid = db.session.get(ChallengeProposal, a).questions[0].id
    s1.post(f"/challenges/questions/{qid}/answer", data={"answer": "三个月内"})
    p.post(
        f"/challenges/proposals/{a}/score", data={"score_技术路线": "90", "score_团队能力": "80"}
    )
    evaluation = p.get(f"/challenges/{cid}/evaluate").text
    assert "三个月内" in evaluation and "170" in evaluation

    with app.app_context():
        db.session.get(Challenge, cid).proposal_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    p.post(f"/challenges/{cid}/close")
    refused = p.post(f"/challenges/{cid}/award", data={f"win_{a}": "1"}, follow_redirects=True)
    assert "理由" in refused.text
    done = p.post(
        f"/challenges/{cid}/award",
        data={f"win_{a}": "1", f"reason_{b}": "指标方案不够具体"},
        follow_redirects=True,
    )
    assert "已揭榜" in done.text or "获选" in done.text
    won = s1.get(f"/challenges/proposals/{a}").text
    assert "查看交易" in won or "交易" in won
    lost = s2.get(f"/challenges/proposals/{b}").text
    assert "指标方案不够具体" in lost
    with app.app_context():
        deal = db.session.query(Deal).filter_by(challenge_id=cid).one()
        assert deal.current_terms.price == 800_000
        challenge = db.session.get(Challenge, cid)
        assert money.held(db.session, challenge) == 0
        assert ledger.balance(db.session, money.refunds_account(db.session, challenge)) == (
            BOUNTY - 800_000
        )
        assert ledger.check(db.session) == []
    deal_page = s1.get(f"/deals/{deal.id}").text
    assert f"榜单 #{cid}" in deal_page
    # Both confirm the pre-filled terms: funded, and the contract papers name the challenge.
    with app.app_context():
        from marketplace.deals import terms as deal_terms
        from tests.challenges.fixtures import user

        terms_hash = db.session.get(Deal, deal.id).current_terms.terms_hash
        deal_terms.confirm_terms(db.session, user(uni), deal.id, terms_hash)
        deal_terms.confirm_terms(db.session, user(poster), deal.id, terms_hash)
        assert db.session.get(Deal, deal.id).state == "funded"
    for paper in ("contract.pdf", "registration.pdf", "registration.xlsx"):
        response = s1.get(f"/deals/{deal.id}/{paper}")
        assert response.status_code == 200, paper
    closed = app.test_client().get("/challenges?status=closed").text
    assert "耐高温稀土永磁材料" in closed
