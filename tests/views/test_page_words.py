"""Every page a person reads in Chinese says it in Chinese: no raw key (`attachment_added`,
`deal_state`), no English sentence, no placeholder left in the text.

A scene of deals in each state (with a broker, deliveries, a rejection, a dispute, a
cancellation proposal, released commission and payouts, members and a join request) is
crawled as buyer, supplier, broker and operator; each page's visible text (and the
placeholder, title and label attributes a person also reads) is checked."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from tests.deals.scene import build_scene
from tests.page_words import faults


def test_the_checker_catches_raw_keys_english_and_placeholders():
    assert faults("<p>附件 attachment_added</p>")
    assert faults("<p>Accept the milestone</p>")
    assert faults('<input placeholder="Type your message here">')
    assert faults("<p>%(amount)s 元</p>")
    assert faults("<td>Milestone 1 released</td>") and faults("<td>commission payout B-1</td>")
    assert not faults("<p>user5@example.org · Stripe Connect · Word/Excel/PowerPoint</p>")
    assert not faults("<p>合同 PDF · 导出 CSV · 宁波 CNY 600.00</p><script>var a_b = 1</script>")
    assert not faults('<p>陈明远 · <a href="/deals?state=in_progress">进行中</a></p>')
    assert not faults("<p>动作 <code>deal.bank_transfer_confirmed</code> 已记录</p>")
    assert faults("<p><code>a_b</code> next_step</p>")


@pytest.fixture
def scene(app, make):
    return build_scene(app, make)


PAGES = {
    "buyer": [
        "/",
        "/deals",
        "/my/organization",
        "/notifications",
        "/mediation-offers",
        "/listings",
        "/demands",
        "/account/second-factor",
        "/my/saved-searches",
        "/notifications/preferences",
    ],
    "supplier": ["/deals", "/my/organization", "/listings/new", "/demands/new", "/import"],
    "broker": ["/brokers/me", "/brokers/me/earnings", "/deals", "/mediation-offers", "/brokers"],
    "operator": [
        "/operator/audit",
        "/operator/brokers",
        "/operator/brokers/ranking",
        "/operator/disputes",
        "/operator/funding",
        "/operator/payouts",
        "/review",
        "/deals",
    ],
}


def _get(client, path: str):
    glue = "&" if "?" in path else "?"
    return client.get(path + glue + urlencode({"lang": "zh_CN"}))


def test_chinese_pages_have_no_raw_keys_or_english(app, scene):
    people, deals = scene["people"], scene["deals"]
    broker_id = people["broker"].id
    found: dict[str, list[str]] = {}
    seen = 0
    for role, who in people.items():
        client = app.test_client(user=who)
        paths = list(PAGES[role]) + [f"/deals/{d}" for d in deals.values()]
        paths.append(f"/listings/{scene['listing']}")
        if role == "operator":
            paths += [f"/operator/brokers/{broker_id}/earnings", f"/brokers/{broker_id}"]
        for path in paths:
            reply = _get(client, path)
            if reply.status_code in (403, 404):
                continue  # not this role's page
            assert reply.status_code == 200, (role, path, reply.status_code)
            assert '<html lang="zh-CN">' in reply.get_data(as_text=True)
            seen += 1
            problems = faults(reply.get_data(as_text=True))
            if problems:
                found[f"{role} {path}"] = problems
    assert seen > 40
    assert not found, "\n".join(f"{page}: {p}" for page, ps in found.items() for p in ps)


def test_words_in_their_place(app, scene):
    """Words that one English msgid used to carry into the wrong Chinese: accepting a
    milestone is 验收, the earnings table's description column is 摘要 (not a listing's
    详细介绍), a payout's creation time is not 新建, the document kind is not an
    organization kind."""
    people, deals = scene["people"], scene["deals"]
    buyer = app.test_client(user=people["buyer"])
    deal = _get(buyer, f"/deals/{deals['in_progress']}").get_data(as_text=True)
    assert re.search(r"<button[^>]*>验收</button>", deal)
    earnings = _get(app.test_client(user=people["broker"]), "/brokers/me/earnings")
    html = earnings.get_data(as_text=True)
    assert "<th>摘要</th>" in html and "里程碑放款佣金" in html and "佣金已支付" in html
    assert "详细介绍" not in html and "新建" not in html and "生成时间" in html
    members = _get(buyer, "/my/organization").get_data(as_text=True)
    assert "请选择材料类型" in members and "请选择机构类型" not in members
