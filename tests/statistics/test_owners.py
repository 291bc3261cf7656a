"""Owners' analytics: views counted cheaply (buffered, bots and the owner left out), and
each item's views, inquiries, matches and saved-search hits per Asia/Shanghai day."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from marketplace.core.errors import Forbidden, Invalid, NotFound
from marketplace.extensions import db
from marketplace.models import Deal, ItemViewCount, Notification, SavedSearch, User
from marketplace.statistics import owners
from marketplace.statistics.item_views import ViewBuffer, is_bot, write_counts
from marketplace.web.item_views import buffer

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def views_of(doc_type: str, item_id: int) -> dict[date, int]:
    rows = db.session.execute(
        select(ItemViewCount.day, ItemViewCount.views).where(
            ItemViewCount.doc_type == doc_type, ItemViewCount.doc_id == item_id
        )
    )
    return dict(rows.all())


def test_bots_are_told_from_browsers():
    assert (
        is_bot(GOOGLEBOT) and is_bot("curl/8.5.0") and is_bot("python-requests/2.32") and is_bot("")
    )
    assert not is_bot(BROWSER)


def test_page_views_are_buffered_and_written_in_one_batch(app, make):
    owner = make.user()
    listing = make.listing(owner, status="published")
    draft = make.listing(owner)
    visitor = app.test_client()
    buffer_ = app.extensions["item_views"]
    buffer_.take()
    for agent in (BROWSER, BROWSER, GOOGLEBOT, BROWSER):
        assert (
            visitor.get(f"/listings/{listing.id}", headers={"User-Agent": agent}).status_code == 200
        )
    own = app.test_client(user=owner)
    assert own.get(f"/listings/{listing.id}", headers={"User-Agent": BROWSER}).status_code == 200
    assert own.get(f"/listings/{draft.id}", headers={"User-Agent": BROWSER}).status_code == 200
    with app.app_context():
        assert views_of("listings", listing.id) == {}  # nothing written by the page itself
        assert sum(buffer_.pending().values()) == 3  # the bot and the owner not counted
        assert buffer_.flush(db.session) == 1
        ((day, n),) = views_of("listings", listing.id).items()
        assert n == 3 and day == datetime.now(UTC).astimezone(owners_zone()).date()
        for _ in range(2):
            buffer_.add("listings", listing.id)
        buffer_.flush(db.session)
        assert views_of("listings", listing.id) == {day: 5}
        assert views_of("listings", draft.id) == {}


def owners_zone():
    from marketplace.statistics.periods import ZONE

    return ZONE


def test_the_buffer_is_written_after_the_response_once_due(app, make):
    owner = make.user()
    listing = make.listing(owner, status="published")
    buffer_ = app.extensions["item_views"]
    buffer_.take()
    old = buffer_.flush_seconds
    buffer_.flush_seconds = 0
    try:
        response = app.test_client().get(f"/listings/{listing.id}", headers={"User-Agent": BROWSER})
        assert response.status_code == 200
        response.close()
    finally:
        buffer_.flush_seconds = old
    with app.app_context():
        assert sum(views_of("listings", listing.id).values()) == 1
        assert buffer_.pending() == {}


def test_a_day_in_beijing_starts_at_16_utc():
    views = ViewBuffer()
    views.add("listings", 7, datetime(2026, 9, 30, 15, 59, tzinfo=UTC))
    views.add("listings", 7, datetime(2026, 9, 30, 16, 0, tzinfo=UTC))
    assert views.pending() == {
        ("listings", 7, date(2026, 9, 30)): 1,
        ("listings", 7, date(2026, 10, 1)): 1,
    }


@pytest.mark.real_commits
def test_concurrent_flushes_add_up(app, make):
    """Several processes' buffers written at once into the same rows lose no view."""
    owner = make.user()
    listing = make.listing(owner, status="published")
    errors = []

    def flush_some():
        try:
            with app.app_context():
                views = ViewBuffer()
                for _ in range(25):
                    views.add("listings", listing.id)
                write_counts(db.session, views.take())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=flush_some) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # SQLite serialises writers; a "database is locked" there is not a lost count.
            written = sum(views_of("listings", listing.id).values())
            assert written == 25 * (4 - len(errors))
        else:
            assert not errors
            assert sum(views_of("listings", listing.id).values()) == 100


