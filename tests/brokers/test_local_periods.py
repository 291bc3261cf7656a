"""Periods are Asia/Shanghai calendar days: a release at 2026-03-31 23:30 Beijing time
(15:30 UTC) belongs to March, one at 2026-04-01 00:30 Beijing time (2026-03-31 16:30 UTC)
to April — in the broker's earnings statement (service, API, CSV) and in the ranking."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, select, text, update

from marketplace.brokers import earnings as broker_earnings
from marketplace.brokers import stats as broker_stats
from marketplace.core import localtime
from marketplace.deals import delivery as deal_delivery
from marketplace.models import BrokerAssignment, Deal, JournalTransaction, Organization
from tests.brokers.fixtures import agree_with_commission, deal_with_broker, fund
from tests.deals.fixtures import deliver, parties, user

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
APRIL = (date(2026, 4, 1), date(2026, 4, 30))
LATE_MARCH = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 2026-03-31 23:30 in Beijing
EARLY_APRIL = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 2026-04-01 00:30 in Beijing


def test_local_days_as_utc_instants():
    assert localtime.day_bounds(*MARCH) == (
        datetime(2026, 2, 28, 16, tzinfo=UTC),
        datetime(2026, 3, 31, 16, tzinfo=UTC),
    )
    assert localtime.day_bounds(None, None) == (None, None)
    assert localtime.local_date(LATE_MARCH) == date(2026, 3, 31)
    assert localtime.local_date(EARLY_APRIL) == date(2026, 4, 1)
    assert localtime.fmt(EARLY_APRIL) == "2026-04-01 00:30"
    assert localtime.fmt(EARLY_APRIL.replace(tzinfo=None)) == "2026-04-01 00:30"  # naive = UTC
    assert localtime.fmt_day("2026-03-31T16:30:00+00:00") == "2026-04-01"
    assert localtime.fmt(date(2026, 4, 1)) == "2026-04-01"
    assert localtime.fmt(None) == ""
    assert localtime.from_local_input("2026-04-01T00:30") == "2026-04-01T00:30:00+08:00"
    assert localtime.to_local_input(EARLY_APRIL) == "2026-04-01T00:30"


@contextmanager
def journal_clock(at: datetime):
    """Journal transactions written inside are stamped ``at`` (the ledger is append-only:
    a posting's time cannot be changed afterwards)."""

    def stamp(mapper, connection, target):
        target.created_at = at

    event.listen(JournalTransaction, "before_insert", stamp)
    try:
        yield
    finally:
        event.remove(JournalTransaction, "before_insert", stamp)


def _two_releases_across_the_month_end(ctx, make):
    """A deal whose two milestone releases (and so commission postings) fall on either side
    of the Beijing month end."""
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    agree_with_commission(ctx, p, deal_id, amounts=(600_000, 400_000), commission_bp=500)
    fund(ctx, p, deal_id)
    for m, at in zip(
        list(ctx.get(Deal, deal_id).milestones), (LATE_MARCH, EARLY_APRIL), strict=True
    ):
        deliver(ctx, p, deal_id, m.id)
        with journal_clock(at):
            deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, m.id)
            ctx.commit()
    return p, broker


def test_earnings_statement_periods_are_beijing_days(ctx, make):
    p, broker = _two_releases_across_the_month_end(ctx, make)
    march = broker_earnings.earnings(ctx, user(broker), broker.id, start=MARCH[0], end=MARCH[1])
    (book,) = march["currencies"]
    assert (book["opening"], book["earned"]) == (0, 30_000)  # 5 % of 600 000
    assert [line["at"] for line in book["lines"]] == [LATE_MARCH]
    april = broker_earnings.earnings(ctx, user(broker), broker.id, start=APRIL[0], end=APRIL[1])
    (book,) = april["currencies"]
    assert (book["opening"], book["earned"], book["closing"]) == (30_000, 20_000, 50_000)
    assert [line["at"] for line in book["lines"]] == [EARLY_APRIL]
    # The export writes the Beijing time of the posting.
    rows = broker_earnings.earnings_rows(april)
    assert rows[0][0] == "2026-04-01 00:30:00"
    # The last day alone: 2026-03-31 in Beijing holds only the late-March release.
    day = broker_earnings.earnings(ctx, user(broker), broker.id, start=MARCH[1], end=MARCH[1])
    assert [line["at"] for line in day["currencies"][0]["lines"]] == [LATE_MARCH]


def test_earnings_api_and_csv_take_beijing_days(app, ctx, make):
    p, broker = _two_releases_across_the_month_end(ctx, make)
    client = app.test_client(user=broker)
    reply = client.get("/api/v1/brokers/me/earnings?start=2026-04-01&end=2026-04-30")
    assert reply.status_code == 200, reply.get_json()
    (book,) = reply.get_json()["currencies"]
    assert book["opening"] == 30_000 and book["earned"] == 20_000
    # The API keeps the instant in UTC, with its offset.
    assert book["lines"][0]["at"] == "2026-03-31T16:30:00+00:00"
    page = client.get("/brokers/me/earnings?start=2026-03-01&end=2026-03-31&format=csv")
    assert page.status_code == 200
    lines = list(csv.reader(io.StringIO(page.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[0] for row in lines[1:]] == ["2026-03-31 23:30:00"]


def test_ranking_periods_are_beijing_days(ctx, make):
    p = parties(make)
    late, broker_late = deal_with_broker(ctx, make, p)
    early, broker_early = deal_with_broker(ctx, make, p)
    for deal_id, at in ((late, LATE_MARCH), (early, EARLY_APRIL)):
        ctx.execute(
            update(BrokerAssignment)
            .where(BrokerAssignment.deal_id == deal_id)
            .values(accepted_at=at)
        )
    ctx.commit()

    def mediated(period):
        rows = broker_stats.ranking(ctx, user(p.operator), start=period[0], end=period[1])
        return {profile.user_id: perf.mediated for profile, perf in rows}

    assert mediated(MARCH)[broker_late.id] == 1 and mediated(MARCH)[broker_early.id] == 0
    assert mediated(APRIL)[broker_late.id] == 0 and mediated(APRIL)[broker_early.id] == 1


def test_times_are_read_back_in_utc_whatever_the_database_session_zone(ctx, make):
    """The API prints instants with their offset: it is +00:00 even when the PostgreSQL
    session's TimeZone is another (a server configured for Beijing)."""
    org = make.organization("enterprise", name="宁波港湾新能源科技有限公司")
    if ctx.get_bind().dialect.name == "postgresql":
        ctx.execute(text("SET LOCAL TIME ZONE 'Asia/Shanghai'"))
    at = ctx.scalar(select(Organization.created_at).where(Organization.id == org.id))
    assert at.utcoffset() == timedelta(0)
    assert localtime.local(at).utcoffset() == timedelta(hours=8)
