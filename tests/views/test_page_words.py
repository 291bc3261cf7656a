"""Every page a person reads in Chinese says it in Chinese: no raw key (`attachment_added`,
`deal_state`), no English sentence, no placeholder left in the text.

A scene of deals in each state (with a broker, deliveries, a rejection, a dispute, a
cancellation proposal, released commission and payouts, members and a join request) is
crawled as buyer, supplier, broker and operator; each page's visible text (and the
placeholder, title and label attributes a person also reads) is checked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from marketplace.accounts import invitations, join_requests
from marketplace.brokers import assignment as broker_assignment
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import workflow as deal_workflow
from marketplace.extensions import db
from marketplace.models import Deal, PayoutInstruction
from tests.brokers.fixtures import agree_with_commission, complete, fund
from tests.deals.fixtures import Parties, deliver, user, walk

# Words a Chinese page may show as they are: names of formats, currencies, products.
# A raw key has an underscore between lowercase words; an English sentence is three or more
# Latin words in a row, one of them lowercase.
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Two or more Latin words in a row (numbers may stand between them, as in "Milestone 1
# released"), one of them a lowercase word of three letters or more: an English phrase.
# Names of formats and products ("Stripe Connect", "Word/Excel/PowerPoint", "PDF") pass.
LATIN_RUN = re.compile(r"(?<![\w@.-])[A-Za-z]{2,}(?:[ ,]+(?:\d+[ ,]+)?[A-Za-z]{2,})+(?![\w@-])")
LOWER_WORD = re.compile(r"\b[a-z]{3,}\b")
PLACEHOLDER = re.compile(r"\b(?:TODO|FIXME|XXX|lorem ipsum)\b|%\(\w+\)s|\{\{|\}\}", re.I)
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
NOT_READ = {"script", "style", "template"}


class _Text(HTMLParser):
    """The text a person reads: data outside script/style, and the attributes shown.
    Literal data — a `<code>` element or one of class `mono` (action codes, hashes,
    references, JSON of the audit log) — is shown as it is and not checked."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self._stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        literal = tag == "code" or "mono" in (values.get("class") or "").split()
        if tag not in VOID:
            self._stack.append((tag, tag in NOT_READ or literal))
        if self._skipping() or literal:
            return
        for name, value in attrs:
            if value and (
                name in READ_ATTRIBUTES
                or (name == "value" and tag in ("button", "input") and _shown_value(attrs))
            ):
                self.parts.append(value)

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.parts.append(data.strip())


