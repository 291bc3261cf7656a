"""The search pages (/search, /search/demands) against the local search server."""

import html
import re

from marketplace.discovery import reindex
from marketplace.discovery.index import search_index
from marketplace.extensions import db
from tests.search.conftest import refresh
from tests.search.helpers import generate_listings

PAGE = "/search"


def publish(make, owner, **overrides):
    return make.listing(owner, status="published", **overrides)


def text(response) -> str:
    return response.get_data(as_text=True)


def hit_ids(page: str) -> list[int]:
    """The detail pages the result cards link to, in order."""
    return [
        int(n)
        for n in re.findall(r'<h2 class="hit-title"><a href="/(?:listings|demands)/(\d+)"', page)
    ]


def facet_link(page: str, param: str) -> str:
    """The href of the facet value that adds ``param`` (e.g. "domain=new_energy")."""
    for href in re.findall(r'<a class="facet-value[^"]*" href="([^"]+)"', page):
        href = html.unescape(href)
        if param in href.split("?", 1)[1].split("&"):
            return href
    raise AssertionError(f"no facet link with {param}")


def facet_labels(page: str) -> set[str]:
    return set(re.findall(r'<span class="facet-label"[^>]*>([^<]*)</span>', page))


def test_results_in_chinese_with_highlights_and_facets(search_app, make):
    owner = make.user("researcher")
    battery = publish(make, owner)
    publish(
        make,
        owner,
        title="高矫顽力钕铁硼磁体",
        summary="晶界扩散",
        description="磁体",
        domain="rare_earth_magnets",
        patents=[],
        tags=[],
    )
    refresh(search_app)
    r = search_app.test_client().get(PAGE, query_string={"q": "电池"})
    page = text(r)
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in page
    assert hit_ids(page) == [battery.id]
    assert "共 1 条结果" in page
    assert "<em>电池</em>" in page  # title and body fragments marked
    title = re.search(r'<h2 class="hit-title"><a href="[^"]+">(.*?)</a></h2>', page).group(1)
    assert title == "一种高电压稳定的钠离子<em>电池</em>正极材料"
    # Facet values with their Chinese labels and counts.
    labels = facet_labels(page)
    assert {
        "新能源",
        "50–100万元",
        "TRL 6",
        "独占许可",
        "H · 电学",
    } <= labels  # 600,000 yuan: 50–100万元
    assert "搜索服务暂时不可用" not in page


def test_markup_in_a_title_is_escaped_with_and_without_highlights(search_app, make):
    owner = make.user("researcher")
    publish(
        make,
        owner,
        title="<script>alert(1)</script>钠离子电池",
        summary="<img src=x onerror=alert(2)>",
    )
    refresh(search_app)
    c = search_app.test_client()
    for query in ({"q": "电池"}, {"sort": "newest"}):  # a highlighted title, then the plain one
        page = text(c.get(PAGE, query_string=query))
        assert len(hit_ids(page)) == 1, query
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page, query
        assert "<img src=x" not in page, query


def test_a_facet_link_narrows_the_results_and_the_chip_removes_it(search_app, make):
    owner = make.user("researcher")
    energy = publish(make, owner)
    magnet = publish(make, owner, title="钕铁硼磁体", domain="rare_earth_magnets", patents=[])
    refresh(search_app)
    c = search_app.test_client()
    page = text(c.get(PAGE))
    assert sorted(hit_ids(page)) == sorted([energy.id, magnet.id])

    narrowed = text(c.get(facet_link(page, "domain=rare_earth_magnets")))
    assert hit_ids(narrowed) == [magnet.id]
    assert "已选条件" in narrowed and "稀土磁性材料" in narrowed
    assert 'class="facet-value selected"' in narrowed
    # The search box keeps the filter when the words change.
    assert '<input type="hidden" name="domain" value="rare_earth_magnets">' in narrowed

    remove = html.unescape(re.search(r'<a class="chip" href="([^"]+)"', narrowed).group(1))
    assert sorted(hit_ids(text(c.get(remove)))) == sorted([energy.id, magnet.id])


