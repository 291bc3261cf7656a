"""An outbid bidder is told once, in-app and by mail, when it stops leading — not at each
automatic answer of a proxy — and can turn it off in its preferences."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.auctions import bidding
from marketplace.models import Notification
from marketplace.notifications import inbox
from tests.auctions.fixtures import START, fresh, lot, world
from tests.notifications.conftest import mailbox, mails  # noqa: F401 - the fixture

STEP = 10_000_000


def outbid(ctx, user) -> list[Notification]:
    return list(
        ctx.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == "outbid")
            .order_by(Notification.id)
        )
    )


def test_the_bidder_who_stops_leading_is_told_once(app, ctx, make, mailbox):  # noqa: F811
    w = world(make, ctx, bidders=3)
    a, b, c = w.bidders
    t = w.opens + timedelta(minutes=1)
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, now=t)
    assert outbid(ctx, a) == []
    bidding.place_bid(ctx, fresh(b), w.lot_id, START + STEP, now=t)
    [note] = outbid(ctx, a)
    assert note.payload["lot_id"] == w.lot_id and note.payload["amount"] == START + STEP
    assert outbid(ctx, b) == []  # the actor is not told about its own bid
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert "您的出价已被超过" in inbox.title(note)
        assert inbox.target_endpoint(note) == ("views.auction_lot", {"lot_id": w.lot_id})
    # b sets a maximum: c's bids are answered by b's proxy, b keeps the lead, nobody is
    # told (c made the bids and saw the answer).
    bidding.place_bid(ctx, fresh(b), w.lot_id, START + 2 * STEP, START + 10 * STEP, now=t)
    for _ in range(3):
        least = bidding.next_minimum(lot(ctx, w))
        assert not bidding.place_bid(ctx, fresh(c), w.lot_id, least, now=t).leading
    assert len(outbid(ctx, b)) == 0 and len(outbid(ctx, c)) == 0
    # c goes over b's maximum: b stops leading — one notice, with its mail.
    bidding.place_bid(ctx, fresh(c), w.lot_id, START + 12 * STEP, now=t)
    assert len(outbid(ctx, b)) == 1 and len(outbid(ctx, a)) == 1
    ctx.commit()
    to = [m["to"] for m in mails(mailbox)]
    assert to.count(a.email) == 1 and to.count(b.email) == 1 and c.email not in to
    assert any(
        "您的出价已被超过" in m["subject"] or "您的出价已被超过" in m["body"]
        for m in mails(mailbox)
    )


def test_outbid_notices_follow_the_preference(ctx, make):
    w = world(make, ctx, bidders=2)
    a, b = w.bidders
    inbox.set_preferences(ctx, fresh(a), {"auction_events": False})
    t = w.opens + timedelta(minutes=1)
    bidding.place_bid(ctx, fresh(a), w.lot_id, START, now=t)
    bidding.place_bid(ctx, fresh(b), w.lot_id, START + STEP, now=t)
    assert outbid(ctx, a) == []
    bidding.place_bid(ctx, fresh(a), w.lot_id, START + 2 * STEP, now=t)
    assert len(outbid(ctx, b)) == 1


def test_the_preference_page_and_api_have_the_auction_switch(app, make):
    user = make.user("enterprise_member")
    page = app.test_client(user=user).get("/notifications/preferences").text
    assert "网上竞价" in page and "auction_events" in page
    api = app.test_client(user=user)
    resp = api.put("/api/v1/notifications/preferences", json={"auction_events": False})
    assert resp.status_code == 200 and resp.get_json()["auction_events"] is False


def test_the_colleague_who_placed_the_bid_is_told_and_the_registrant_too(ctx, make):
    from marketplace.auctions import chain
    from marketplace.models import AuctionBid

    w = world(make, ctx, bidders=2)
    a, b = w.bidders
    colleague = make.user("enterprise_member", organization=a.organization)
    t = w.opens + timedelta(minutes=1)
    bidding.place_bid(ctx, fresh(colleague), w.lot_id, START, now=t)
    # b's bid answered by nobody; then b's proxy answers a's colleague.
    bidding.place_bid(ctx, fresh(b), w.lot_id, START + STEP, START + 5 * STEP, now=t)
    assert len(outbid(ctx, colleague)) == 1 and len(outbid(ctx, a)) == 1
    bidding.place_bid(ctx, fresh(colleague), w.lot_id, START + 2 * STEP, now=t)
    users = [
        (bid.kind, bid.user_id)
        for bid in ctx.scalars(
            select(AuctionBid).where(AuctionBid.lot_id == w.lot_id).order_by(AuctionBid.seq)
        )
    ]
    # The proxy answer records the member who set the maximum.
    assert users == [
        ("bid", colleague.id),
        ("bid", b.id),
        ("bid", colleague.id),
        ("proxy", b.id),
    ]
    assert len(outbid(ctx, colleague)) == 1  # b kept the lead: nobody told again
    # The bidding user is not hashed: the chain verifies whoever placed the bids.
    assert chain.verify(ctx, w.lot_id, lot(ctx, w).last_hash) == []
    # Registrant and bidder the same member: one notice, not two.
    bidding.place_bid(ctx, fresh(a), w.lot_id, START + 6 * STEP, now=t)
    assert len(outbid(ctx, b)) == 1
