"""您可能能揭此榜: when a challenge opens (its bounty confirmed in escrow), the worker tells
the organizations whose listings strongly match it, against the local search server."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from marketplace.challenges import workflow
from marketplace.discovery import alerts, challenge_matching
from marketplace.extensions import db
from marketplace.models import AlertJob, Challenge, Notification, NotificationPreference
from tests.challenges.fixtures import BOUNTY, user, verified_solver, walk
from tests.search.conftest import refresh
from tests.search.test_challenge_matching import MAGNET
from tests.search.test_matching import TEA


def _notices(app, kind: str = "challenge_match") -> dict[int, Notification]:
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.kind == kind)).all()
        db.session.expunge_all()
    return {n.user_id: n for n in rows}


def _jobs(app, cid: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(AlertJob)
            .where(AlertJob.doc_type == "challenges", AlertJob.doc_id == cid)
        )


def _solver_with_magnet(app, make, kind: str = "university"):
    """A poster, an operator, and a verified solver whose published listing answers the
    fixtures' challenge (a high-coercivity magnet)."""
    solver = verified_solver(make, kind)
    make.listing(solver, status="published", **MAGNET)
    refresh(app)
    return make.user("enterprise_member"), make.operator(), solver


def _run(app) -> alerts.AlertResult:
    with app.app_context():
        return alerts.run_due(db.session)


def test_the_job_is_written_when_the_challenge_opens_and_tells_who_could_solve_it(search_app, make):
    poster = make.user("enterprise_member")
    operator = make.operator()
    university = verified_solver(make, "university")
    colleague = make.user("researcher", organization=university.organization)
    quiet = make.user("researcher", organization=university.organization)
    with search_app.app_context():
        db.session.add(NotificationPreference(user_id=quiet.id, match_alerts=False))
        db.session.commit()
    tea_org = verified_solver(make, "university")
    company = verified_solver(make, "enterprise")  # the challenge is for research only
    unverified = make.user("researcher")  # an organization nobody verified
    make.listing(university, status="published", **MAGNET)
    make.listing(tea_org, status="published", **TEA)
    make.listing(company, status="published", **MAGNET)
    make.listing(unverified, status="published", **MAGNET)
    make.listing(poster, status="published", **MAGNET)
    refresh(search_app)

    with search_app.app_context():
        cid = walk(db.session, poster, operator, "awaiting_funding")
    assert _jobs(search_app, cid) == 0  # approved is not open: the bounty is not in escrow
    with search_app.app_context():
        workflow.confirm_funding(
            db.session, user(operator), cid, reference=f"CH{cid:06d}", amount=BOUNTY
        )
    assert _jobs(search_app, cid) == 1

    result = _run(search_app)
    assert result.jobs_done >= 1 and result.jobs_failed == 0
    told = _notices(search_app)
    assert set(told) == {university.id, colleague.id}
    notice = told[university.id]
    assert notice.event_key == f"challenge_match:{cid}"
    assert notice.payload["challenge_id"] == cid and notice.payload["bounty"] == BOUNTY
    assert notice.payload["listings"] == [MAGNET["title"]]
    assert notice.email_state in ("pending", "sent")

    # A second run, and a second job for the same challenge, tell nobody again.
    with search_app.app_context():
        job = db.session.scalar(select(AlertJob).where(AlertJob.doc_id == cid))
        job.done_at = None
        db.session.commit()
    _run(search_app)
    assert len(_notices(search_app)) == 2

    # The reader sees it in Chinese, and it leads to the challenge.
    page = search_app.test_client(user=university).get("/notifications").get_data(as_text=True)
    assert "您可能能揭此榜" in page and "耐高温稀土永磁材料" in page
    assert "揭榜截止" in page and MAGNET["title"] in page  # the body: bounty, deadline, listing
    opened = search_app.test_client(user=university).get(f"/notifications/{notice.id}/open")
    assert opened.status_code in (302, 303)
    assert opened.headers["Location"].endswith(f"/challenges/{cid}")
    api = search_app.test_client(user=university).get("/api/v1/notifications").get_json()
    assert any(item["kind"] == "challenge_match" for item in api["items"])


def test_any_verified_organization_when_the_challenge_is_open_to_all(search_app, make):
    poster, operator, company = _solver_with_magnet(search_app, make, "enterprise")
    with search_app.app_context():
        walk(db.session, poster, operator, "open", eligibility="verified_org")
    _run(search_app)
    assert set(_notices(search_app)) == {company.id}


def test_a_challenge_withdrawn_before_the_worker_runs_tells_nobody(search_app, make):
    poster, operator, university = _solver_with_magnet(search_app, make)
    with search_app.app_context():
        cid = walk(db.session, poster, operator, "open")
        workflow.withdraw(db.session, user(poster), cid, "需求已变更")
    result = _run(search_app)
    assert result.jobs_failed == 0
    assert _notices(search_app) == {}


def test_behind_an_nda_the_notice_says_only_what_the_hall_shows(search_app, make):
    poster, operator, university = _solver_with_magnet(search_app, make)
    with search_app.app_context():
        walk(
            db.session,
            poster,
            operator,
            "open",
            visibility="summary_public",
            title="高矫顽力钕铁硼永磁体",
            summary="驱动电机用耐高温钕铁硼磁体",
        )
    _run(search_app)
    notice = _notices(search_app)[university.id]
    text = str(notice.payload)
    assert "高矫顽力钕铁硼永磁体" in text
    assert "20 kOe" not in text and "GB/T 3217" not in text  # statement and indicators


def test_only_strong_matches_are_announced(search_app, make, monkeypatch):
    """A listing the model labels but not at its highest label is shown on the page, and
    announced to nobody (the rule of the listing and demand alerts)."""
    poster, operator, university = _solver_with_magnet(search_app, make)
    with search_app.app_context():
        cid = walk(db.session, poster, operator, "open")
    real = challenge_matching.candidates

    def weaker(session, challenge, **kw):
        return [
            challenge_matching.Candidate(replace(c.match, strong=False), c.listing, c.organization)
            for c in real(session, challenge, **kw)
        ]

    with search_app.app_context():
        # The listing is there to be announced, only not strongly enough.
        assert real(db.session, db.session.get(Challenge, cid))
    monkeypatch.setattr(challenge_matching, "candidates", weaker)
    _run(search_app)
    assert _notices(search_app) == {}