def test_empty_state_suggests_removing_filters_and_lists_the_domains(search_app, make):
    publish(make, make.user("researcher"))
    refresh(search_app)
    c = search_app.test_client()
    page = text(c.get(PAGE, query_string={"q": "电池", "domain": "agriculture"}))
    assert hit_ids(page) == []
    assert "没有找到与“电池”相关的结果" in page
    assert "去掉一个筛选条件" in page
    remove = html.unescape(
        re.search(r'去掉一个筛选条件：\s*<a class="chip" href="([^"]+)"', page).group(1)
    )
    assert "domain=" not in remove and len(hit_ids(text(c.get(remove)))) == 1
    assert "按领域浏览" in page and "新材料" in page and "/search?domain=agriculture" in page


def test_bad_parameters_are_a_422_page_with_a_message(search_app, make):
    c = search_app.test_client()
    cases = {
        "per_page=9999": "每页条数: 应在 1 到 100 之间。",
        "domain=nonsense": "领域: 请从给定选项中选择。",
        "trl=12": "技术成熟度",
        "page=9999": "超过 10000 条之后的结果请用“下一页”继续翻页。",
        "cursor=not-a-cursor": "翻页参数无效",
    }
    for query, message in cases.items():
        r = c.get(f"{PAGE}?q=电池&{query}")
        assert r.status_code == 422, query
        page = text(r)
        assert "无法按这些条件搜索" in page and message in page, query
        assert 'value="电池"' in page  # the search box keeps what was typed
    assert c.get("/search/demands?transfer_mode=equity&cooperation_mode=x").status_code == 422


def test_deep_pages_follow_the_cursor(search_app):
    generate_listings(search_app, 25)
    with search_app.app_context():
        reindex.reindex(db.session, search_index(), "listings")
    refresh(search_app)
    c = search_app.test_client()
    seen = []
    url = f"{PAGE}?sort=newest&per_page=2"
    for number in range(1, 14):
        page = text(c.get(url))
        assert re.search(rf'<span class="current" aria-current="page">{number}</span>', page), (
            number
        )
        seen += hit_ids(page)
        found = re.search(r'<a href="([^"]+)" rel="next">', page)
        if number == 13:
            assert found is None  # 25 results: page 13 is the last
            break
        url = html.unescape(found.group(1))
        assert ("cursor=" in url) == (number >= 10), (number, url)  # numbers for the first pages
    assert len(seen) == len(set(seen)) == 25


def test_demand_search_page(search_app, make):
    owner = make.user("enterprise_member")
    demand = make.demand(owner, status="published")
    refresh(search_app)
    r = search_app.test_client().get("/search/demands", query_string={"q": "钠电池"})
    page = text(r)
    assert r.status_code == 200
    assert hit_ids(page) == [demand.id]
    assert "合作方式" in page  # the cooperation-mode facet
    assert f'href="/demands/{demand.id}"' in page


def test_the_page_says_when_search_is_degraded(app, make):
    app.config["ELASTICSEARCH_URL"] = "http://127.0.0.1:9"  # nothing listens there
    app.extensions.pop("search_index", None)
    try:
        item = publish(make, make.user("researcher"))
        r = app.test_client().get(PAGE, query_string={"q": "钠离子"})
        page = text(r)
        assert r.status_code == 200
        assert "搜索服务暂时不可用" in page
        assert hit_ids(page) == [item.id]
    finally:
        app.extensions.pop("search_index", None)


def test_english_on_request(search_app, make):
    publish(make, make.user("researcher"))
    refresh(search_app)
    page = text(search_app.test_client().get(PAGE, query_string={"q": "电池", "lang": "en"}))
    assert '<html lang="en">' in page
    assert "1 result" in page and {"New energy", "500k–1M yuan"} <= facet_labels(page)
    assert "Relevance" in page and "<em>电池</em>" in page
    empty = text(search_app.test_client().get(PAGE, query_string={"q": "量子计算", "lang": "en"}))
    assert "Nothing found for “量子计算”." in empty and "Browse by domain" in empty


def test_search_is_linked_from_the_nav_and_the_home_page(app):
    page = text(app.test_client().get("/"))
    assert '<a href="/search" class="">搜索</a>' in page
    assert 'class="hero-search suggest" method="get" action="/search"' in page
    assert 'data-suggest="/api/v1/search/suggest"' in page