def _shown_value(attrs) -> bool:
    kind = dict(attrs).get("type", "")
    return kind in ("submit", "button", "reset")


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def faults(html: str) -> list[str]:
    found = []
    for part in visible_text(html):
        for pattern, what in ((SNAKE, "raw key"), (PLACEHOLDER, "placeholder")):
            for match in pattern.finditer(part):
                found.append(f"{what}: {match.group(0)!r} in {part[:120]!r}")
        for match in LATIN_RUN.finditer(part):
            if LOWER_WORD.search(match.group(0)):
                found.append(f"English: {match.group(0)!r} in {part[:120]!r}")
    return found


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
    """Deals in every state, a broker with commission and payouts, members and requests;
    built in an app context of its own (pages are asked outside it)."""
    buyer_org = make.organization("enterprise", name="慈溪北岸电器有限公司")
    supplier_org = make.organization("university", name="甬江理工大学")
    agency = make.organization("agency", name="甬城技术转移服务中心")
    supplier = make.user("researcher", organization=supplier_org, display_name="陈明远")
    buyer = make.user("enterprise_member", organization=buyer_org, display_name="徐建国")
    operator = make.user("operator", display_name="王晓")
    listing = make.listing(supplier, status="published", title="高导热氮化硼复合绝缘材料")
    p = Parties(buyer, supplier, operator, make.user("enterprise_member"), listing.id)
    deals: dict[str, int] = {}
    with app.app_context():
        s = db.session
        broker = _broker(s, make, operator, agency)
        deals["inquiry"] = walk(s, p, "inquiry")
        deal_workflow.post_message(s, user(buyer), deals["inquiry"], "请问可以独占许可吗？")
        s.commit()
        deals["negotiating"] = walk(s, p, "negotiating")
        # agreed, with a broker who may arbitrate and takes a commission
        deals["agreed"] = _with_broker(s, p, broker)
        agree_with_commission(s, p, deals["agreed"], commission_bp=500, may_arbitrate=True)
        # in progress: delivered, rejected, delivered again; a cancellation proposed
        deals["in_progress"] = _with_broker(s, p, broker)
        agree_with_commission(s, p, deals["in_progress"], commission_bp=500)
        fund(s, p, deals["in_progress"])
        first = s.get(Deal, deals["in_progress"]).milestones[0]
        deliver(s, p, deals["in_progress"], first.id)
        deal_delivery.reject_milestone(
            s, user(buyer), deals["in_progress"], first.id, "测试报告缺少第三方检测数据"
        )
        s.commit()
        deliver(s, p, deals["in_progress"], first.id, note="补充了第三方检测报告")
        deal_cancellation.propose_cancellation(s, user(buyer), deals["in_progress"], "项目预算调整")
        s.commit()
        # disputed, then another one resolved by the operator
        for state in ("disputed", "resolved"):
            deals[state] = _with_broker(s, p, broker)
            agree_with_commission(s, p, deals[state], commission_bp=500, may_arbitrate=True)
            fund(s, p, deals[state])
            m = s.get(Deal, deals[state]).milestones[0]
            deliver(s, p, deals[state], m.id)
            deal_delivery.dispute_milestone(s, user(buyer), deals[state], m.id, "性能未达标")
            s.commit()
        m = s.get(Deal, deals["resolved"]).milestones[0]
        deal_delivery.resolve_dispute(
            s,
            user(operator),
            deals["resolved"],
            m.id,
            "split",
            release_amount=300_000,
            note="按检测结果部分放款",
        )
        s.commit()
        # completed with commission released and one payout executed
        deals["completed"] = _with_broker(s, p, broker)
        agree_with_commission(s, p, deals["completed"], commission_bp=500)
        fund(s, p, deals["completed"])
        complete(s, p, deals["completed"])
        payout = s.scalars(
            db.select(PayoutInstruction).where(
                PayoutInstruction.deal_id == deals["completed"],
                PayoutInstruction.kind == "commission",
            )
        ).first()
        from marketplace.deals import escrow as deal_money

        deal_money.execute_payout(s, user(operator), payout.id, "B-2026-0001")
        s.commit()
        deals["cancelled"] = walk(s, p, "negotiating")
        deal_delivery.cancel(s, user(buyer), deals["cancelled"], "需求变更")
        s.commit()
        newcomer = make.user("enterprise_member", display_name="叶凯")
        _join_request(s, newcomer, buyer_org, buyer)
    return {
        "people": {"buyer": buyer, "supplier": supplier, "broker": broker, "operator": operator},
        "deals": deals,
        "listing": listing.id,
    }


def _broker(s, make, operator, agency):
    broker = make.user("broker", organization=agency, display_name="郑晓燕")
    from marketplace.accounts import brokers
    from tests.brokers.fixtures import profile_data

    profile = brokers.save_profile(s, user(broker), profile_data(display_name="郑晓燕"))
    s.commit()
    brokers.review(s, user(operator), profile.id, "verify")
    s.commit()
    return broker


def _with_broker(s, p: Parties, broker) -> int:
    deal_id = walk(s, p, "inquiry")
    assignment = broker_assignment.invite(s, user(p.buyer), deal_id, broker.id, "请协助谈判")
    s.commit()
    broker_assignment.respond(s, user(broker), assignment.id, True)
    s.commit()
    return deal_id


def _join_request(s, newcomer, org, admin) -> None:
    person = user(newcomer)
    person.organization_id = None  # a person without an organization asks to join one
    s.commit()
    join_requests.request_to_join(s, user(newcomer), org.id, "我是新入职的研发工程师")
    invitations.invite(s, user(admin), org.id, "new-member@example.org")
    s.commit()


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
