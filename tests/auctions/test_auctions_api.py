"""The auctions API: a bid through the API, and the log verified with the snippet the
API documentation gives (recomputing the chain from the published JSON only)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from marketplace.auctions import bidding
from marketplace.extensions import db
from tests.auctions.fixtures import START, fresh, world


def verify(log: dict) -> bool:
    """The snippet of marketplace/api/auctions.py, as a reader would run it."""
    prev = log["genesis"]
    for bid in log["bids"]:
        fields = {k: bid[k] for k in ("lot", "seq", "bidder", "amount", "currency", "kind", "at")}
        data = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if bid["prev_hash"] != prev:
            return False
        prev = hashlib.sha256((prev + data).encode()).hexdigest()
        if bid["hash"] != prev:
            return False
    return prev == (log["head"] or log["genesis"])


def test_bids_through_the_api_and_the_published_log_verifies(app, make):
    with app.app_context():
        w = world(make, db.session, bidders=2, minutes=60)
        # The session opens a minute after the world is made: bid from then on.
        bidding.place_bid(
            db.session,
            fresh(w.bidders[0]),
            w.lot_id,
            START,
            300_000_000,
            now=w.opens + timedelta(seconds=1),
        )
    client = app.test_client(user=w.bidders[1])
    lot = client.get(f"/api/v1/auctions/lots/{w.lot_id}").get_json()
    assert lot["current_price"] == START and lot["reserve_price"] is None
    assert lot["me"]["status"] == "registered" and lot["bidder_count"] == 2
    stale = client.post(f"/api/v1/auctions/lots/{w.lot_id}/bids", json={"amount": START})
    # Before the session opens by the real clock, or too low: a coded 409 either way.
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] in ("bidding_not_open", "bid_too_low")
    bad = client.post(f"/api/v1/auctions/lots/{w.lot_id}/bids", json={"amount": -5})
    assert bad.status_code == 422
    with app.app_context():
        bidding.place_bid(
            db.session,
            fresh(w.bidders[1]),
            w.lot_id,
            250_000_000,
            now=w.opens + timedelta(seconds=2),
        )
    log = client.get(f"/api/v1/auctions/lots/{w.lot_id}/bids").get_json()
    assert [b["bidder"] for b in log["bids"]] == ["A", "B", "A"]
    assert "proxy_max" not in log["bids"][0]
    assert verify(log)
    log["bids"][1]["amount"] += 1
    assert not verify(log)
    seller = app.test_client(user=w.seller).get(f"/api/v1/auctions/lots/{w.lot_id}").get_json()
    assert seller["reserve_price"] is None  # no reserve on this lot; the field is the seller's
