"""Highlights are the one place pages render pre-built HTML (|safe): markup in every
searched field must still arrive escaped, with only <em> marks live."""

import re

from tests.search.conftest import refresh

LIVE = re.compile(r"<script>alert|<img src=x onerror|<b>钠|<iframe", re.I)


def test_markup_in_every_searched_field_is_escaped_in_highlights(search_app, make):
    owner = make.user("researcher")
    buyer = make.user("enterprise_member")
    make.listing(
        owner,
        status="published",
        title="<b>钠</b>离子电池<script>alert(1)</script>",
        summary="电池摘要<img src=x onerror=alert(2)>",
        description="电池说明<iframe src=//evil.example></iframe>",
        tags=["电池<script>alert(3)</script>"],
    )
    make.demand(
        buyer,
        status="published",
        title="换电柜电池<script>alert(4)</script>",
        description="电池需求<img src=x onerror=alert(5)>",
    )
    refresh(search_app)
    c = search_app.test_client()
    for url in ("/search", "/search/demands"):
        page = c.get(url, query_string={"q": "电池"}).get_data(as_text=True)
        assert "<em>" in page, url  # highlights really rendered
        assert not LIVE.search(page), (url, LIVE.search(page))
        assert "&lt;script&gt;alert(" in page, url
    suggest = c.get("/api/v1/search/suggest", query_string={"q": "钠"})
    assert suggest.status_code == 200 and suggest.mimetype == "application/json"
