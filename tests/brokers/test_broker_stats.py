"""Ratings (only the parties of a completed deal, once each) and the brokers' statistics,
checked against a direct SQL computation over a few hundred generated deals."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import bindparam, text

from marketplace.brokers import earnings as broker_earnings
from marketplace.brokers import stats as broker_stats
from marketplace.core.errors import Conflict, Forbidden, Invalid
from marketplace.models import (
    BrokerAssignment,
    BrokerRating,
    Deal,
    DealEvent,
    DealTerms,
)
from marketplace.models.types import TZDateTime
from tests.brokers.fixtures import (
    agree_with_commission,
    complete,
    deal_with_broker,
    fund,
    verified_broker,
)
from tests.deals.fixtures import parties, user, walk


def test_ratings_only_by_parties_of_completed_deals_once_each(ctx, make):
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    agree_with_commission(ctx, p, deal_id)
    fund(ctx, p, deal_id)
    with pytest.raises(Conflict, match="completed"):
        broker_stats.rate_broker(ctx, user(p.buyer), deal_id, 5)
    ctx.rollback()
    complete(ctx, p, deal_id)
    for who in (broker, p.operator):
        with pytest.raises(Forbidden):
            broker_stats.rate_broker(ctx, user(who), deal_id, 5)
        ctx.rollback()
    with pytest.raises(Invalid):
        broker_stats.rate_broker(ctx, user(p.buyer), deal_id, 6)
    ctx.rollback()
    broker_stats.rate_broker(ctx, user(p.buyer), deal_id, 5, "沟通高效")
    ctx.commit()
    with pytest.raises(Conflict, match="already"):
        broker_stats.rate_broker(ctx, user(p.buyer), deal_id, 1)
    ctx.rollback()
    broker_stats.rate_broker(ctx, user(p.supplier), deal_id, 4)
    ctx.commit()
    perf = broker_stats.performance(ctx, [broker.id])[broker.id]
    assert (perf.mediated, perf.completed, perf.rating_count, perf.rating_average) == (1, 1, 2, 4.5)
    assert perf.gross_value == {"CNY": 1_000_000}
    assert perf.dispute_rate == 0 and perf.median_days is not None


def test_a_completed_deal_without_broker_cannot_be_rated(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    complete(ctx, p, deal_id)
    with pytest.raises(Conflict, match="No broker"):
        broker_stats.rate_broker(ctx, user(p.buyer), deal_id, 3)


def test_ranking_is_for_operators_and_exports(ctx, make):
    p = parties(make)
    broker = verified_broker(ctx, make, p.operator, regions=["宁波", "舟山"])
    with pytest.raises(Forbidden):
        broker_stats.ranking(ctx, user(broker))
    rows = broker_stats.ranking(ctx, user(p.operator), region="舟山")
    assert [profile.user_id for profile, _ in rows] == [broker.id]
    assert broker_stats.ranking(ctx, user(p.operator), domain="blockchain") == []
    table = broker_stats.ranking_rows(rows)
    xlsx = broker_earnings.to_xlsx(broker_stats.RANKING_COLUMNS, table, "brokers")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx)).active
    assert [c.value for c in sheet[1]] == list(broker_stats.RANKING_COLUMNS)
    assert sheet.cell(row=2, column=1).value == broker.id


def test_csv_cells_cannot_become_formulas():
    out = broker_earnings.to_csv(("a",), [["=HYPERLINK(1)"], ["-3"], [5]])
    assert out.splitlines()[1:] == ["'=HYPERLINK(1)", "'-3", "5"]


# Statistics against SQL ----------------------------------------------------------------

STATES = ("negotiating", "agreed", "funded", "in_progress", "disputed", "completed", "cancelled")
N_DEALS = 300


def _generate(ctx, make, rng: random.Random) -> list[int]:
    """N_DEALS deals between a few organizations, each with one or two broker assignments,
    contract prices, completion and dispute events and ratings, written as rows."""
    operator = make.operator()
    brokers = [verified_broker(ctx, make, operator).id for _ in range(5)]
    supplier = make.user("researcher")
    listing = make.listing(supplier, status="published")
    buyers = [make.organization("enterprise").id for _ in range(3)]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(N_DEALS):
        state = rng.choice(STATES)
        deal = Deal(
            state=state,
            title=f"交易 {i}",
            listing_id=listing.id,
            buyer_org_id=rng.choice(buyers),
            supplier_org_id=supplier.organization_id,
            opened_by_role="buyer",
        )
        ctx.add(deal)
        ctx.flush()
        first, second = rng.sample(brokers, 2)
        accepted = base + timedelta(days=rng.randint(0, 300), hours=rng.randint(0, 23))
        released = rng.random() < 0.2
        ctx.add(
            BrokerAssignment(
                deal_id=deal.id,
                broker_id=first,
                status="released" if released else "active",
                accepted_at=accepted,
            )
        )
        active = first
        if released:
            accepted = accepted + timedelta(days=rng.randint(1, 10))
            ctx.add(
                BrokerAssignment(
                    deal_id=deal.id, broker_id=second, status="active", accepted_at=accepted
                )
            )
            active = second
        if state not in ("negotiating", "cancelled") or rng.random() < 0.3:
            price = rng.randint(1, 10**9)
            ctx.add(
                DealTerms(
                    deal_id=deal.id,
                    number=1,
                    proposed_by_role="supplier",
                    price=price,
                    currency=rng.choice(("CNY", "CNY", "USD")),
                    transfer_mode="assignment",
                    milestones=[{"title": "全部", "amount": price}],
                    platform_fee_bp=300,
                    terms_hash=f"{deal.id:064x}",
                    agreed_at=accepted if state != "negotiating" else None,
                )
            )
        if state in ("disputed", "completed") and rng.random() < 0.5 or state == "disputed":
            ctx.add(
                DealEvent(
                    deal_id=deal.id,
                    role="buyer",
                    action="dispute_milestone",
                    to_state="disputed",
                    created_at=accepted + timedelta(days=1),
                )
            )
        if state == "completed":
            ctx.add(
                DealEvent(
                    deal_id=deal.id,
                    role="system",
                    action="complete",
                    to_state="completed",
                    created_at=accepted
                    + timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23)),
                )
            )
            for role in ("buyer", "supplier"):
                if rng.random() < 0.6:
                    ctx.add(
                        BrokerRating(
                            deal_id=deal.id, broker_id=active, role=role, score=rng.randint(1, 5)
                        )
                    )
    ctx.commit()
    return brokers


def _sql(ctx, sql: str, lo: datetime, hi: datetime):
    stmt = text(sql).bindparams(
        bindparam("lo", type_=TZDateTime), bindparam("hi", type_=TZDateTime)
    )
    return ctx.execute(stmt, {"lo": lo, "hi": hi}).all()


PERIOD = """a.accepted_at IS NOT NULL AND a.accepted_at >= :lo AND a.accepted_at < :hi"""
COMPLETED = f"""
    FROM broker_assignment a JOIN deal d ON d.id = a.deal_id
    WHERE {PERIOD} AND a.status = 'active' AND d.state = 'completed'
      AND EXISTS (SELECT 1 FROM deal_event e WHERE e.deal_id = d.id AND e.action = 'complete')
