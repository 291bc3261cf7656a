"""The deal pages: a whole deal driven through the HTML forms, who sees what, form errors."""

from __future__ import annotations

import io
import re

import pytest

from marketplace.deals import escrow as deal_money
from marketplace.extensions import db
from marketplace.models import Deal
from tests.views.conftest import field_error, text

REFERENCE = r"TM-{deal}-[2-9A-Z]{{8}}"


@pytest.fixture
def cast(app, make):
    supplier = make.user("researcher")
    listing = make.listing(supplier, status="published", title="钠离子电池正极材料")
    people = {
        "buyer": make.user("enterprise_member"),
        "supplier": supplier,
        "operator": make.operator(),
        "stranger": make.user("enterprise_member"),
    }
    clients = {name: app.test_client(user=user) for name, user in people.items()}
    clients["listing_id"] = listing.id
    return clients


def terms_form(*amounts: str, price: str | None = None, **overrides) -> dict[str, str]:
    """What a browser sends: amounts in 元, five milestone rows, the unused ones empty."""
    data = {
        "price": price if price is not None else str(sum(int(a) for a in amounts)),
        "currency": "CNY",
        "transfer_mode": "license_exclusive",
        "note": "",
    }
    for i in range(5):
        used = i < len(amounts)
        data[f"milestones-{i}-title"] = f"交付阶段 {i + 1}" if used else ""
        data[f"milestones-{i}-amount"] = amounts[i] if used else ""
        data[f"milestones-{i}-due_date"] = "2027-03-01" if used else ""
    data.update(overrides)
    return data


def see_other(response) -> str:
    assert response.status_code == 303, text(response)[:2000]
    return response.headers["Location"]


def open_deal(c) -> int:
    location = see_other(
        c["buyer"].post(
            "/deals/open", data={"listing_id": str(c["listing_id"]), "message": "可以独家许可吗？"}
        )
    )
    return int(re.search(r"/deals/(\d+)$", location).group(1))


def current_hash(html: str) -> str:
    return re.search(r'name="terms_hash" value="([0-9a-f]{64})"', html).group(1)


def agreed(c, *amounts: str) -> int:
    did = open_deal(c)
    see_other(c["supplier"].post(f"/deals/{did}/terms", data=terms_form(*amounts)))
    for side in ("supplier", "buyer"):
        h = current_hash(text(c[side].get(f"/deals/{did}")))
        see_other(c[side].post(f"/deals/{did}/terms/confirm", data={"terms_hash": h}))
    return did


def funded(c, *amounts: str) -> int:
    did = agreed(c, *amounts)
    see_other(c["buyer"].post(f"/deals/{did}/funding"))
    page = text(c["operator"].get("/operator/funding"))
    funding_id = re.search(r'action="/operator/funding/(\d+)/confirm"', page).group(1)
    reference = re.search(REFERENCE.format(deal=did), page).group(0)
    total = str(sum(int(a) for a in amounts))
    see_other(
        c["operator"].post(
            f"/operator/funding/{funding_id}/confirm",
            data={"amount": total, "reference": reference},
        )
    )
    return did


def milestone_ids(html: str, did: int, action: str) -> list[str]:
    return re.findall(rf'action="/deals/{did}/milestones/(\d+)/{action}"', html)


def state(app, did: int) -> str:
    with app.app_context():
        return db.session.get(Deal, did).state


