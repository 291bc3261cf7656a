"""Search through the API against the local search server."""

from tests.conftest import listing_payload
from tests.search.conftest import refresh

URL = "/api/v1/search/listings"


def publish(make, owner, **overrides):
    return make.listing(owner, status="published", **overrides)


def test_chinese_two_character_and_english_queries(search_app, make):
    owner = make.user("researcher")
    battery = publish(make, owner)
    magnet = publish(
        make,
        owner,
        title="高矫顽力烧结钕铁硼磁体的晶界扩散方法",
        domain="rare_earth_magnets",
        summary="晶界扩散重稀土",
        description="一种钕铁硼磁体",
        patents=[],
        tags=[],
    )
    english = publish(
        make,
        owner,
        title="Laser powder bed fusion of crack-free nickel superalloys",
        summary="Process window for LPBF",
        description="Scanning strategy for additive manufacturing",
        language="en",
        domain="additive_manufacturing",
        patents=[],
        tags=[],
    )
    refresh(search_app)
    c = search_app.test_client()
    ids = lambda q: {h["id"] for h in c.get(URL, query_string={"q": q}).json["items"]}  # noqa: E731
    assert ids("电池") == {battery.id}
    assert ids("磁体") == {magnet.id}
    assert ids("钕铁硼") == {magnet.id}
    assert ids("laser powder bed fusion") == {english.id}
    assert ids("superalloy") == {english.id}  # english stemming
    assert ids("量子计算") == set()


def test_synonyms_bridge_enterprise_and_patent_words(search_app, make):
    owner = make.user("researcher")
    li_ion = publish(
        make,
        owner,
        title="一种锂离子电池低温电解液",
        summary="提高锂离子电池低温放电性能",
        description="",
        patents=[],
        tags=[],
    )
    printing = publish(
        make,
        owner,
        title="增材制造用钛合金粉末",
        summary="球形钛合金粉末的制备",
        description="",
        domain="additive_manufacturing",
        patents=[],
        tags=[],
    )
    refresh(search_app)
    c = search_app.test_client()
    hits = c.get(URL, query_string={"q": "锂电池"}).json["items"]
    assert [h["id"] for h in hits] == [li_ion.id]
    hits = c.get(URL, query_string={"q": "3D打印"}).json["items"]
    assert [h["id"] for h in hits] == [printing.id]


def test_highlights_mark_the_matched_words_and_escape_markup(search_app, make):
    owner = make.user("researcher")
    publish(make, owner, title="<b>钠离子</b>电池正极")
    refresh(search_app)
    hit = search_app.test_client().get(URL, query_string={"q": "电池"}).json["items"][0]
    title = "".join(hit["highlight"]["title"])
    assert "<em>电池</em>" in title
    assert "<b>" not in title and "&lt;b&gt;" in title


def test_unpublished_items_never_appear(search_app, make):
    owner = make.user("researcher")
    op = make.operator()
    visible = publish(make, owner)
    draft = make.listing(owner)
    pending = make.listing(owner, status="pending_review")
    withdrawn = publish(make, owner)
    closed = publish(make, owner)
    c_owner = search_app.test_client(user=owner)
    assert c_owner.post(f"/api/v1/listings/{withdrawn.id}/withdraw").status_code == 200
    assert c_owner.post(f"/api/v1/listings/{closed.id}/close").status_code == 200
    deleted = make.listing(owner)
    assert c_owner.delete(f"/api/v1/listings/{deleted.id}").status_code == 204
    refresh(search_app)
    for client in (search_app.test_client(), c_owner, search_app.test_client(user=op)):
        ids = {h["id"] for h in client.get(URL, query_string={"q": "电池"}).json["items"]}
        assert ids == {visible.id}, (ids, draft.id, pending.id)


def test_edit_after_publication_leaves_the_index_until_republished(search_app, make):
    owner = make.user("researcher")
    item = publish(make, owner)
    c = search_app.test_client(user=owner)
    assert (
        c.patch(f"/api/v1/listings/{item.id}", json={"title": "改过的钠离子电池"}).status_code
        == 200
    )
    refresh(search_app)
    assert search_app.test_client().get(URL, query_string={"q": "电池"}).json["total"] == 0


