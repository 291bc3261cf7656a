"""A scene for page tours: deals in every state with a broker, deliveries, a rejection, a
dispute and an arbitration, a cancellation proposal, released commission and an executed
payout, a join request and an invitation. Chinese names throughout, so that any English
on a Chinese page comes from the app. (No tests here.)"""

from __future__ import annotations

from marketplace.accounts import brokers, invitations, join_requests
from marketplace.brokers import assignment as broker_assignment
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.deals import workflow as deal_workflow
from marketplace.extensions import db
from marketplace.models import Deal, PayoutInstruction
from tests.brokers.fixtures import agree_with_commission, complete, fund, profile_data
from tests.deals.fixtures import Parties, deliver, user, walk


def build_scene(app, make) -> dict:
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