def test_a_whole_deal_through_the_pages(app, cast):
    c = cast
    listing_page = text(c["buyer"].get(f"/listings/{c['listing_id']}"))
    assert 'action="/deals/open"' in listing_page and "发起交易" in listing_page
    # The owner's organization does not get the button on its own listing.
    assert 'action="/deals/open"' not in text(c["supplier"].get(f"/listings/{c['listing_id']}"))

    did = open_deal(c)
    assert state(app, did) == "inquiry"
    html = text(c["supplier"].get(f"/deals/{did}"))
    assert "可以独家许可吗？" in html and "咨询" in html

    # The supplier proposes terms through the form: 元 in, fen stored.
    see_other(c["supplier"].post(f"/deals/{did}/terms", data=terms_form("600000", "400000")))
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert state(app, did) == "negotiating"
    assert "1,000,000 元" in html and "600,000 元" in html and "独家许可" in html
    first = current_hash(html)
    assert f'title="{first}">{first[:10]}</code>' in html  # the short form of the hash

    # Both confirm the same version; the page says who confirmed which hash.
    see_other(c["supplier"].post(f"/deals/{did}/terms/confirm", data={"terms_hash": first}))
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert re.search(r"✓ 供方 .* 确认了 <code", html)
    see_other(c["buyer"].post(f"/deals/{did}/terms/confirm", data={"terms_hash": first}))
    assert state(app, did) == "agreed"

    # The buyer asks to pay: offline bank transfer with the unique reference.
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert f'action="/deals/{did}/funding"' in html
    see_other(c["buyer"].post(f"/deals/{did}/funding"))
    html = text(c["buyer"].get(f"/deals/{did}"))
    reference = re.search(REFERENCE.format(deal=did), html).group(0)
    assert f'<dd class="reference mono">{reference}</dd>' in html
    assert f'action="/deals/{did}/funding"' not in html  # asked once; the instructions stay

    # The operator confirms the transfer on the back-office page.
    page = text(c["operator"].get("/operator/funding"))
    assert reference in page
    funding_id = re.search(r'action="/operator/funding/(\d+)/confirm"', page).group(1)
    see_other(
        c["operator"].post(
            f"/operator/funding/{funding_id}/confirm",
            data={"amount": "1,000,000", "reference": reference},
        )
    )
    assert state(app, did) == "funded"
    assert reference not in text(c["operator"].get("/operator/funding"))

    # The supplier delivers the first milestone with a note and a file; the buyer rejects
    # it once, it is delivered again, and the buyer accepts it; the statement shows the
    # released amount.
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert milestone_ids(html, did, "accept") == []  # nothing delivered: nothing to accept
    html = text(c["supplier"].get(f"/deals/{did}"))
    first_milestone = milestone_ids(html, did, "deliver")[0]
    r = c["supplier"].post(f"/deals/{did}/milestones/{first_milestone}/deliver", data={"note": ""})
    assert r.status_code == 422
    see_other(
        c["supplier"].post(
            f"/deals/{did}/milestones/{first_milestone}/deliver",
            data={"note": "样机与测试报告", "files": (io.BytesIO(b"%PDF-1.4\n%x\n"), "报告.pdf")},
            content_type="multipart/form-data",
        )
    )
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert "样机与测试报告" in html and "报告.pdf" in html and "已交付，待验收" in html
    assert "如买方未验收或退回，将于" in html and "自动验收" in html
    see_other(
        c["buyer"].post(
            f"/deals/{did}/milestones/{first_milestone}/reject", data={"reason": "缺少测试数据"}
        )
    )
    html = text(c["supplier"].get(f"/deals/{did}"))
    assert "缺少测试数据" in html and "退回了交付" in html and "待交付" in html
    see_other(
        c["supplier"].post(
            f"/deals/{did}/milestones/{first_milestone}/deliver", data={"note": "补充测试数据"}
        )
    )
    see_other(c["buyer"].post(f"/deals/{did}/milestones/{first_milestone}/accept"))
    assert state(app, did) == "in_progress"
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert '<div class="stmt-funded"><dt>已付入托管</dt><dd>1,000,000 元</dd></div>' in html
    assert '<div class="stmt-released"><dt>已放款</dt><dd>600,000 元</dd></div>' in html
    assert '<div class="stmt-held"><dt>托管中</dt><dd>400,000 元</dd></div>' in html
    assert '<div class="stmt-fees"><dt>平台服务费</dt><dd>18,000 元</dd></div>' in html
    with app.app_context():
        s = deal_money.statement(db.session, db.session.get(Deal, did))
    assert (s["released"], s["held"], s["fees"]) == (600_000_00, 400_000_00, 18_000_00)

    # The timeline tells who did what; the IP is shown to operators only.
    assert "确认到账" in html and "127.0.0.1" not in html
    assert "127.0.0.1" in text(c["operator"].get(f"/deals/{did}"))

    # The release became a payout instruction, which the operator marks executed.
    page = text(c["operator"].get("/operator/payouts"))
    payout_id = re.search(r'action="/operator/payouts/(\d+)/execute"', page).group(1)
    see_other(
        c["operator"].post(f"/operator/payouts/{payout_id}/execute", data={"reference": "B-1"})
    )
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert '<div class="stmt-paid_out"><dt>已付出</dt><dd>582,000 元</dd></div>' in html


