"""The matcher through the service, the API and the pages, against the local search server."""

from __future__ import annotations

import random
from datetime import date

from marketplace.discovery import outbox, reindex
from marketplace.discovery.index import search_index
from marketplace.discovery.matching import match_demands, match_listings
from marketplace.extensions import db
from marketplace.models import Demand, Listing
from search.matching import DemandFacts, ListingFacts
from search.matching.concepts import contains
from tests.search.conftest import refresh
from tests.search.matching.test_scoring_properties import assert_admissible

SODIUM = dict(
    title="一种钠离子电池硬碳负极材料的制备方法",
    summary="生物质前驱体硬碳负极，首次库伦效率88%，循环寿命长",
    description="可与层状氧化物正极匹配构成低成本钠离子电池。",
    domain="new_energy",
    tags=[],
    transfer_modes=["license_exclusive", "co_development"],
    price_type="negotiable",
    price_amount=None,
)
RECYCLING = dict(
    title="一种废旧电池外壳破碎分选装置",
    summary="废旧电池外壳的破碎和磁选分离",
    description="包括破碎机和磁选机。",
    domain="environment",
    tags=[],
    transfer_modes=["co_development"],
    price_type="negotiable",
    price_amount=None,
    patents=[],
)
TEA = dict(
    title="一种茶饮料的制备方法",
    summary="低苦涩味绿茶饮料",
    description="茶叶萃取、酶处理和调配。",
    domain="agriculture",
    tags=[],
    transfer_modes=["license_exclusive"],
    price_type="negotiable",
    price_amount=None,
    patents=[],
)


def test_a_demand_finds_the_listing_that_solves_it_with_reasons(search_app, make):
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    sodium = make.listing(researcher, status="published", **SODIUM)
    recycling = make.listing(researcher, status="published", **RECYCLING)
    make.listing(researcher, status="published", **TEA)  # nothing in common: not a candidate
    demand = make.demand(buyer, status="published")
    refresh(search_app)
    with search_app.app_context():
        found = match_listings(db.session, demand.id, k=10)
    assert [m.listing_id for m in found] == [sodium.id, recycling.id]
    best = found[0]
    assert best.score > found[1].score
    assert "钠离子电池" in best.concepts
    assert "硬碳" in "".join(best.matched_terms)
    assert best.parts["domain"] == 1.0 and best.parts["ipc"] == 1.0
    assert best.common_modes == ("license_exclusive", "co_development")
    assert best.budget == "negotiable"
    assert best.strong and not found[1].strong


def test_hard_constraints_hold_over_random_rows(search_app, make):
    """Random listings and demands from several organizations, every match of every
    demand and every listing checked against the database rows."""
    rng = random.Random(11)
    modes = ["assignment", "license_exclusive", "license_nonexclusive", "co_development"]
    owners = [make.user("researcher") for _ in range(2)] + [make.user("enterprise_member")]
    titles = ["钠离子电池正极材料", "燃料电池质子交换膜", "机床热误差补偿", "农药残留快速检测"]
    for i in range(24):
        fixed = rng.random() < 0.6
        make.listing(
            rng.choice(owners),
            status=rng.choice(["published", "published", "published", "draft", "closed"]),
            title=f"一种{rng.choice(titles)}方法{i}",
            transfer_modes=rng.sample(modes, rng.randint(1, 2)),
            price_type="fixed" if fixed else "negotiable",
            price_amount=rng.randint(1, 40) * 10_000_000 if fixed else None,
            patents=[],
        )
    for i in range(8):
        make.demand(
            rng.choice(owners),
            status=rng.choice(["published", "published", "draft"]),
            title=f"需要{rng.choice(titles)}技术{i}",
            cooperation_modes=rng.sample(modes, rng.randint(1, 2)),
            budget_min=None,
            budget_max=rng.randint(5, 30) * 10_000_000,
            deadline=rng.choice(["2020-01-01", "2030-01-01", None]),
        )
    refresh(search_app)
    today = date.today()
    with search_app.app_context():
        listings = {r.id: r for r in db.session.query(Listing)}
        demands = {r.id: r for r in db.session.query(Demand)}
        checked = 0
        for demand in demands.values():
            d = DemandFacts.from_row(demand)
            for m in match_listings(db.session, demand.id, k=50):
                li = ListingFacts.from_row(listings[m.listing_id])
                # Checked by hand, not by the function the matcher filters with.
                assert_admissible(d, li)
                assert all(contains(li.text, t) for t in m.matched_terms)
                checked += 1
        for listing in listings.values():
            li = ListingFacts.from_row(listing)
            for m in match_demands(db.session, listing.id, k=50):
                row = demands[m.demand_id]
                assert row.status == "published"
                assert row.deadline is None or row.deadline >= today
                assert_admissible(DemandFacts.from_row(row), li)
                checked += 1
    assert checked > 10  # the random rows did produce matches to check


