"""Matches shown to people: calibrated labels, nothing below the lowest threshold, price
headings true to the price type, and matches precomputed by the worker (stored_match)."""

from __future__ import annotations

from marketplace.catalog import publication
from marketplace.discovery import worker
from marketplace.discovery.index import search_index
from marketplace.discovery.match_records import stored_matches
from marketplace.discovery.matching import match_listings, matches_for_demand
from marketplace.extensions import db
from marketplace.models import Listing, MatchState, StoredMatch, User
from search.matching import DemandFacts, ListingFacts
from search.matching.model import load_model
from search.matching.scoring import budget_fit
from tests.search.conftest import refresh
from tests.search.test_matching import RECYCLING, SODIUM, TEA

AUCTION = SODIUM | {
    "title": "一种钠离子电池硬碳负极材料的低成本制备方法",
    "price_type": "auction",
    "price_amount": 1_000_000_000,  # ten million yuan to start, five times the budget
}


def run_worker(app) -> None:
    with app.app_context():
        worker.drain(db.session, search_index(), once=True)


def test_a_match_below_the_lowest_threshold_is_not_shown(search_app, make):
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    sodium = make.listing(researcher, status="published", **SODIUM)
    recycling = make.listing(researcher, status="published", **RECYCLING)
    demand = make.demand(buyer, status="published")
    refresh(search_app)
    model = load_model("lexical")  # the tests run without vectors
    with search_app.app_context():
        ranked = {m.listing_id: m for m in match_listings(db.session, demand.id, k=10)}
    weak = ranked[recycling.id]
    assert weak.label is None and weak.probability < model.thresholds["fair"]
    assert ranked[sodium.id].label is not None
    assert 0.0 <= weak.probability < ranked[sodium.id].probability <= 1.0
    r = search_app.test_client().get(f"/api/v1/demands/{demand.id}/matches")
    items = r.json["items"]
    assert [i["listing"]["id"] for i in items] == [sodium.id]
    assert items[0]["explanation"]["label"] in ("high", "good", "fair")
    assert items[0]["explanation"]["score"] == items[0]["explanation"]["probability"]
    html = search_app.test_client().get(f"/demands/{demand.id}").get_data(as_text=True)
    assert SODIUM["title"] in html and RECYCLING["title"] not in html


def test_an_auction_or_negotiable_price_is_never_said_to_be_within_budget(search_app, make):
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    auction = make.listing(researcher, status="published", **AUCTION)
    negotiable = make.listing(researcher, status="published", **SODIUM)
    demand = make.demand(buyer, status="published")
    refresh(search_app)
    with search_app.app_context():
        d = DemandFacts.from_row(db.session.get(type(demand), demand.id))
        for row in (db.session.get(Listing, auction.id), db.session.get(Listing, negotiable.id)):
            assert budget_fit(d, ListingFacts.from_row(row)) != "within"
        _, found = matches_for_demand(db.session, None, demand.id)
        assert {r.item.id for r in found} >= {auction.id, negotiable.id}
        assert {r.match.budget for r in found} == {"auction", "negotiable"}
    html = search_app.test_client().get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "一口价在预算以内" not in html and "价格不超预算" not in html
    assert "拍卖出让：成交价可能超出预算" in html and "价格可面议" in html
    english = search_app.test_client().get(f"/demands/{demand.id}?lang=en").get_data(as_text=True)
    assert "within the budget" not in english.replace("a fixed price is within the budget", "")


def test_stored_matches_follow_new_and_unpublished_candidates(search_app, make):
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    make.listing(researcher, status="published", **TEA)
    demand = make.demand(buyer, status="published")
    run_worker(search_app)
    with search_app.app_context():
        assert stored_matches(db.session, "demands", demand.id) == []  # computed: nothing fits
    # a relevant listing is published: after the worker runs, the demand's matches have it
    sodium = make.listing(researcher, status="published", **SODIUM)
    run_worker(search_app)
    with search_app.app_context():
        stored = stored_matches(db.session, "demands", demand.id)
        assert [m.listing_id for m in stored] == [sodium.id]
        assert stored[0].label is not None and "钠离子电池" in stored[0].concepts
        assert any("硬碳" in t for t in stored[0].matched_terms)  # names the shared words
        # the listing's own stored matches name the demand
        assert [m.demand_id for m in stored_matches(db.session, "listings", sodium.id)] == [
            demand.id
        ]
    # the page reads the stored matches: no candidate query runs for it
    calls = []
    from marketplace.discovery import matching

    real = matching.match_listings
    matching.match_listings = lambda *a, **k: calls.append(a) or real(*a, **k)
    try:
        html = search_app.test_client().get(f"/demands/{demand.id}").get_data(as_text=True)
    finally:
        matching.match_listings = real
    assert SODIUM["title"] in html and calls == []
    # unpublished: gone from the demand's stored matches, and its own are dropped
    with search_app.app_context():
        owner = db.session.get(User, researcher.id)
        publication.transition(db.session, Listing, sodium.id, "close", owner, reason="sold")
        db.session.commit()
    run_worker(search_app)
    with search_app.app_context():
        assert stored_matches(db.session, "demands", demand.id) == []
        assert stored_matches(db.session, "listings", sodium.id) is None
        assert db.session.query(StoredMatch).filter_by(other_id=sodium.id).count() == 0
        assert not db.session.query(MatchState).filter_by(stale=True).count()
    html = search_app.test_client().get(f"/demands/{demand.id}").get_data(as_text=True)
    assert SODIUM["title"] not in html


def test_flask_match_refresh_stores_every_published_items_matches(search_app, make):
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    sodium = make.listing(researcher, status="published", **SODIUM)
    demand = make.demand(buyer, status="published")
    draft = make.demand(buyer, status="draft")
    refresh(search_app)
    with search_app.app_context():
        db.session.query(MatchState).delete()  # as after a deployment: nothing stored
        db.session.query(StoredMatch).delete()
        db.session.commit()
    result = search_app.test_cli_runner().invoke(args=["match", "refresh", "--now"])
    assert result.exit_code == 0, result.output
    assert "2 items marked" in result.output
    with search_app.app_context():
        assert [m.listing_id for m in stored_matches(db.session, "demands", demand.id)] == [
            sodium.id
        ]
        assert stored_matches(db.session, "demands", draft.id) is None
