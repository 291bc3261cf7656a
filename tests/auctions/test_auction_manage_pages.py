"""The operators' auction sessions page (schedule, admit, reject) and the seller's
application from its published listing, in Chinese."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from marketplace.core import localtime
from marketplace.extensions import db
from marketplace.models import AuctionLot, AuctionSession
from marketplace.models.types import utcnow
from tests.page_words import faults


def local_input(moment) -> str:
    return localtime.to_local_input(moment)


def test_an_operator_schedules_a_session_and_a_seller_applies_from_its_listing(app, make):
    operator = make.operator()
    seller = make.user("researcher")
    listing = make.listing(seller, status="published")
    op = app.test_client(user=operator)
    page = op.get("/operator/auctions")
    assert page.status_code == 200 and "安排专场" in page.text
    assert faults(page.text) == []
    start = utcnow() + timedelta(days=2)
    form = {
        "title": "新材料专场",
        "domain": "new_materials",
        "starts_at": local_input(start),
        "ends_at": local_input(start - timedelta(hours=1)),
        "rules": "成交后七日内付款",
    }
    bad = op.post("/operator/auctions/sessions", data=form)
    assert bad.status_code == 422 and "专场结束时间须晚于开始时间" in bad.text
    done = op.post(
        "/operator/auctions/sessions",
        data=form | {"ends_at": local_input(start + timedelta(hours=3))},
    )
    assert done.status_code == 303
    with app.app_context():
        auction = db.session.scalar(
            select(AuctionSession).where(AuctionSession.title == "新材料专场")
        )
        # Typed in Beijing time, kept as the instant.
        assert abs((auction.starts_at - start).total_seconds()) < 60
        session_id = auction.id
    # The owner finds 申请拍卖 on its published listing and applies.
    owner = app.test_client(user=seller)
    assert "申请拍卖" in owner.get(f"/listings/{listing.id}").text
    form_page = owner.get(f"/listings/{listing.id}/auction")
    assert form_page.status_code == 200 and "新材料专场" in form_page.text
    assert faults(form_page.text) == []
    lot_form = {
        "session_id": str(session_id),
        "transfer_mode": "assignment",
        "start_price": "2000000",
        "step": "100000",
        "threshold": "5000000",
        "step_above": "200000",
        "reserve_price": "",
        "deposit": "3000000",
        "extension_minutes": "5",
        "forfeit_seller_pct": "60",
    }
    bad = owner.post(f"/listings/{listing.id}/auction", data=lot_form)
    assert bad.status_code == 422 and "保证金" in bad.text
    assert faults(bad.text) == []
    ok = owner.post(f"/listings/{listing.id}/auction", data=lot_form | {"deposit": "200000"})
    assert ok.status_code == 303
    lot_id = int(re.search(r"/auctions/lots/(\d+)", ok.headers["Location"]).group(1))
    with app.app_context():
        lot = db.session.get(AuctionLot, lot_id)
        assert lot.state == "applied" and lot.start_price == 200_000_000
        assert lot.ladder == [
            {"below": 500_000_000, "step": 10_000_000},
            {"below": None, "step": 20_000_000},
        ]
        assert lot.deposit == 20_000_000 and lot.forfeit_seller_bp == 6000
    # Nobody else applies with someone else's listing.
    stranger = app.test_client(user=make.user("researcher"))
    assert stranger.get(f"/listings/{listing.id}/auction").status_code == 403
    # The operator sees the application and admits it; a stranger cannot.
    page = op.get("/operator/auctions").text
    assert f'action="/operator/auctions/lots/{lot_id}/admit"' in page
    assert stranger.post(f"/operator/auctions/lots/{lot_id}/admit").status_code == 403
    assert op.post(f"/operator/auctions/lots/{lot_id}/admit").status_code == 303
    with app.app_context():
        assert db.session.get(AuctionLot, lot_id).state == "admitted"
    public = app.test_client().get(f"/auctions/lots/{lot_id}").text
    assert "60%" in public  # the seller's share of a forfeited deposit, in the rules
