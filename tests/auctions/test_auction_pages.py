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


def test_after_the_close_the_winner_the_runner_up_and_a_forfeit_read_in_chinese(app, make):
    from marketplace.auctions import settlement
    from tests.auctions.fixtures import lot

    with app.app_context():
        w = world(make, db.session, bidders=2, minutes=60)
        a, b = w.bidders
        t = w.opens + timedelta(minutes=1)
        bidding.place_bid(db.session, fresh(a), w.lot_id, START, now=t)
        bidding.place_bid(db.session, fresh(b), w.lot_id, START + 10_000_000, now=t)
        closing.close_lot(db.session, w.lot_id, now=w.ends)
        first_deal = lot(db.session, w).deal_id
    lot_url = f"/auctions/lots/{w.lot_id}"
    winner = app.test_client(user=b).get(lot_url).text
    assert "竞得本标的" in winner
    assert "逾期未付，保证金将被没收" in winner and "Sold at" not in winner
    runner_up = app.test_client(user=a).get(lot_url).text
    assert "您是次高出价人" in runner_up
    with app.app_context():
        settlement.settle_due(db.session, now=lot(db.session, w).funding_due_at)
    runner_up = app.test_client(user=a).get(lot_url).text
    assert "竞得人未付款：本标的按您的最高出价" in runner_up
    old_deal = app.test_client(user=b).get(f"/deals/{first_deal}").text
    assert "没收的保证金" in old_deal and "已取消" in old_deal
    public = app.test_client().get(lot_url).text
    assert "竞得人未付款，保证金已被没收" in public


def test_the_operators_payout_page_lists_refunded_deposits(app, make):
    with app.app_context():
        w = world(make, db.session, bidders=2, reserve=400_000_000)
        closing.close_lot(db.session, w.lot_id, now=w.ends)
        db.session.commit()
    page = app.test_client(user=w.operator).get("/operator/payouts")
    assert page.status_code == 200
    assert page.text.count("竞买保证金 #") == 2 and "TM-A" in page.text
