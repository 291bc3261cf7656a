"""Markup typed into any text field comes back escaped on every page, and JSON stays JSON.

Every user-editable text (listing and patent fields, demands, organization, display
names, deal messages, terms, dispute and rejection reasons, verification notes, file
names, token names, broker profiles, brokerage records, ratings, saved-search names) is filled with markup through the API and the forms; then every page
of the app is fetched as every role and must not contain the markup as live HTML.
"""

from __future__ import annotations

import io
import json
import re

from flask import Flask

from marketplace.extensions import db
from marketplace.models import Deal
from tests.conftest import demand_payload, listing_payload
from tests.security.test_authorization_matrix import MATRIX
from tests.security.world import ROLES, World, build_world

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
ATTR = "' onmouseover='alert(1)"
PAYLOADS = (SCRIPT, IMG, ATTR)
# What must never reach a page: a live tag or a live attribute.
LIVE = re.compile(r"<script>alert\(1\)|<img src=x onerror|\sonmouseover='alert", re.I)


def marked(label: str, payload: str = SCRIPT) -> str:
    return f"{label} {payload}"


def ok(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()


def fill_everything(app: Flask, world: World) -> dict[str, int]:
    """Write markup into every text field the roles can reach; return the new ids."""
    c = {role: world.client(role) for role in ROLES}
    res, ent, op = c["researcher"], c["enterprise"], c["operator"]
    listing = listing_payload(
        title=marked("钠电池", SCRIPT),
        summary=marked("摘要", IMG),
        description=marked("说明", ATTR) + "\n" + SCRIPT,
        tags=[marked("标签", SCRIPT), IMG],
        region=marked("宁波", IMG),
    )
    patent = listing["patents"][0]
    patent.update(
        applicant=marked("申请人", SCRIPT),
        inventors=[marked("张伟", IMG)],
        abstract=marked("摘要", SCRIPT),
        first_claim=marked("权利要求", IMG),
    )
    lid = ok(res.post("/api/v1/listings", json=listing), 201)["id"]
    ok(res.post(f"/api/v1/listings/{lid}/submit"))
    ok(op.post(f"/api/v1/listings/{lid}/publish"))
    demand = demand_payload(
        title=marked("换电柜", SCRIPT),
        description=marked("需求", IMG) + "\n" + ATTR,
        region=marked("余姚", SCRIPT),
    )
    did = ok(ent.post("/api/v1/demands", json=demand), 201)["id"]
    ok(ent.post(f"/api/v1/demands/{did}/submit"))
    ok(op.post(f"/api/v1/demands/{did}/publish"))
    # A rejection reason the owner reads, a refused verification the other member reads.
    ok(
        op.post(
            f"/api/v1/listings/{world.ids['listing_pending_review']}/reject",
            json={"reason": marked("驳回", IMG)},
        )
    )
    ok(
        op.post(
            f"/api/v1/organizations/{world.ids['org_other']}/verification/reject",
            json={"note": marked("材料不全", SCRIPT)},
        )
    )
    ok(res.patch(f"/api/v1/organizations/{world.ids['org']}", json={"region": IMG}))
    # A deal on the marked-up listing: message, terms with a marked-up milestone and note.
    deal = ok(ent.post("/api/v1/deals", json={"listing_id": lid, "message": IMG}), 201)["id"]
    terms = {
        "price": 500_000,
        "currency": "CNY",
        "transfer_mode": "assignment",
        "note": marked("备注", IMG),
        "milestones": [{"title": marked("交付", SCRIPT), "amount": 500_000, "due_date": None}],
    }
    ok(res.post(f"/api/v1/deals/{deal}/terms", json=terms), 201)
    ok(res.post(f"/api/v1/deals/{deal}/messages", json={"body": ATTR + "\n" + SCRIPT}), 201)
    # The funded deal: a dispute reason (operators' queue), a file with a marked-up name.
    ok(
        ent.post(
            f"/api/v1/deals/{world.ids['deal']}/milestones/{world.ids['milestone']}/dispute",
            json={"reason": marked("不合格", SCRIPT)},
        )
    )
    upload = ent.post(
        f"/api/v1/deals/{world.ids['deal']}/attachments",
        # (a double quote cannot travel in a multipart file name; the tag can)
        data={"file": (io.BytesIO(b"%PDF-1.4\n%x\n"), "<img src=x onerror=alert(1)>.pdf")},
        content_type="multipart/form-data",
    )
    ok(upload, 201)
    ok(res.post("/api/v1/auth/tokens", json={"name": SCRIPT}), 201)
    # Brokers: the broker's profile (same certificate: it stays verified), an entry in the
    # completed deal's brokerage record, the parties' ratings, a saved search's name.
    brk = c["broker"]
    profile = {
        "certificate_number": "JJR-0001",
        "display_name": marked("王经纪", SCRIPT),
        "domains": ["new_energy"],
        "regions": [marked("宁波", IMG), ATTR],
        "bio": marked("简介", IMG) + "\n" + SCRIPT,
    }
    ok(brk.put("/api/v1/brokers/me", json=profile))
    entry = {
        "kind": "meeting",
        "occurred_at": "2026-01-05T09:30:00+08:00",
        "participants": [marked("参与人", SCRIPT), IMG],
        "notes": marked("记录", IMG) + "\n" + ATTR,
    }
    done = world.ids["deal_done"]
    record = ok(brk.post(f"/api/v1/deals/{done}/brokerage-records", json=entry), 201)["id"]
    for party, payload in ((res, SCRIPT), (ent, IMG)):
        rating = {"score": 4, "comment": marked("评价", payload)}
        ok(party.post(f"/api/v1/deals/{done}/broker-rating", json=rating), 201)
    search = {"name": marked("搜索", SCRIPT), "doc_type": "listings", "query": {"q": "电池"}}
    saved = ok(res.post("/api/v1/saved-searches", json=search), 201)["id"]
    return {
        "listing": lid,
        "demand": did,
        "deal_new": deal,
        "record": record,
        "saved": saved,
    }


def pages(app: Flask, world: World, new: dict[str, int]) -> list[str]:
    urls = [
        c.url(app, endpoint, world)
        for (endpoint, method), cases in MATRIX.items()
        if method == "GET" and endpoint.startswith("views.")
        for c in cases
    ]
    urls += [
        f"/listings/{new['listing']}",
        f"/demands/{new['demand']}",
        f"/deals/{new['deal_new']}",
        f"/listings/{world.ids['listing_pending_review']}",
        f"/listings/{new['listing']}/edit",
        f"/search?q={SCRIPT}",
        f"/search/demands?q={IMG}",
        f"/listings?q={IMG}&region={SCRIPT}",
        f"/demands?q={SCRIPT}",
        f"/login?next={IMG}",
        f"/deals/{world.ids['deal_done']}",
        f"/brokerage-records/{new['record']}",
        f"/my/saved-searches/{new['saved']}",
        f"/brokers?q={SCRIPT}&region={IMG}",
    ]
    return urls


def test_markup_in_every_text_field_comes_back_escaped_everywhere(app, make):
    # Names of people and of the organization carry markup from the start.
    world = build_world(
        app,
        make,
        listing=marked("成果", SCRIPT),
        demand=marked("需求", IMG),
        org=marked("大学", IMG),
        name=marked("张伟", ATTR),
        message=marked("消息", SCRIPT),
        bio=marked("简介", SCRIPT),
        specialty=marked("长三角", IMG),
        notes=marked("记录", SCRIPT),
        participant=marked("李工", ATTR),
        search=marked("钠电池", IMG),
    )
    new = fill_everything(app, world)
    escaped_seen = 0
    for role in ROLES:
        client = world.client(role)
        for url in pages(app, world, new):
            response = client.get(url)
            assert response.status_code < 500, (role, url)
            if response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            live = LIVE.search(html)
            assert live is None, (role, url, html[max(0, live.start() - 200) : live.end() + 50])
            escaped_seen += html.count("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert escaped_seen > 50  # the markup was shown (escaped), not merely absent


def test_the_pages_that_show_each_field_show_it_escaped(app, make):
    world = build_world(app, make, name=marked("张伟", IMG))
    new = fill_everything(app, world)
    owner, buyer = world.client("researcher"), world.client("enterprise")
    expectations = {
        (owner, f"/listings/{new['listing']}"): ["钠电池", "摘要", "说明", "标签", "申请人"],
        (buyer, f"/demands/{new['demand']}"): ["换电柜", "需求"],
        (owner, f"/listings/{world.ids['listing_pending_review']}"): ["驳回"],
        (world.client("other"), "/my/organization"): ["材料不全"],
        (buyer, f"/deals/{new['deal_new']}"): ["交付", "备注"],
        (world.client("operator"), "/operator/disputes"): ["不合格"],
        (buyer, f"/brokers/{world.ids['broker']}"): ["王经纪", "宁波", "简介", "评价"],
        (world.client("anonymous"), "/brokers"): ["王经纪", "简介"],
        (buyer, f"/brokerage-records/{new['record']}"): ["参与人", "记录"],
        (buyer, f"/deals/{world.ids['deal_done']}"): ["参与人", "记录"],
        (owner, "/my/saved-searches"): ["搜索"],
        (owner, f"/my/saved-searches/{new['saved']}"): ["搜索"],
    }
    for (client, url), labels in expectations.items():
        html = client.get(url).get_data(as_text=True)
        for label in labels:
            escaped = [f"{label} &lt;script&gt;", f"{label} &#34;&gt;&lt;img", f"{label} &#39;"]
            assert any(e in html for e in escaped), (url, label)
        assert not LIVE.search(html), url
    deal_page = buyer.get(f"/deals/{world.ids['deal']}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in deal_page  # the file name
    assert "张伟 &#34;&gt;&lt;img" in deal_page  # a display name


def test_json_stays_json_with_the_text_as_typed(app, make):
    world = build_world(app, make)
    new = fill_everything(app, world)
    client = world.client("researcher")
    urls = [
        f"/api/v1/listings/{new['listing']}",
        f"/api/v1/demands/{new['demand']}",
        f"/api/v1/deals/{new['deal_new']}",
        f"/api/v1/deals/{new['deal_new']}/messages",
        f"/api/v1/deals/{world.ids['deal']}/attachments",
        "/api/v1/auth/tokens",
        f"/api/v1/organizations/{world.ids['org']}",
        f"/api/v1/search/listings?q={SCRIPT}",
        f"/api/v1/brokers/{world.ids['broker']}",
        f"/api/v1/brokerage-records/{new['record']}",
        f"/api/v1/saved-searches/{new['saved']}",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "application/json", url
        body = json.loads(response.get_data(as_text=True))  # parses as JSON, nothing else
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        flat = json.dumps(body, ensure_ascii=False)
        if not url.startswith("/api/v1/search/"):  # search answers hold highlights
            raw = (SCRIPT, "<img src=x onerror=alert(1)>", ATTR)
            assert any(p in flat for p in raw), url  # as typed: JSON is data, not HTML
    listing = client.get(f"/api/v1/listings/{new['listing']}").get_json()
    assert listing["title"] == marked("钠电池", SCRIPT)  # stored and returned exactly as typed
    with app.app_context():
        assert db.session.get(Deal, new["deal_new"]).title == marked("钠电池", SCRIPT)
