"""Who is told what of a challenge: the poster of its review and of answers, a team of
questions and of its proposal's outcome with the reason; the switch in the preferences."""

from __future__ import annotations

from marketplace.challenges import award, workflow
from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.notifications import inbox
from tests.challenges.fixtures import close, propose, user, verified_solver, walk


def notes(u, kind):
    return [
        n
        for n in db.session.query(Notification)
        .filter_by(user_id=u.id, kind=kind)
        .order_by(Notification.id)
        .all()
    ]


def test_review_questions_answers_and_every_outcome_are_told(ctx, make):
    poster, operator = make.user("enterprise_member"), make.operator()
    uni, uni2 = verified_solver(make, "university"), verified_solver(make, "institute")
    cid = walk(db.session, poster, operator, "open")
    assert [n.payload["challenge_id"] for n in notes(poster, "challenge_approved")] == [cid]
    a = propose(db.session, uni, cid, 500_000)
    b = propose(db.session, uni2, cid, 400_000)
    qid = workflow.ask(db.session, user(poster), a, "样品何时可测？").id
    assert notes(uni, "challenge_question")[0].payload["text"] == "样品何时可测？"
    assert notes(uni2, "challenge_question") == []  # not the other team
    workflow.answer(db.session, user(uni), qid, "三个月内")
    assert notes(poster, "challenge_answer")[0].payload["text"] == "三个月内"
    close(db.session, poster, cid)
    award.award(db.session, user(poster), cid, [{"proposal_id": a}], {b: "成本过高"})
    won, lost = notes(uni, "challenge_outcome"), notes(uni2, "challenge_outcome")
    assert [n.payload["outcome"] for n in won] == ["awarded"]
    assert [(n.payload["outcome"], n.payload["text"]) for n in lost] == [
        ("not_awarded", "成本过高")
    ]
    assert notes(poster, "challenge_outcome") == []  # the actor is not told of their act
    # Its title in the reader's language (Chinese by default), leading to their challenges.
    with make.app.test_request_context("/"):
        assert inbox.title(lost[0]).startswith("您的揭榜申请")
        assert inbox.target_endpoint(lost[0]) == ("views.my_challenges", {})


def test_a_withdrawal_tells_every_solver_why_unless_they_turned_it_off(ctx, make):
    poster, operator = make.user("enterprise_member"), make.operator()
    uni, uni2 = verified_solver(make, "university"), verified_solver(make, "institute")
    cid = walk(db.session, poster, operator, "open")
    propose(db.session, uni, cid, 500_000)
    propose(db.session, uni2, cid, 400_000)
    inbox.set_preferences(db.session, user(uni2), {"challenge_events": False})
    db.session.commit()
    workflow.withdraw(db.session, user(poster), cid, "项目预算取消")
    assert [n.payload["text"] for n in notes(uni, "challenge_outcome")] == ["项目预算取消"]
    assert notes(uni2, "challenge_outcome") == []