def test_my_deals_lists_and_filters(app, cast):
    c = cast
    did = open_deal(c)
    html = text(c["buyer"].get("/deals"))
    assert f'href="/deals/{did}"' in html and "钠离子电池正极材料" in html
    assert 'class="badge deal-inquiry"' in html
    assert f'href="/deals/{did}"' in text(c["supplier"].get("/deals?role=supplier"))
    assert f'href="/deals/{did}"' not in text(c["buyer"].get("/deals?role=supplier"))
    assert f'href="/deals/{did}"' not in text(c["buyer"].get("/deals?state=completed"))
    assert f'href="/deals/{did}"' not in text(c["stranger"].get("/deals"))
    # A bad filter is reported and ignored, never a 500.
    response = c["buyer"].get("/deals?state=bogus&page=x")
    assert response.status_code == 200 and f'href="/deals/{did}"' in text(response)
    assert field_error(text(response))


def test_a_stranger_gets_404_and_cannot_act(app, cast):
    c = cast
    did = open_deal(c)
    assert c["stranger"].get(f"/deals/{did}").status_code == 404
    assert c["stranger"].post(f"/deals/{did}/messages", data={"body": "hi"}).status_code == 404
    assert c["stranger"].post(f"/deals/{did}/terms", data=terms_form("100")).status_code == 404
    assert c["stranger"].post(f"/deals/{did}/cancel", data={"reason": ""}).status_code == 404
    assert c["buyer"].get("/deals/999999").status_code == 404
    assert app.test_client().get(f"/deals/{did}").status_code == 302  # to the login page
    assert state(app, did) == "inquiry"


@pytest.mark.parametrize("path", ["/operator/funding", "/operator/payouts", "/operator/disputes"])
def test_operator_pages_are_for_operators(app, cast, path):
    c = cast
    for who in ("buyer", "supplier", "stranger"):
        assert c[who].get(path).status_code == 403
    assert c["operator"].get(path).status_code == 200
    assert app.test_client().get(path).status_code == 302


def test_operator_posts_are_for_operators(app, cast):
    c = cast
    did = funded(c, "600000", "400000")
    html = text(c["supplier"].get(f"/deals/{did}"))
    milestone = milestone_ids(html, did, "deliver")[0]
    see_other(
        c["supplier"].post(f"/deals/{did}/milestones/{milestone}/deliver", data={"note": "交付"})
    )
    see_other(c["buyer"].post(f"/deals/{did}/milestones/{milestone}/accept"))
    resolve = f"/operator/disputes/{did}/{milestone}/resolve"
    assert c["buyer"].post(resolve, data={"outcome": "refund"}).status_code == 403
    assert (
        c["supplier"].post("/operator/payouts/1/execute", data={"reference": "x"}).status_code
        == 403
    )
    assert c["buyer"].post("/operator/funding/1/confirm", data={"amount": "1"}).status_code == 403


def test_milestones_not_adding_up_re_render_with_the_message(app, cast):
    c = cast
    did = open_deal(c)
    form = terms_form("600000", "300000", price="1000000")
    form["milestones-3-title"] = "验收"  # a row with a title but no amount, after an empty row
    response = c["supplier"].post(f"/deals/{did}/terms", data=form)
    assert response.status_code == 422
    html = text(response)
    assert "milestones-3-amount" in html and 'value="验收"' in html  # typed values kept
    assert 'value="1000000"' in html and 'value="300000"' in html
    errors = field_error(html)
    assert any("必填" in e or "缺少" in e for e in errors), errors  # row 4's missing amount

    form["milestones-3-title"] = ""
    response = c["supplier"].post(f"/deals/{did}/terms", data=form)
    assert response.status_code == 422
    assert "里程碑金额合计 900,000 元，与价格 1,000,000 元 不符。" in field_error(text(response))
    assert state(app, did) == "inquiry"  # nothing proposed


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"price": "abc"}, "price"),
        ({"price": "12.345"}, "price"),
        ({"price": "1e999999"}, "price"),
        ({"milestones-0-amount": "9e999999"}, "milestones-0-amount"),
        ({"milestones-0-amount": "-5"}, "milestones-0-amount"),
        ({"transfer_mode": "gift"}, "transfer_mode"),
        ({"transfer_mode": ""}, "transfer_mode"),
        ({"currency": "XXX"}, "currency"),
        ({"milestones-1-due_date": "2027-13-40"}, "milestones-1-due_date"),
    ],
)
def test_bad_terms_input_is_a_field_error(app, cast, overrides, field):
    c = cast
    did = open_deal(c)
    response = c["supplier"].post(
        f"/deals/{did}/terms", data=terms_form("600000", "400000", **overrides)
    )
    assert response.status_code == 422
    html = text(response)
    block = re.search(rf'name="{field}"[^>]*>(.*?)</(?:td|div)>', html, re.S)
    assert block and 'class="field-error"' in block.group(1), field
    assert state(app, did) == "inquiry"


