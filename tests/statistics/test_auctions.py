"""The auction and challenge figures against hand-written SQL on generated sessions, lots
and challenges (timestamps often at Asia/Shanghai month boundaries), on SQLite and
PostgreSQL; and that the page and the quarterly report show them."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import text

from marketplace.models import AuctionLot, AuctionSession, Challenge
from marketplace.models.vocab import DOMAINS
from marketplace.statistics import auctions as figures
from marketplace.statistics import cache
from marketplace.statistics.periods import parse
from tests.statistics.data import generate, some_time
from tests.statistics.test_market import NOW, sqlite_bounds, where

PERIODS = ("all", "2026", "2026Q4", "2026Q1", "2025Q4", "2026-07")
CHALLENGE_STATES = ("draft", "open", "evaluating", "awarded", "not_awarded", "withdrawn")


@pytest.fixture
def data(ctx):
    market = generate(ctx, deals=20)
    rng = random.Random(16)
    org_id = market.listings[0].organization_id
    listings = [x for x in market.listings if x.published_at]
    for i in range(40):
        ends = some_time(rng)
        auction = AuctionSession(
            title=f"专场 {i}",
            domain=rng.choice(DOMAINS[:6]),
            starts_at=ends - timedelta(days=3),
            ends_at=ends,
        )
        ctx.add(auction)
        ctx.flush()
        for listing in rng.sample(listings, rng.randrange(0, 5)):
            state = rng.choice(("sold", "sold", "unsold", "admitted", "withdrawn"))
            start = rng.randrange(1, 200) * 100_000
            closed = ends + timedelta(minutes=rng.choice((0, 5, 60 * 24 * 40)))
            ctx.add(
                AuctionLot(
                    session_id=auction.id,
                    listing_id=listing.id,
                    owner_org_id=listing.organization_id,
                    state=state,
                    transfer_mode="assignment",
                    currency="CNY" if rng.random() < 0.9 else "USD",
                    start_price=start,
                    ladder=[],
                    deposit=10_000,
                    ends_at=ends,
                    current_price=start + rng.randrange(0, 50) * 10_000
                    if state != "admitted"
                    else None,
                    closed_at=closed if state in ("sold", "unsold") else None,
                )
            )
    for i in range(60):
        state = rng.choice(CHALLENGE_STATES)
        published = some_time(rng) if state != "draft" else None
        ctx.add(
            Challenge(
                title=f"榜单 {i}",
                domain=rng.choice(DOMAINS[:6]),
                bounty=rng.randrange(1, 100) * 1_000_000,
                currency="CNY" if rng.random() < 0.9 else "USD",
                proposal_deadline=some_time(rng),
                delivery_days=90,
                state=state,
                organization_id=org_id,
                funded_at=published - timedelta(hours=rng.choice((1, 30))) if published else None,
                published_at=published,
                decided_at=published + timedelta(days=rng.randrange(1, 90))
                if state in ("awarded", "not_awarded", "withdrawn")
                else None,
            )
        )
    ctx.commit()
    return market


def rows(session, sql: str, params: dict):
    return session.execute(text(sql), sqlite_bounds(session, params)).all()


@pytest.mark.parametrize("key", PERIODS)
def test_auctions_match_hand_written_sql(ctx, data, key):
    period = parse(key)
    want: dict = {}
    cond, params = where("ends_at", period)
    for domain, n in rows(
        ctx, f"SELECT domain, COUNT(*) FROM auction_session WHERE {cond} GROUP BY domain", params
    ):
        want.setdefault(domain, [0, 0, 0, 0, None])[0] = n
    cond, params = where("l.closed_at", period)
    for domain, sold, unsold, hammer, premium in rows(
        ctx,
        f"""SELECT s.domain,
              SUM(CASE WHEN l.state = 'sold' THEN 1 ELSE 0 END),
              SUM(CASE WHEN l.state = 'unsold' THEN 1 ELSE 0 END),
              SUM(CASE WHEN l.state = 'sold' AND l.currency = 'CNY' THEN l.current_price ELSE 0 END),
              AVG(CASE WHEN l.state = 'sold' AND l.currency = 'CNY'
                  THEN (l.current_price - l.start_price) * 100.0 / l.start_price END)
            FROM auction_lot l JOIN auction_session s ON s.id = l.session_id
            WHERE l.state IN ('sold', 'unsold') AND {cond} GROUP BY s.domain""",
        params,
    ):
        want.setdefault(domain, [0, 0, 0, 0, None])[1:] = [
            sold,
            unsold,
            hammer,
            None if premium is None else round(float(premium), 1),
        ]
    got = {r[0]: r[1:] for r in figures.auctions(ctx, period, NOW)}
    assert got == want
    if key == "all":
        assert sum(v[1] for v in want.values()) > 10 and sum(v[2] for v in want.values()) > 3
        assert all(v[4] is None or v[4] >= 0 for v in want.values())


@pytest.mark.parametrize("key", PERIODS)
def test_challenges_match_hand_written_sql(ctx, data, key):
    period = parse(key)
    want: dict = {}
    cny = "SUM(CASE WHEN currency = 'CNY' THEN bounty ELSE 0 END)"
    cond, params = where("published_at", period)
    for domain, n in rows(
        ctx, f"SELECT domain, COUNT(*) FROM challenge WHERE {cond} GROUP BY domain", params
    ):
        want.setdefault(domain, [0, 0, 0, 0])[0] = n
    cond, params = where("funded_at", period)
    for domain, v in rows(
        ctx, f"SELECT domain, {cny} FROM challenge WHERE {cond} GROUP BY domain", params
    ):
        want.setdefault(domain, [0, 0, 0, 0])[1] = v
    cond, params = where("decided_at", period)
    for domain, n, v in rows(
        ctx,
        f"""SELECT domain, COUNT(*), {cny} FROM challenge
            WHERE state = 'awarded' AND {cond} GROUP BY domain""",
        params,
    ):
        want.setdefault(domain, [0, 0, 0, 0])[2:] = [n, v]
    got = {r[0]: r[1:] for r in figures.challenges(ctx, period, NOW)}
    assert got == want
    if key == "all":
        assert sum(v[2] for v in want.values()) > 3


def test_the_page_and_the_report_show_them(app, ctx, data, client):
    page = client.get("/statistics?period=all", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="figure-auctions"' in html and 'id="figure-challenges"' in html
    assert "网上竞价" in html and "揭榜挂帅" in html and "成交总额" in html
    figures_all = cache.compute(ctx, parse("all"), NOW)["figures"]
    assert figures_all["auctions"] and figures_all["challenges"]
    got = client.get("/statistics/auctions.csv?period=all", headers={"Accept-Language": "zh-CN"})
    assert (
        got.status_code == 200
        and got.get_data(as_text=True).count("\n") == len(figures_all["auctions"]) + 1
    )


def test_the_quarterly_report_has_their_sections(app, ctx, data):
    import io

    from pypdf import PdfReader

    from marketplace.core.money import format_money
    from marketplace.web.market_report import quarterly_report

    auctions = figures.auctions(ctx, parse("2026Q4"), NOW)
    challenges = figures.challenges(ctx, parse("2026Q4"), NOW)
    assert auctions and challenges
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        pdf = quarterly_report(parse("2026Q4"), NOW)
        hammers = [format_money(row[4], "CNY") for row in auctions]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert "网上竞价" in text and "揭榜挂帅" in text and "平均溢价率" in text
    for hammer in hammers:  # each domain's hammer total, as the table shows it
        assert hammer in text
