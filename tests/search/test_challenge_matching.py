"""A 揭榜挂帅 challenge matched to listings by the demands' retrieval and model, through
the service, the API and the page, against the local search server."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.discovery.challenge_matching import related_listings
from marketplace.extensions import db
from marketplace.models import Challenge, User
from tests.challenges.fixtures import verified_solver, walk
from tests.search.conftest import refresh
from tests.search.test_matching import TEA

MAGNET = dict(
    title="一种高矫顽力耐高温钕铁硼永磁体及其制备方法",
    summary="晶界扩散镝铽，200℃ 下矫顽力保持 20 kOe 以上，适用于驱动电机",
    description="通过晶界扩散重稀土提高钕铁硼磁体的矫顽力和耐温性能。",
    domain="rare_earth_magnets",
    tags=[],
    transfer_modes=["license_exclusive"],
    price_type="negotiable",
    price_amount=None,
)


def _scene(search_app, make, **overrides):
    poster = make.user("enterprise_member")
    operator = make.operator()
    university = verified_solver(make, "university")
    company = verified_solver(make, "enterprise")
    magnet = make.listing(university, status="published", **MAGNET)
    tea = make.listing(university, status="published", **TEA)
    company_magnet = make.listing(company, status="published", **MAGNET)
    own = make.listing(poster, status="published", **MAGNET)
    with search_app.app_context():
        cid = walk(db.session, poster, operator, "open", **overrides)
    refresh(search_app)
    return cid, magnet, tea, company_magnet, own


def test_a_challenge_finds_the_listing_that_could_answer_it(search_app, make):
    cid, magnet, tea, company_magnet, own = _scene(search_app, make)
    with search_app.app_context():
        _, found = related_listings(db.session, None, cid, k=5)
    ids = [r.item.id for r in found]
    # Universities and institutes only (the challenge says so), never the poster's own,
    # and nothing for a tea drink.
    assert ids and ids[0] == magnet.id
    assert tea.id not in ids and own.id not in ids and company_magnet.id not in ids
    best = found[0].match
    assert best.label is not None and best.parts["domain"] == 1.0
    assert "矫顽力" in "".join(best.matched_terms)


def test_an_open_challenge_lists_any_verified_organizations_listing(search_app, make):
    cid, magnet, _, company_magnet, own = _scene(search_app, make, eligibility="verified_org")
    with search_app.app_context():
        _, found = related_listings(db.session, None, cid, k=5)
    ids = {r.item.id for r in found}
    assert {magnet.id, company_magnet.id} <= ids and own.id not in ids


def test_behind_an_nda_only_the_public_summary_steers_the_match(search_app, make):
    """The statement (矫顽力 20 kOe …) is behind the NDA: the words it alone holds must
    not show up as reasons everyone reads."""
    cid, magnet, *_ = _scene(
        search_app,
        make,
        visibility="summary_public",
        summary="一种用于新能源汽车的材料",
        title="新能源汽车用材料",
    )
    with search_app.app_context():
        _, found = related_listings(db.session, None, cid, k=5)
    for rec in found:
        assert "矫顽力" not in "".join(rec.match.matched_terms)


def test_the_api_and_the_page_show_the_related_listings(search_app, make):
    cid, magnet, tea, *_ = _scene(search_app, make)
    client = search_app.test_client()
    body = client.get(f"/api/v1/challenges/{cid}/related-listings?k=3").get_json()
    assert body["challenge_id"] == cid
    assert body["items"][0]["listing"]["id"] == magnet.id
    assert body["items"][0]["explanation"]["score"] > 0
    assert client.get(f"/api/v1/challenges/{cid}/related-listings?k=0").status_code == 422
    assert client.get("/api/v1/challenges/999999/related-listings").status_code == 404
    html = client.get(f"/challenges/{cid}").get_data(as_text=True)
    assert "可能解决此榜的技术成果" in html and MAGNET["title"] in html
    assert TEA["title"] not in html


def test_a_challenge_not_yet_public_has_no_related_listings_for_strangers(search_app, make):
    poster = make.user("enterprise_member")
    operator = make.operator()
    with search_app.app_context():
        cid = walk(db.session, poster, operator, "pending_review")
    client = search_app.test_client()
    assert client.get(f"/api/v1/challenges/{cid}/related-listings").status_code == 404


def test_the_worker_stores_the_related_listings_and_the_page_reads_them(
    search_app, make, monkeypatch
):
    """Stored when the challenge opens (its alert job), read by the page and the API
    without matching again, recomputed when a listing is published."""
    from marketplace.discovery import challenge_matching, worker
    from marketplace.discovery.index import search_index
    from marketplace.discovery.match_records import stored_matches
    from marketplace.models import MatchState

    cid, magnet, tea, company_magnet, own = _scene(search_app, make)
    with search_app.app_context():
        worker.drain(db.session, search_index(), once=True)
        stored = stored_matches(db.session, "challenges", cid)
    assert stored and stored[0].listing_id == magnet.id
    assert {m.listing_id for m in stored}.isdisjoint({tea.id, own.id, company_magnet.id})

    def no_matching(*args, **kwargs):
        raise AssertionError("the page matched again instead of reading what is stored")

    monkeypatch.setattr(challenge_matching, "match_listings_for_facts", no_matching)
    client = search_app.test_client()
    assert MAGNET["title"] in client.get(f"/challenges/{cid}").get_data(as_text=True)
    body = client.get(f"/api/v1/challenges/{cid}/related-listings").get_json()
    assert body["items"][0]["listing"]["id"] == magnet.id
    monkeypatch.undo()

    # A second university publishes an answer: the open challenge is recomputed.
    second = verified_solver(make, "institute")
    newer = make.listing(second, status="published", **MAGNET)
    with search_app.app_context():
        worker.drain(db.session, search_index(), once=True)
        state = db.session.scalar(
            select(MatchState).where(MatchState.doc_type == "challenges", MatchState.doc_id == cid)
        )
        assert state is not None and state.stale is False
        ids = {m.listing_id for m in stored_matches(db.session, "challenges", cid)}
    assert {magnet.id, newer.id} <= ids

    # Withdrawn: nothing is stored for it any more.
    with search_app.app_context():
        from marketplace.challenges import workflow

        workflow.withdraw(db.session, db.session.get(User, poster_of(cid)), cid, "需求取消")
        make.listing(second, status="published", **TEA)
        worker.drain(db.session, search_index(), once=True)
        assert stored_matches(db.session, "challenges", cid) is None


def poster_of(cid: int) -> int:
    return db.session.get(Challenge, cid).created_by_id
