"""Home, lists, details and the error page, in both languages."""

from __future__ import annotations

from tests.views.conftest import text


def test_home_speaks_chinese_by_default(client, make):
    owner = make.user()
    make.listing(owner, status="published", title="宁波磁材成果")
    response = client.get("/")
    html = text(response)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert "技术成果" in html and "技术需求" in html
    assert "宁波磁材成果" in html
    assert "新能源" in html  # the domain list, translated


def test_home_in_english_when_asked_and_the_choice_sticks(client):
    html = text(client.get("/?lang=en"))
    assert '<html lang="en">' in html
    assert "Listings" in html and "技术成果" not in html
    assert "Listings" in text(client.get("/listings"))  # remembered in the session
    assert "技术成果" in text(client.get("/listings?lang=zh_CN"))


def test_home_counts_only_published(client, make):
    owner = make.user()
    make.listing(owner, status="published")
    make.listing(owner, status="draft")
    html = text(client.get("/?lang=en"))
    assert "<dt>Published listings</dt><dd>1</dd>" in html


def test_listing_list_shows_published_only(client, make):
    owner = make.user()
    make.listing(owner, status="published", title="已发布的成果")
    make.listing(owner, status="draft", title="草稿成果")
    make.listing(owner, status="pending_review", title="待审核成果")
    html = text(client.get("/listings"))
    assert "已发布的成果" in html
    assert "草稿成果" not in html and "待审核成果" not in html


def test_draft_detail_is_hidden_from_anonymous_and_other_organizations(app, client, make):
    owner = make.user()
    draft = make.listing(owner, status="draft", title="草稿成果")
    assert client.get(f"/listings/{draft.id}").status_code == 404
    stranger = app.test_client(user=make.user())
    assert stranger.get(f"/listings/{draft.id}").status_code == 404
    member = app.test_client(user=owner)
    response = member.get(f"/listings/{draft.id}")
    assert response.status_code == 200 and "草稿成果" in text(response)
    assert "草稿" in text(response)  # the status badge


def test_listing_detail_shows_fields_patents_and_price(client, make):
    owner = make.user()
    item = make.listing(owner, status="published")
    html = text(client.get(f"/listings/{item.id}"))
    assert "CN202113530829.1" in html
    assert "H01M4/505" in html and "华中科技大学" in html and "张伟" in html
    assert "2021-09-04" in html and "本发明公开了" in html
    assert "600,000 元" in html  # 60,000,000 fen
    assert "一口价" in html and "发明" in html and "TRL 6" in html


def test_negotiable_price_shows_as_negotiable(client, make):
    item = make.listing(make.user(), status="published", price_type="negotiable", price_amount=None)
    html = text(client.get(f"/listings/{item.id}"))
    assert '<dd class="price">面议</dd>' in html


def test_listing_filters_by_domain_price_and_text(client, make):
    owner = make.user()
    make.listing(owner, status="published", title="便宜的新能源成果", price_amount=100_00)
    make.listing(owner, status="published", title="昂贵的新能源成果", price_amount=900_000_00)
    make.listing(owner, status="published", title="人工智能成果", domain="ai")
    html = text(client.get("/listings?domain=new_energy&max_price=1000"))
    assert "便宜的新能源成果" in html
    assert "昂贵的新能源成果" not in html and "人工智能成果" not in html
    html = text(client.get("/listings?q=人工智能"))
    assert "人工智能成果" in html and "便宜的新能源成果" not in html


def test_a_bad_price_filter_is_reported_and_ignored(english, make):
    make.listing(make.user(), status="published", title="Visible listing")
    response = english().get("/listings?min_price=abc&domain=new_energy")
    assert response.status_code == 200
    html = text(response)
    assert "Not a number" in html and "Visible listing" in html


