"""Facet counts against the database, sorts, and cursor paging over 1,000 documents."""

import pytest
from sqlalchemy import func, select

from marketplace.discovery import reindex
from marketplace.discovery.index import search_index
from marketplace.extensions import db
from marketplace.models import Listing, Patent
from search.documents import price_band
from tests.search.conftest import refresh
from tests.search.helpers import generate_listings

URL = "/api/v1/search/listings"


@pytest.fixture
def thousand(search_app):
    ids = generate_listings(search_app, 1000)
    with search_app.app_context():
        reindex.reindex(db.session, search_index(), "listings")
    refresh(search_app)
    return ids


def db_counts(app, column_sql, where=()):
    with app.app_context():
        stmt = select(column_sql, func.count()).where(Listing.status == "published", *where)
        return dict(db.session.execute(stmt.group_by(column_sql)).all())


def test_cursor_paging_returns_every_hit_exactly_once(search_app, thousand):
    c = search_app.test_client()
    seen, cursor = [], None
    for sort in ("newest", "price_asc"):
        seen, cursor = [], None
        while True:
            args = {"per_page": 100, "sort": sort} | ({"cursor": cursor} if cursor else {})
            body = c.get(URL, query_string=args).json
            seen += [h["id"] for h in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 1000, sort
        assert set(seen) == set(thousand)


def test_facet_counts_equal_database_counts(search_app, thousand):
    c = search_app.test_client()
    body = c.get(URL, query_string={"per_page": 1}).json
    facets = {
        name: {b["value"]: b["count"] for b in buckets} for name, buckets in body["facets"].items()
    }
    assert body["total"] == 1000
    assert facets["domain"] == db_counts(search_app, Listing.domain)
    assert facets["region"] == db_counts(search_app, Listing.region)
    assert facets["trl"] == db_counts(search_app, Listing.trl)
    with search_app.app_context():
        rows = db.session.execute(
            select(Listing.id, Listing.price_amount, Listing.transfer_modes)
        ).all()
        patents = db.session.execute(
            select(Patent.listing_id, Patent.legal_status, Patent.patent_type, Patent.ipc_codes)
        ).all()
    bands, modes = {}, {}
    for _, amount, tms in rows:
        bands[price_band(amount)] = bands.get(price_band(amount), 0) + 1
        for m in tms:
            modes[m] = modes.get(m, 0) + 1
    assert facets["price_band"] == bands
    assert facets["transfer_mode"] == modes
    legal, sections, classes = {}, {}, {}
    for _, status, _, ipc in patents:
        legal[status] = legal.get(status, 0) + 1
        for s in {code[0] for code in ipc}:
            sections[s] = sections.get(s, 0) + 1
        for k in {code[:3] for code in ipc}:
            classes[k] = classes.get(k, 0) + 1
    assert facets["legal_status"] == legal
    assert facets["ipc_section"] == sections
    assert facets["ipc_class"] == classes


def test_filtered_facets_and_totals_match_the_database(search_app, thousand):
    c = search_app.test_client()
    body = c.get(URL, query_string={"domain": ["ai", "new_energy"], "region": "宁波"}).json
    expected = db_counts(
        search_app,
        Listing.domain,
        (Listing.domain.in_(["ai", "new_energy"]), Listing.region == "宁波"),
    )
    assert body["total"] == sum(expected.values())
    assert {b["value"]: b["count"] for b in body["facets"]["domain"]} == expected
    body = c.get(URL, query_string={"min_price": 100_000_000, "max_price": 300_000_000}).json
    with search_app.app_context():
        n = db.session.scalar(
            select(func.count())
            .select_from(Listing)
            .where(Listing.price_amount.between(100_000_000, 300_000_000))
        )
    assert body["total"] == n


@pytest.mark.parametrize(
    "sort,key,reverse",
    [
        ("newest", "published_at", True),
        ("price_asc", "price_amount", False),
        ("price_desc", "price_amount", True),
    ],
)
def test_sorts(search_app, thousand, sort, key, reverse):
    items = (
        search_app.test_client()
        .get(URL, query_string={"sort": sort, "per_page": 100})
        .json["items"]
    )
    values = [i[key] for i in items if i[key] is not None]
    assert values == sorted(values, reverse=reverse) and len(values) > 50


def test_relevance_puts_title_matches_first(search_app, make):
    owner = make.user("researcher")
    title_hit = make.listing(
        owner,
        status="published",
        title="钙钛矿太阳能电池封装",
        summary="",
        description="",
        tags=[],
        patents=[],
    )
    body_hit = make.listing(
        owner,
        status="published",
        title="光伏组件回收",
        summary="可用于钙钛矿材料",
        description="",
        tags=[],
        patents=[],
    )
    refresh(search_app)
    items = search_app.test_client().get(URL, query_string={"q": "钙钛矿"}).json["items"]
    assert [i["id"] for i in items] == [title_hit.id, body_hit.id]