def test_item_analytics_per_day(app, ctx, make):
    owner = make.user()
    buyer = make.user("enterprise_member")
    stranger = make.user()
    operator = make.operator()
    listing = make.listing(owner, status="published")
    demand = make.demand(buyer, status="published")
    now = datetime(2026, 12, 10, 4, 0, tzinfo=UTC)
    write_counts(
        ctx,
        {
            ("listings", listing.id, date(2026, 12, 9)): 4,
            ("listings", listing.id, date(2026, 12, 10)): 2,
        },
    )
    for at in (datetime(2026, 12, 8, 16, 30, tzinfo=UTC), datetime(2026, 12, 9, 15, 0, tzinfo=UTC)):
        # 16:30 UTC on the 8th is the 9th in Beijing; 15:00 UTC on the 9th is still the 9th
        ctx.add(
            Deal(
                title="咨询",
                listing_id=listing.id,
                buyer_org_id=buyer.organization_id,
                supplier_org_id=owner.organization_id,
                opened_by_role="buyer",
                created_at=at,
            )
        )
    search = SavedSearch(user_id=buyer.id, name="电池", doc_type="listings", query={"q": "电池"})
    ctx.add(search)
    ctx.flush()
    at = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    ctx.add_all(
        [
            Notification(
                user_id=buyer.id,
                kind="match_listing",
                listing_id=listing.id,
                demand_id=demand.id,
                created_at=at,
            ),
            Notification(
                user_id=owner.id,
                kind="match_demand",
                listing_id=listing.id,
                demand_id=demand.id,
                created_at=at,
            ),
            Notification(
                user_id=buyer.id,
                kind="saved_search",
                listing_id=listing.id,
                saved_search_id=search.id,
                created_at=at,
            ),
        ]
    )
    ctx.commit()
    me = ctx.get(User, owner.id)
    result = owners.item_analytics(ctx, me, "listings", listing.id, days=3, now=now)
    assert result["rows"] == [
        ["2026-12-08", 0, 0, 0, 0],
        ["2026-12-09", 4, 2, 0, 0],
        ["2026-12-10", 2, 0, 1, 1],  # one demand matched, whoever was told
    ]
    assert result["totals"] == {"views": 6, "inquiries": 2, "matches": 1, "saved_search_hits": 1}
    assert (
        owners.item_analytics(ctx, ctx.get(User, operator.id), "listings", listing.id, now=now)[
            "days"
        ]
        == 30
    )
    demand_side = owners.item_analytics(
        ctx, ctx.get(User, buyer.id), "demands", demand.id, days=1, now=now
    )
    assert demand_side["rows"] == [["2026-12-10", 0, 0, 1, 0]]
    with pytest.raises(Forbidden):
        owners.item_analytics(ctx, ctx.get(User, stranger.id), "listings", listing.id, now=now)
    with pytest.raises(NotFound):
        owners.item_analytics(ctx, me, "listings", 10**6, now=now)
    with pytest.raises(Invalid):
        owners.item_analytics(ctx, me, "listings", listing.id, days=0, now=now)


def test_analytics_page_and_api(app, make):
    owner = make.user()
    listing = make.listing(owner, status="published")
    with app.app_context():
        write_counts(
            db.session,
            {("listings", listing.id, datetime.now(UTC).astimezone(owners_zone()).date()): 3},
        )
    client = app.test_client(user=owner)
    page = client.get(
        f"/listings/{listing.id}/analytics?days=7", headers={"Accept-Language": "zh-CN"}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "数据分析" in html and "data-chart=" in html and "浏览" in html
    bad = client.get(
        f"/listings/{listing.id}/analytics?days=8", headers={"Accept-Language": "zh-CN"}
    )
    assert bad.status_code == 200 and "请选择 7、30、90 或 365 天。" in bad.get_data(as_text=True)
    body = client.get(f"/api/v1/listings/{listing.id}/analytics?days=7").get_json()
    assert body["totals"]["views"] == 3 and len(body["rows"]) == 7 and body["rows"][-1][1] == 3
    assert client.get(f"/api/v1/listings/{listing.id}/analytics?days=0").status_code == 422
    csv_body = client.get(f"/listings/{listing.id}/analytics?days=7&format=csv").get_data(
        as_text=True
    )
    assert csv_body.count("\n") == 8
    assert app.test_client().get(f"/api/v1/listings/{listing.id}/analytics").status_code == 401


def test_the_app_has_one_buffer(app):
    with app.app_context():
        assert buffer() is app.extensions["item_views"]