def test_other_bad_input_never_500(app, cast):
    c = cast
    did = agreed(c, "600000", "400000")
    # A stale or malformed hash: a message, not a crash.
    response = c["buyer"].post(f"/deals/{did}/terms/confirm", data={"terms_hash": "abc"})
    assert response.status_code == 422
    response = c["buyer"].post(f"/deals/{did}/terms/confirm", data={"terms_hash": "0" * 64})
    assert response.status_code == 303  # the deal is agreed: refused, said in a flash
    assert "无法进行此操作" in text(c["buyer"].get(f"/deals/{did}"))
    assert c["buyer"].post(f"/deals/{did}/messages", data={"body": "   "}).status_code == 422
    assert c["buyer"].post(f"/deals/{did}/milestones/999999/accept").status_code in (303, 404)
    see_other(c["buyer"].post(f"/deals/{did}/funding"))
    page = text(c["operator"].get("/operator/funding"))
    funding_id = re.search(r'action="/operator/funding/(\d+)/confirm"', page).group(1)
    reference = re.search(REFERENCE.format(deal=did), page).group(0)
    url = f"/operator/funding/{funding_id}/confirm"
    wrong = c["operator"].post(url, data={"amount": "999999", "reference": reference})
    assert wrong.status_code == 422
    assert "合同金额为 1,000,000 元，999,999 元 不足以" in text(wrong)
    assert 'value="999999"' in text(wrong)
    assert c["operator"].post(url, data={"amount": "x", "reference": ""}).status_code == 422
    assert (
        c["operator"].post(url, data={"amount": "1000000", "reference": "TM-0"}).status_code == 422
    )
    assert state(app, did) == "agreed"


def test_dispute_and_split_resolution(app, cast):
    c = cast
    did = funded(c, "600000", "400000")
    html = text(c["buyer"].get(f"/deals/{did}"))
    first, second = milestone_ids(html, did, "dispute")
    response = c["buyer"].post(f"/deals/{did}/milestones/{first}/dispute", data={"reason": ""})
    assert response.status_code == 422 and field_error(text(response))
    see_other(
        c["buyer"].post(f"/deals/{did}/milestones/{first}/dispute", data={"reason": "样品不达标"})
    )
    assert state(app, did) == "disputed"
    page = text(c["operator"].get("/operator/disputes"))
    assert "样品不达标" in page
    url = f"/operator/disputes/{did}/{first}/resolve"
    bad = c["operator"].post(url, data={"outcome": "split", "release_amount": "600000"})
    assert bad.status_code == 422 and "600,000 元" in text(bad)
    see_other(
        c["operator"].post(
            url, data={"outcome": "split", "release_amount": "200000", "note": "部分合格"}
        )
    )
    assert state(app, did) == "resolved"
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert '<div class="stmt-released"><dt>已放款</dt><dd>200,000 元</dd></div>' in html
    assert '<div class="stmt-refunded"><dt>已退款</dt><dd>400,000 元</dd></div>' in html
    assert "部分合格" in html


def test_cancellation_forms(app, cast):
    c = cast
    did = open_deal(c)
    see_other(c["supplier"].post(f"/deals/{did}/cancel", data={"reason": "不合适"}))
    assert state(app, did) == "cancelled"
    did = funded(c, "1000")
    # After funding a party proposes to cancel, with a reason; the other party answers.
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert f"/deals/{did}/cancellation" in html and f'/deals/{did}/cancel"' not in html
    r = c["buyer"].post(f"/deals/{did}/cancellation", data={"reason": " "})
    assert r.status_code == 422
    see_other(c["buyer"].post(f"/deals/{did}/cancellation", data={"reason": "预算取消"}))
    html = text(c["supplier"].get(f"/deals/{did}"))
    assert "买方于" in html and "提议取消本交易" in html and "预算取消" in html
    assert f"/deals/{did}/cancellation/accept" in html
    assert f"/deals/{did}/cancellation/decline" in html
    assert f"/deals/{did}/cancellation/withdraw" in text(c["buyer"].get(f"/deals/{did}"))
    see_other(c["supplier"].post(f"/deals/{did}/cancellation/decline", data={"reason": "继续"}))
    assert state(app, did) == "funded"
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert "拒绝了取消提议" in html and "cancellation_" not in html
    see_other(c["buyer"].post(f"/deals/{did}/cancellation", data={"reason": "预算取消"}))
    see_other(c["supplier"].post(f"/deals/{did}/cancellation/accept"))
    assert state(app, did) == "cancelled"
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert '<div class="stmt-refunded"><dt>已退款</dt><dd>1,000 元</dd></div>' in html


