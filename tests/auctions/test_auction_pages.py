"""The auction pages, in Chinese: the sessions, a lot page (register, bid, the live JSON
its script polls), results."""

from __future__ import annotations

from datetime import timedelta

from marketplace.auctions import bidding, closing
from marketplace.extensions import db
from marketplace.models.types import utcnow
from tests.auctions.fixtures import START, fresh, verified_bidder, world


def test_lot_page_register_bid_live_and_results(app, make):
    with app.app_context():
        w = world(make, db.session, bidders=1, minutes=60)
        bidder = verified_bidder(make)
    newcomer = make.user("enterprise_member")
    lot_url = f"/auctions/lots/{w.lot_id}"
    page = app.test_client().get("/auctions")
    assert page.status_code == 200 and "新能源专场" in page.text
    client = app.test_client(user=bidder)
    resp = client.post(f"{lot_url}/register")
    assert resp.status_code == 303, resp.headers.get("Location")
    page = client.get(lot_url).text
    assert "参考号" in page
    # Bidding before the deposit is held: refused with the reason, on the page.
    resp = client.post(f"{lot_url}/bid", data={"amount": str(START // 100)}, follow_redirects=True)
    assert "保证金" in resp.text
    live = client.get(f"{lot_url}/live.json").get_json()
    assert live["bidder_count"] == 1 and live["seconds_left"] > 0
    with app.app_context():
        # The session opens a minute after the world was made: bid a moment later.
        bidding.place_bid(
            db.session, fresh(w.bidders[0]), w.lot_id, START, now=utcnow() + timedelta(minutes=2)
        )
    live = client.get(f"{lot_url}/live.json").get_json()
    assert live["bid_count"] == 1 and "竞买人 A" in live["log"][0]["bidder"]
    other = app.test_client(user=newcomer).get(lot_url).text
    assert "报名竞买" in other
    with app.app_context():
        closing.close_lot(db.session, w.lot_id, now=w.ends)
    results = app.test_client().get("/auctions/results").text
    assert "已成交" in results and "新能源专场" in results
    assert app.test_client().get(lot_url).status_code == 200
