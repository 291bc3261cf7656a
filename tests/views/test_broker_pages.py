"""The broker pages: directory, profile and verification, the deal panel (invite, records,
private entries, rating), offers, earnings and the operators' ranking with exports."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from marketplace.accounts import brokers
from marketplace.brokers import assignment as broker_assignment
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import terms as deal_terms
from marketplace.extensions import db
from marketplace.models import BrokerageRecord, BrokerProfile, Deal
from tests.brokers.fixtures import (
    agree_with_commission,
    complete,
    fund,
    verified_broker,
)
from tests.deals.fixtures import parties, terms_data, user, walk
from tests.views.conftest import field_error, listing_form, text

PROFILE_FORM = {
    "certificate_number": "JJR-330200-0099",
    "display_name": "陈经纪",
    "domains": ["new_energy", "ai"],
    "regions": "宁波、杭州",
    "languages": "zh en",
    "bio": "十年技术转移经验。",
}


def _name(app, broker) -> str:
    with app.app_context():
        return brokers.profile_of(db.session, broker.id).display_name


@pytest.fixture
def world(app, make):
    """Parties, a verified broker assigned to a deal in inquiry, and logged-in clients."""
    with app.app_context():
        p = parties(make)
        broker = verified_broker(db.session, make, p.operator)
        deal_id = walk(db.session, p, "inquiry")
        a = broker_assignment.invite(db.session, user(p.buyer), deal_id, broker.id)
        db.session.commit()
        broker_assignment.respond(db.session, user(broker), a.id, True)
        db.session.commit()
    clients = {
        name: app.test_client(user=u)
        for name, u in (
            ("buyer", p.buyer),
            ("supplier", p.supplier),
            ("operator", p.operator),
            ("stranger", p.stranger),
            ("broker", broker),
        )
    }
    return p, broker, deal_id, clients


def test_profile_form_errors_then_review_by_operator(app, make):
    broker = make.user("broker")
    operator = make.operator()
    c = app.test_client(user=broker)
    op = app.test_client(user=operator)
    r = c.post("/brokers/me", data=PROFILE_FORM | {"domains": [], "regions": ""})
    assert r.status_code == 422
    assert len(field_error(text(r))) >= 2
    r = c.post("/brokers/me", data=PROFILE_FORM)
    assert r.status_code == 303
    assert "陈经纪" not in text(app.test_client().get("/brokers"))  # not yet verified
    with app.app_context():
        profile_id = db.session.query(BrokerProfile).one().id
    page = text(op.get("/operator/brokers"))
    assert "JJR-330200-0099" in page
    r = op.post(f"/operator/brokers/{profile_id}/review", data={"decision": "reject", "reason": ""})
    assert r.status_code == 422 and field_error(text(r))
    op.post(
        f"/operator/brokers/{profile_id}/review",
        data={"decision": "reject", "reason": "证书已过期"},
    )
    assert "证书已过期" in text(c.get("/brokers/me"))
    c.post("/brokers/me", data=PROFILE_FORM)
    op.post(f"/operator/brokers/{profile_id}/review", data={"decision": "verify"})
    directory = text(app.test_client().get("/brokers?domain=ai&region=杭州"))
    assert "陈经纪" in directory
    assert "陈经纪" not in text(app.test_client().get("/brokers?domain=biomedicine"))
    assert app.test_client().get("/brokers?domain=nonsense").status_code == 200
    assert "陈经纪" in text(app.test_client().get(f"/brokers/{broker.id}"))
    # Only operators reach the back office.
    assert c.get("/operator/brokers").status_code in (403, 404)


def test_invite_from_the_profile_page_and_the_broker_accepts(app, make):
    with app.app_context():
        p = parties(make)
        broker = verified_broker(db.session, make, p.operator)
        deal_id = walk(db.session, p, "inquiry")
    buyer = app.test_client(user=p.buyer)
    page = text(buyer.get(f"/brokers/{broker.id}"))
    assert f'value="{deal_id}"' in page  # the invite form lists my open deal
    r = buyer.post(f"/brokers/{broker.id}/invite", data={"deal_id": deal_id, "message": "请协助"})
    assert r.status_code == 303
    b = app.test_client(user=broker)
    desk = text(b.get("/brokers/me"))
    invitation = re.search(r"/broker-invitations/(\d+)/accept", desk).group(1)
    r = b.post(f"/broker-invitations/{invitation}/accept")
    assert r.status_code == 303 and r.location.endswith(f"/deals/{deal_id}")
    assert b.get(f"/deals/{deal_id}").status_code == 200
    stranger = app.test_client(user=p.stranger)
    assert stranger.post(f"/brokers/{broker.id}/invite", data={"deal_id": deal_id}).status_code in (
        303,
        404,
    )


def test_records_on_the_deal_page_private_stays_private(app, world):
    p, broker, deal_id, c = world
    form = {
        "kind": "meeting",
        "occurred_at": "2026-11-20T09:30",
        "participants": "张工\n李经理",
        "notes": "双方就许可范围达成一致",
        "visibility": "shared",
    }
    assert c["broker"].post(f"/deals/{deal_id}/brokerage-records", data=form).status_code == 303
    c["broker"].post(
        f"/deals/{deal_id}/brokerage-records",
        data=form | {"visibility": "private", "notes": "供方底线 80 万"},
    )
    r = c["broker"].post(
        f"/deals/{deal_id}/brokerage-records", data=form | {"kind": "", "notes": ""}
    )
    assert r.status_code == 303  # back to the page with the messages
    buyer_page = text(c["buyer"].get(f"/deals/{deal_id}"))
    assert "双方就许可范围达成一致" in buyer_page
    assert "供方底线" not in buyer_page
    assert "供方底线" in text(c["operator"].get(f"/deals/{deal_id}"))
    assert "供方底线" in text(c["broker"].get(f"/deals/{deal_id}"))
    with app.app_context():
        shared, private = db.session.query(BrokerageRecord).order_by(BrokerageRecord.id).all()
        shared_id, private_id = shared.id, private.id
        # The form's time is in the pages' zone (Asia/Shanghai): 09:30 there is 01:30 UTC.
        assert shared.occurred_at.strftime("%H:%M") == "01:30"
    assert c["supplier"].get(f"/brokerage-records/{private_id}").status_code == 404
    # Editing keeps the earlier version, shown on the entry page.
    r = c["broker"].post(
        f"/brokerage-records/{shared_id}", data=form | {"notes": "更正：范围含华东"}
    )
    assert r.status_code == 303
    page = text(c["buyer"].get(f"/brokerage-records/{shared_id}"))
    assert "更正：范围含华东" in page and "双方就许可范围达成一致" in page
    r = c["broker"].post(f"/brokerage-records/{shared_id}", data=form | {"notes": ""})
    assert r.status_code == 422
    r = c["broker"].post(
        f"/brokerage-records/{shared_id}/attachments",
        data={"file": (io.BytesIO("纪要".encode()), "纪要.txt")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    link = re.search(
        r'href="(/brokerage-records/\d+/attachments/\d+)"',
        text(c["buyer"].get(f"/brokerage-records/{shared_id}")),
    ).group(1)
    assert c["buyer"].get(link).data == "纪要".encode()
    assert c["stranger"].get(link).status_code == 404


def test_release_rating_and_earnings_pages(app, world):
    p, broker, deal_id, c = world
    with app.app_context():
        agree_with_commission(db.session, p, deal_id, commission_bp=500)
        fund(db.session, p, deal_id)
        complete(db.session, p, deal_id)
    page = text(c["buyer"].get(f"/deals/{deal_id}"))
    assert "views.deal_rate_broker" not in page and f"/deals/{deal_id}/broker-rating" in page
    assert (
        c["buyer"].post(f"/deals/{deal_id}/broker-rating", data={"score": "9"}).status_code == 303
    )
    c["buyer"].post(f"/deals/{deal_id}/broker-rating", data={"score": "5", "comment": "很专业"})
    assert f"/deals/{deal_id}/broker-rating" not in text(c["buyer"].get(f"/deals/{deal_id}"))
    assert "很专业" in text(c["stranger"].get(f"/brokers/{broker.id}"))
    earnings = text(c["broker"].get("/brokers/me/earnings"))
    # 5 % of 1,000,000 fen = 50,000 fen = 500 元, the closing balance.
    assert "<strong>500 元</strong>" in earnings
    csv = c["broker"].get("/brokers/me/earnings?format=csv")
    assert csv.mimetype == "text/csv" and str(deal_id) in csv.data.decode("utf-8-sig")
    assert (
        c["broker"].get("/brokers/me/earnings?start=2026-05-01&end=2026-01-01").status_code == 200
    )
    ranking = text(c["operator"].get("/operator/brokers/ranking?region=宁波"))
    assert _name(app, broker) in ranking
    assert _name(app, broker) not in text(
        c["operator"].get("/operator/brokers/ranking?region=拉萨")
    )
    xlsx = c["operator"].get("/operator/brokers/ranking?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(row=2, column=7).value == 1
    assert c["broker"].get("/operator/brokers/ranking").status_code in (403, 404)


def test_mediation_offer_from_the_listing_page(app, make):
    with app.app_context():
        p = parties(make)
        broker = verified_broker(db.session, make, p.operator)
    b = app.test_client(user=broker)
    owner = app.test_client(user=p.supplier)
    listing_page = text(b.get(f"/listings/{p.listing_id}"))
    assert "/mediation-offers" in listing_page
    assert (
        b.post(
            "/mediation-offers", data={"listing_id": p.listing_id, "message": "愿意撮合"}
        ).status_code
        == 303
    )
    offers = text(owner.get("/mediation-offers"))
    offer_id = re.search(r"/mediation-offers/(\d+)/accept", offers).group(1)
    assert (
        app.test_client(user=p.buyer).post(f"/mediation-offers/{offer_id}/accept").status_code
        == 303
    )
    owner.post(f"/mediation-offers/{offer_id}/accept")
    assert _name(app, broker) in text(app.test_client().get(f"/listings/{p.listing_id}"))
    with app.app_context():
        deal_id = walk(db.session, p, "inquiry")
        assert db.session.get(Deal, deal_id).active_broker_id == broker.id


def test_the_broker_proposes_terms_with_a_commission_through_the_form(app, world):
    from tests.views.test_deals_pages import terms_form

    p, broker, deal_id, c = world
    page = text(c["broker"].get(f"/deals/{deal_id}"))
    assert 'name="commission"' in page and 'name="broker_may_arbitrate"' in page
    for bad in ("4.555", "1e999999", "-1", "100.01", "百分之五"):
        r = c["broker"].post(
            f"/deals/{deal_id}/terms", data=terms_form("6000", "4000", commission=bad)
        )
        assert r.status_code == 422 and field_error(text(r)), bad
    r = c["broker"].post(
        f"/deals/{deal_id}/terms",
        data=terms_form("6000", "4000", commission="4.5", broker_may_arbitrate="on"),
    )
    assert r.status_code == 303
    with app.app_context():
        terms = db.session.get(Deal, deal_id).current_terms
        assert (terms.commission_bp, terms.broker_may_arbitrate, terms.broker_id) == (
            450,
            True,
            broker.id,
        )
        assert terms.proposed_by_role == "broker"
    # The counter-offer form starts from these values.
    page = text(c["buyer"].get(f"/deals/{deal_id}"))
    assert 'name="commission" value="4.5"' in page


# Numbers no form should send: "²" passes str.isdigit but not int(); 25 digits pass int()
# but overflow in the database driver. Each is a message, never a 500.
ODD_NUMBERS = ("²", "١٢", "9" * 25, "-1", "")


def test_odd_numbers_in_forms_are_messages_not_500s(app, world, make, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # a crash: 500, not raise
    p, broker, deal_id, c = world
    for odd in ODD_NUMBERS:
        for r in (
            c["buyer"].post(f"/brokers/{broker.id}/invite", data={"deal_id": odd}),
            c["broker"].post("/mediation-offers", data={"listing_id": odd}),
            c["buyer"].post("/deals/open", data={"listing_id": odd, "message": "感兴趣"}),
        ):
            assert r.status_code == 303, (odd, r.request.path)
        page = c["buyer"].get(f"/notifications?page={odd}")
        assert page.status_code == 200, odd
        form = listing_form(trl=odd, **{f"patents-{odd}-patent_number": "x"})
        r = app.test_client(user=make.user("researcher")).post("/listings/new", data=form)
        assert r.status_code in (303, 422), odd
    # And through the API: a 422 naming the field.
    huge = 2**70
    r = c["buyer"].post(f"/api/v1/deals/{deal_id}/brokers", json={"broker_id": huge})
    assert r.status_code == 422 and "broker_id" in r.json["error"]["fields"]
    r = c["broker"].post("/api/v1/mediation-offers", json={"listing_id": huge})
    assert r.status_code == 422 and "listing_id" in r.json["error"]["fields"]
    assert c["buyer"].get("/notifications?page=100001").status_code == 200


def test_free_text_in_broker_forms_is_held_to_the_apis_length(app, world):
    p, broker, deal_id, c = world
    long = "长" * 5_001
    r = c["broker"].post("/mediation-offers", data={"listing_id": p.listing_id, "message": long})
    assert r.status_code == 303
    with c["broker"].session_transaction() as session:
        flashes = [m for cat, m in session.get("_flashes", []) if cat == "error"]
    assert flashes and "5000" in flashes[0]
    with app.app_context():
        from marketplace.models import MediationOffer

        assert db.session.query(MediationOffer).count() == 0
    ok = c["broker"].post("/mediation-offers", data={"listing_id": p.listing_id, "message": "我来"})
    assert ok.status_code == 303
    with app.app_context():
        assert db.session.query(MediationOffer).count() == 1


@pytest.mark.parametrize("may_arbitrate", [True, False])
def test_the_terms_show_commission_and_arbitration_before_confirmation_and_the_broker_arbitrates_on_the_page(
    app, world, may_arbitrate
):
    p, broker, deal_id, c = world
    with app.app_context():
        data = terms_data() | {"commission_bp": 450, "broker_may_arbitrate": may_arbitrate}
        deal_terms.propose_terms(db.session, user(broker), deal_id, data)
        db.session.commit()
        shown_hash = db.session.get(Deal, deal_id).current_terms.terms_hash
    # Before anyone confirms, both parties see the fee, the commission, the acceptance
    # period and who arbitrates; the hash they confirm covers exactly these terms.
    for who in ("buyer", "supplier"):
        page = text(c[who].get(f"/deals/{deal_id}"))
        terms = page[page.index('class="terms-version is-current"') :]
        assert "平台服务费" in terms and "3.00%" in terms
        assert "经纪人佣金" in terms and "4.50%" in terms and broker.display_name in terms
        assert "每次交付后 14 天，逾期自动验收" in terms
        clause = "由本条款指定的经纪人" if may_arbitrate else "由平台运营方裁决"
        assert clause in terms
        assert f'name="terms_hash" value="{shown_hash}"' in page
    with app.app_context():
        terms = db.session.get(Deal, deal_id).current_terms
        terms.broker_may_arbitrate = not may_arbitrate  # what was shown is what is hashed
        assert deal_terms.hash_terms(terms) != shown_hash
        db.session.rollback()
        for party in (p.buyer, p.supplier):
            deal_terms.confirm_terms(db.session, user(party), deal_id, shown_hash)
        db.session.commit()
        fund(db.session, p, deal_id)
        milestone = db.session.get(Deal, deal_id).milestones[0].id
        deal_delivery.dispute_milestone(db.session, user(p.buyer), deal_id, milestone, "未交付")
        db.session.commit()
    page = text(c["broker"].get(f"/deals/{deal_id}"))
    form = f'/deals/{deal_id}/milestones/{milestone}/resolve"'
    assert (form in page) == may_arbitrate
    buyer_page = text(c["buyer"].get(f"/deals/{deal_id}"))
    assert form not in buyer_page
    assert ("由合同指定的经纪人或运营方裁决" in buyer_page) == may_arbitrate
    resolve = f"/deals/{deal_id}/milestones/{milestone}/resolve"
    r = c["broker"].post(resolve, data={"outcome": "split", "release_amount": "", "note": ""})
    if not may_arbitrate:
        assert r.status_code == 303  # refused with the reason
        with app.app_context():
            assert db.session.get(Deal, deal_id).state == "disputed"
        return
    assert r.status_code == 422 and field_error(text(r))
    r = c["broker"].post(
        resolve, data={"outcome": "split", "release_amount": "2,000", "note": "部分合格"}
    )
    assert r.status_code == 303
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        assert deal.state == "resolved"
        m = deal.milestones[0]
        assert (m.resolution, m.released_amount, m.refunded_amount) == ("split", 200_000, 400_000)
        assert deal.events[-1].role == "broker"
    assert c["buyer"].post(resolve, data={"outcome": "refund", "note": ""}).status_code == 303