def test_listing_list_paginates(client, make):
    owner = make.user()
    for n in range(13):
        make.listing(owner, status="published", title=f"成果 {n:02d}")
    first, second = text(client.get("/listings")), text(client.get("/listings?page=2"))
    assert "成果 12" in first and "成果 00" not in first
    assert "成果 00" in second and "成果 12" not in second
    assert 'rel="next"' in first


def test_demand_list_and_detail(client, make):
    owner = make.user("enterprise_member")
    published = make.demand(owner, status="published")
    draft = make.demand(owner, status="draft", title="还没提交的需求")
    html = text(client.get("/demands"))
    assert "两轮车换电柜想换用钠电池降成本" in html and "还没提交的需求" not in html
    detail = text(client.get(f"/demands/{published.id}"))
    assert "500,000 元 – 2,000,000 元" in detail
    assert "独占许可" in detail and "合作开发" in detail and "2027-01-28" in detail
    assert client.get(f"/demands/{draft.id}").status_code == 404


def test_markup_in_a_title_is_escaped(app, make):
    owner = make.user()
    item = make.listing(owner, status="published", title="<script>alert(1)</script>")
    client = app.test_client()
    for url in (f"/listings/{item.id}", "/listings", "/"):
        html = text(client.get(url))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "<script>alert(1)" not in html, url


def test_not_found_page_is_friendly_and_translated(client, english):
    response = client.get("/listings/999999")
    assert response.status_code == 404
    assert "未找到" in text(response) and "返回首页" in text(response)
    response = english().get("/listings/999999")
    assert "Not found" in text(response)


def test_pages_use_no_external_resources(client, make):
    make.listing(make.user(), status="published")
    html = text(client.get("/"))
    assert "http://" not in html and "https://" not in html
    css = client.get("/static/css/app.css")
    assert css.status_code == 200
    assert "http" not in css.get_data(as_text=True)


def test_every_post_form_carries_a_csrf_token(app, make):
    import re

    owner = make.user()
    draft = make.listing(owner, status="draft")
    pending = make.listing(owner, status="pending_review")
    pages = [
        (
            app.test_client(user=owner),
            [
                "/",
                f"/listings/{draft.id}",
                "/listings/new",
                "/demands/new",
                "/my/organization",
                "/import",
            ],
        ),
        (app.test_client(user=make.operator()), ["/review", f"/listings/{pending.id}"]),
        (app.test_client(), ["/login", "/register"]),
    ]
    checked = 0
    for client, urls in pages:
        for url in urls:
            html = text(client.get(url))
            for form in re.findall(r'<form method="post".*?</form>', html, re.S):
                assert 'name="csrf_token"' in form, (url, form[:120])
                checked += 1
    assert checked >= 12


def test_csrf_is_enforced_when_enabled(app, make):
    import re

    user = make.user()
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        data = {"email": user.email, "password": "correct-horse-42"}
        assert client.post("/login", data=data).status_code == 400
        token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get("/login")))[1]
        assert client.post("/login", data=dict(data, csrf_token=token)).status_code == 303
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_nav_lights_the_section_an_operator_page_belongs_to(app, make, english):
    import re

    client = english(make.operator())

    def lit(url: str) -> list[str]:
        html = text(client.get(url))
        nav = html.split("</nav>", 1)[0]
        return re.findall(r'class="active">([^<]+)</a>', nav)

    assert lit("/operator/dashboard") == ["Dashboard"]
    assert lit("/operator/audit") == ["Audit log"]
    assert lit("/operator/auctions") == ["Auctions"]
    assert lit("/operator/payouts") == ["My deals"]
    assert lit("/operator/funding") == ["My deals"]
    assert lit("/operator/disputes") == ["My deals"]
    assert lit("/operator/brokers") == ["Broker back office"]


def test_every_page_names_an_icon_the_app_serves(app):
    """Without a named icon the browser asks for /favicon.ico, a 404 in every console."""
    import re

    client = app.test_client()
    for url in ("/", "/login"):
        href = re.search(r'<link rel="icon"[^>]* href="([^"]+)"', text(client.get(url)))[1]
        icon = client.get(href)
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