"""


def _timestamp(value) -> datetime:
    """A raw column: a datetime (PostgreSQL) or its text (SQLite), in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _direct(ctx, lo: datetime, hi: datetime) -> dict[int, dict]:
    out: dict[int, dict] = {}

    def row(b):
        return out.setdefault(
            b,
            {
                "mediated": 0,
                "completed": 0,
                "gross": {},
                "disputed": 0,
                "rsum": 0,
                "rcount": 0,
                "days": [],
            },
        )

    for b, n in _sql(
        ctx,
        f"SELECT a.broker_id, COUNT(DISTINCT a.deal_id) FROM broker_assignment a "
        f"WHERE {PERIOD} GROUP BY a.broker_id",
        lo,
        hi,
    ):
        row(b)["mediated"] = n
    for b, n in _sql(
        ctx,
        f"SELECT a.broker_id, COUNT(DISTINCT a.deal_id) {COMPLETED} GROUP BY a.broker_id",
        lo,
        hi,
    ):
        row(b)["completed"] = n
    for b, currency, total in _sql(
        ctx,
        f"SELECT a.broker_id, t.currency, SUM(t.price) {COMPLETED.replace('WHERE', 'JOIN deal_terms t ON t.deal_id = d.id AND t.agreed_at IS NOT NULL WHERE')} "
        "GROUP BY a.broker_id, t.currency",
        lo,
        hi,
    ):
        row(b)["gross"][currency] = int(total)
    for b, n in _sql(
        ctx,
        f"SELECT a.broker_id, COUNT(DISTINCT a.deal_id) FROM broker_assignment a WHERE {PERIOD} "
        "AND EXISTS (SELECT 1 FROM deal_event e WHERE e.deal_id = a.deal_id "
        "AND e.action = 'dispute_milestone') GROUP BY a.broker_id",
        lo,
        hi,
    ):
        row(b)["disputed"] = n
    for b, total, n in _sql(
        ctx,
        f"SELECT a.broker_id, SUM(r.score), COUNT(r.id) FROM broker_assignment a "
        f"JOIN broker_rating r ON r.deal_id = a.deal_id AND r.broker_id = a.broker_id "
        f"WHERE {PERIOD} GROUP BY a.broker_id",
        lo,
        hi,
    ):
        row(b)["rsum"], row(b)["rcount"] = int(total), n
    # SQL has no portable median: the durations come from SQL, the median from Python.
    for b, accepted, done in _sql(
        ctx,
        "SELECT a.broker_id, a.accepted_at, (SELECT MIN(e.created_at) FROM deal_event e "
        "WHERE e.deal_id = a.deal_id AND e.action = 'complete') "
        f"{COMPLETED}",
        lo,
        hi,
    ):
        accepted, done = _timestamp(accepted), _timestamp(done)
        row(b)["days"].append((done - accepted).total_seconds() / 86_400)
    return out


@pytest.mark.parametrize(
    "period", [(date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 3, 1), date(2026, 6, 30))]
)
def test_statistics_match_a_direct_sql_computation(ctx, make, period):
    brokers = _generate(ctx, make, random.Random(20261129))
    lo, hi = broker_stats.day_bounds(*period)
    expected = _direct(ctx, lo, hi)
    perf = broker_stats.performance(ctx, brokers, start=period[0], end=period[1])
    assert sum(p.mediated for p in perf.values()) > 50  # the data really exercises it
    assert any(p.completed for p in perf.values())
    for b in brokers:
        want = expected.get(b)
        got = perf[b]
        if want is None:
            assert got.mediated == 0
            continue
        assert got.mediated == want["mediated"]
        assert got.completed == want["completed"]
        assert got.gross_value == want["gross"]
        assert got.disputed == want["disputed"]
        assert got.dispute_rate == pytest.approx(want["disputed"] / want["mediated"])
        assert (got.rating_sum, got.rating_count) == (want["rsum"], want["rcount"])
        if want["days"]:
            assert got.median_days == pytest.approx(statistics.median(want["days"]))
        else:
            assert got.median_days is None