def test_markup_in_a_message_comes_back_escaped(app, cast):
    c = cast
    did = open_deal(c)
    see_other(
        c["supplier"].post(
            f"/deals/{did}/messages", data={"body": '<script>alert("x")</script><b>粗体</b>'}
        )
    )
    html = text(c["buyer"].get(f"/deals/{did}"))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;粗体&lt;/b&gt;" in html
    assert "<script>alert" not in html and "<b>粗体" not in html


def test_every_post_form_carries_a_csrf_token(app, cast):
    c = cast
    did = funded(c, "600000", "400000")
    for who, path in (
        ("buyer", f"/deals/{did}"),
        ("operator", f"/deals/{did}"),
        ("operator", "/operator/payouts"),
        ("buyer", f"/listings/{c['listing_id']}"),
    ):
        html = text(c[who].get(path))
        forms = re.findall(r'<form method="post".*?</form>', html, re.S)
        assert forms, path
        assert all('name="csrf_token"' in form for form in forms), path


def test_a_post_without_csrf_token_is_refused(app, cast):
    c = cast
    did = open_deal(c)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = c["buyer"].post(f"/deals/{did}/messages", data={"body": "你好"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "你好" not in text(c["buyer"].get(f"/deals/{did}"))


def test_a_university_answers_a_demand(app, make):
    enterprise = make.user("enterprise_member")
    demand = make.demand(enterprise, status="published")
    researcher = app.test_client(user=make.user("researcher"))
    page = text(researcher.get(f"/demands/{demand.id}"))
    assert 'name="demand_id"' in page
    assert 'action="/deals/open"' not in text(
        app.test_client(user=make.user("enterprise_member")).get(f"/demands/{demand.id}")
    )
    location = see_other(researcher.post("/deals/open", data={"demand_id": str(demand.id)}))
    assert "供方" in text(researcher.get(location))
    # Opening on something that does not exist: a message, not a 500.
    response = researcher.post("/deals/open", data={"demand_id": "999999"})
    assert response.status_code in (303, 404)
    assert researcher.post("/deals/open", data={}).status_code == 303


def test_the_deal_page_in_english(app, cast):
    c = cast
    did = agreed(c, "600000", "400000")
    client = c["buyer"]
    client.get("/?lang=en")
    html = text(client.get(f"/deals/{did}"))
    assert '<html lang="en">' in html
    assert "Contract terms" in html and "My deals" in html and "1,000,000 yuan" in html
    assert "合同条款" not in html


def test_files_on_the_deal_page(app, cast):
    import io

    c = cast
    did = open_deal(c)
    pdf = b"%PDF-1.4\n%deal spec\n"
    r = c["supplier"].post(
        f"/deals/{did}/attachments",
        data={"file": (io.BytesIO(pdf), "<i>规格.pdf")},
        content_type="multipart/form-data",
    )
    see_other(r)
    page = text(c["buyer"].get(f"/deals/{did}"))
    assert "&lt;i&gt;规格.pdf" in page and "<i>规格" not in page
    link = re.search(rf'href="(/deals/{did}/attachments/\d+)"', page).group(1)
    download = c["buyer"].get(link)
    assert download.status_code == 200 and download.data == pdf
    assert "attachment" in download.headers["Content-Disposition"]
    assert c["stranger"].get(link).status_code == 404
    bad = c["buyer"].post(
        f"/deals/{did}/attachments",
        data={"file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "tool.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and field_error(text(bad))
    assert (
        c["stranger"]
        .post(
            f"/deals/{did}/attachments",
            data={"file": (io.BytesIO(pdf), "x.pdf")},
            content_type="multipart/form-data",
        )
        .status_code
        == 404
    )