def test_unpublished_and_own_listings_are_never_matched(search_app, make):
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    colleague_listing = make.listing(
        make.user("researcher", organization=buyer.organization), status="published", **SODIUM
    )
    withdrawn = make.listing(researcher, status="withdrawn", **SODIUM)
    published = make.listing(researcher, status="published", **SODIUM)
    demand = make.demand(buyer, status="published")
    refresh(search_app)
    with search_app.app_context():
        ids = [m.listing_id for m in match_listings(db.session, demand.id)]
        assert ids == [published.id]
        assert colleague_listing.id not in ids and withdrawn.id not in ids
        # the other way round: the listing finds the demand; the colleague's listing does not
        assert [m.demand_id for m in match_demands(db.session, published.id)] == [demand.id]
        assert match_demands(db.session, colleague_listing.id) == []


def test_without_the_search_server_matching_falls_back_to_the_database(search_app, make):
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    sodium = make.listing(researcher, status="published", **SODIUM)
    make.listing(researcher, status="published", **TEA)
    over_budget = make.listing(
        researcher, status="published", **(SODIUM | {"price_type": "fixed", "price_amount": 10**10})
    )
    demand = make.demand(buyer, status="published")
    search_app.config["ELASTICSEARCH_URL"] = "http://127.0.0.1:9"  # nothing listens
    search_app.extensions.pop("search_index", None)
    with search_app.app_context():
        found = match_listings(db.session, demand.id)
    assert found[0].listing_id == sodium.id
    assert over_budget.id not in {m.listing_id for m in found}
    assert found[0].parts["text"] == 0.0  # no search engine relevance in the fallback


def test_api_shows_matches_to_whoever_may_see_the_demand(search_app, make):
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    stranger = make.user("enterprise_member")
    sodium = make.listing(researcher, status="published", **SODIUM)
    draft = make.demand(buyer, status="draft")
    published = make.demand(buyer, status="published")
    refresh(search_app)
    anonymous = search_app.test_client()
    r = anonymous.get(f"/api/v1/demands/{published.id}/matches")
    assert r.status_code == 200, r.json
    item = r.json["items"][0]
    assert item["listing"]["id"] == sodium.id
    assert item["listing"]["organization"]["name"]
    explanation = item["explanation"]
    assert explanation["strong"] is True
    assert set(explanation["parts"]) >= {"text", "concepts", "domain", "ipc", "legal_status"}
    assert explanation["common_modes"] == ["license_exclusive", "co_development"]
    # a draft's matches: its organization yes, anyone else 404 like the draft itself
    assert anonymous.get(f"/api/v1/demands/{draft.id}/matches").status_code == 404
    with search_app.test_client(user=stranger) as c:
        assert c.get(f"/api/v1/demands/{draft.id}/matches").status_code == 404
    with search_app.test_client(user=buyer) as c:
        r = c.get(f"/api/v1/demands/{draft.id}/matches", query_string={"k": 5})
        assert r.status_code == 200 and r.json["items"][0]["listing"]["id"] == sodium.id
        bad = c.get(f"/api/v1/demands/{draft.id}/matches", query_string={"k": 0})
        assert bad.status_code == 422 and "k" in bad.json["error"]["fields"]
    assert anonymous.get("/api/v1/demands/999999/matches").status_code == 404
    r = anonymous.get(f"/api/v1/listings/{sodium.id}/matches")
    assert r.status_code == 200
    assert [i["demand"]["id"] for i in r.json["items"]] == [published.id]


def test_pages_show_matches_with_reasons_in_chinese_and_english(search_app, make):
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    sodium = make.listing(researcher, status="published", **SODIUM)
    demand = make.demand(buyer, status="published")
    refresh(search_app)
    c = search_app.test_client()
    html = c.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "推荐技术成果" in html and SODIUM["title"] in html
    assert "匹配词：" in html and "同一领域" in html and "合作方式相符：" in html
    assert "价格可面议" in html
    html = c.get(f"/demands/{demand.id}?lang=en").get_data(as_text=True)
    assert "Recommended listings" in html and "Matching words:" in html
    assert "Same field" in html and "Cooperation mode accepted:" in html
    html = search_app.test_client().get(f"/listings/{sodium.id}").get_data(as_text=True)
    assert "可对接的技术需求" in html and demand.title in html


def test_export_and_evaluation_commands(search_app, make, tmp_path):
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    sodium = make.listing(researcher, status="published", **SODIUM)
    make.listing(researcher, status="published", **RECYCLING)
    demand = make.demand(buyer, status="published")
    with search_app.app_context():
        index = search_index()
        for doc_type in outbox.DOC_TYPES:
            reindex.reindex(db.session, index, doc_type)
    out = tmp_path / "run.tsv"
    runner = search_app.test_cli_runner()
    result = runner.invoke(args=["match", "export", "--out", str(out), "--k", "5"])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in out.read_text().splitlines()]
    assert lines[0][:3] == [str(demand.id), str(sodium.id), "1"]
    assert len(lines) == 2 and float(lines[0][3]) >= float(lines[1][3])
    result = runner.invoke(
        args=["match", "export", "--out", str(tmp_path / "b.tsv"), "--system", "baseline"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b.tsv").read_text().startswith(f"{demand.id}\t{sodium.id}\t1\t")
    bad = runner.invoke(args=["match", "export", "--out", str(out), "--k", "0"])
    assert bad.exit_code != 0