def test_bad_parameters_are_422(search_app):
    c = search_app.test_client()
    assert c.get(URL, query_string={"cursor": "%%%not-a-cursor"}).status_code == 422
    assert c.get(URL, query_string={"per_page": 500}).status_code == 422
    assert c.get(URL, query_string={"page": 600, "per_page": 20}).status_code == 422
    assert c.get(URL, query_string={"domain": "nope"}).status_code == 422
    assert c.get(URL, query_string={"ipc_class": "H1"}).status_code == 422
    r = c.get(URL, query_string={"q": 'AND OR "unbalanced ( [ { \\'})
    assert r.status_code == 200


def test_suggestions(search_app, make):
    owner = make.user("researcher")
    publish(make, owner, title="钠离子电池硬碳负极", tags=["硬碳"])
    refresh(search_app)
    r = search_app.test_client().get("/api/v1/search/suggest", query_string={"q": "钠离子"})
    assert r.status_code == 200 and "钠离子电池硬碳负极" in r.json["suggestions"]


def test_search_degrades_to_the_database_when_search_is_down(app, make):
    app.config["ELASTICSEARCH_URL"] = "http://127.0.0.1:9"  # nothing listens there
    app.extensions.pop("search_index", None)
    try:
        owner = make.user("researcher")
        item = publish(make, owner)
        r = app.test_client().get(URL, query_string={"q": "钠离子"})
        assert r.status_code == 200
        assert r.json["degraded"] is True
        assert [h["id"] for h in r.json["items"]] == [item.id]
        r = app.test_client().get("/api/v1/search/suggest", query_string={"q": "一种"})
        assert r.status_code == 200 and r.json["degraded"] is True
    finally:
        app.extensions.pop("search_index", None)


def test_api_creation_reaches_the_index_inline(search_app, make):
    owner = make.user("researcher")
    op = make.operator()
    lid = (
        search_app.test_client(user=owner)
        .post("/api/v1/listings", json=listing_payload())
        .json["id"]
    )
    search_app.test_client(user=owner).post(f"/api/v1/listings/{lid}/submit")
    search_app.test_client(user=op).post(f"/api/v1/listings/{lid}/publish")
    refresh(search_app)
    assert [h["id"] for h in search_app.test_client().get(URL).json["items"]] == [lid]


def test_words_relax_without_vectors_and_an_empty_result_suggests_words(search_app, make):
    """EMBEDDER=none: the word side alone relaxes (tests/search/test_hybrid_search.py
    has the vector side)."""
    owner = make.user("researcher")
    battery = publish(make, owner)  # 钠离子电池 …, in the new_energy domain
    refresh(search_app)
    c = search_app.test_client()
    strict = c.get(URL, query_string={"q": "钠离子电池 正极材料"}).json
    assert [h["id"] for h in strict["items"]] == [battery.id]
    assert strict["relaxed"] is False and strict["hybrid"] is False
    assert strict["suggestions"] is None
    relaxed = c.get(URL, query_string={"q": "钠离子电池 茶饮料"}).json
    assert [h["id"] for h in relaxed["items"]] == [battery.id]
    assert relaxed["relaxed"] is True and relaxed["hybrid"] is False
    # A filter that excludes it: nothing, but each word that finds something on its own
    # (without the filters) is offered, and the domains of what it finds.
    empty = c.get(URL, query_string={"q": "钠离子电池 茶饮料", "domain": "ai"}).json
    assert empty["total"] == 0 and empty["relaxed"] is False
    assert empty["suggestions"] == {
        "queries": [{"q": "钠离子电池", "count": 1}],
        "domains": [{"value": "new_energy", "count": 1}],
    }
    nothing = c.get(URL, query_string={"q": "茶饮料 咖啡机"}).json
    assert nothing["total"] == 0 and nothing["suggestions"] == {"queries": [], "domains": []}
