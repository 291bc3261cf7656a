"""Every market statistic against hand-written SQL on generated data (data.py), on SQLite
and PostgreSQL, for several periods; and the Asia/Shanghai month boundaries by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from marketplace.models import Listing
from marketplace.statistics import cache, market
from marketplace.statistics.periods import parse
from tests.statistics.data import generate

NOW = datetime(2026, 12, 20, 4, 0, tzinfo=UTC)
PERIODS = ("all", "2026", "2026Q4", "2026Q1", "2025Q4", "2026-01", "2026-07")


def month_sql(session, column: str) -> str:
    if session.get_bind().dialect.name == "postgresql":
        return f"to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
    return f"strftime('%Y-%m', datetime({column}, '+8 hours'))"


def days_sql(session, later: str, earlier: str) -> str:
    if session.get_bind().dialect.name == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0"
    return f"julianday({later}) - julianday({earlier})"


def where(column: str, period) -> tuple[str, dict]:
    params = {}
    sql = f"{column} IS NOT NULL"
    if period.lo is not None:
        sql += f" AND {column} >= :lo AND {column} < :hi"
        params = {"lo": period.lo, "hi": period.hi}
    return sql, params


def sqlite_bounds(session, params: dict) -> dict:
    """SQLite keeps timestamps as UTC text 'YYYY-MM-DD HH:MM:SS.ffffff': compare as such."""
    if session.get_bind().dialect.name != "sqlite":
        return params
    return {k: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") for k, v in params.items()}


def grouped(session, sql: str, params: dict) -> dict:
    return {k: v for k, v in session.execute(text(sql), sqlite_bounds(session, params)).all()}


def expected_measures(session, period, dim: str) -> dict:
    """The measures per dimension value, each from its own SQL statement."""
    out: dict = {}

    def put(rows: dict, measure: str) -> None:
        for key, value in rows.items():
            out.setdefault(key, {})[measure] = int(value)

    def item_key(table: str, at: str) -> str:
        return {
            "month": month_sql(session, at),
            "domain": f"{table}.domain",
            "region": f"{table}.region",
        }[dim]

    def deal_key(at: str) -> str:
        return {
            "month": month_sql(session, at),
            "domain": "COALESCE(l.domain, d.domain, c.domain)",
            "region": "COALESCE(l.region, d.region, po.region)",
            "transfer_mode": "t.transfer_mode",
        }[dim]

    if dim != "transfer_mode":
        for table, fk, published, done in (
            ("listing", "listing_id", "listings_published", "listings_transferred"),
            ("demand", "demand_id", "demands_posted", "demands_met"),
        ):
            cond, params = where(f"{table}.published_at", period)
            key = item_key(table, f"{table}.published_at")
            put(
                grouped(
                    session,
                    f"SELECT {key}, COUNT(*) FROM {table} WHERE {cond} GROUP BY {key}",
                    params,
                ),
                published,
            )
            cond, params = where("f.at", period)
            key = item_key(table, "f.at")
            put(
                grouped(
                    session,
                    f"""SELECT {key}, COUNT(*) FROM (
                          SELECT deal.{fk} AS item_id, MIN(deal_terms.agreed_at) AS at
                          FROM deal_terms JOIN deal ON deal.id = deal_terms.deal_id
                          WHERE deal_terms.agreed_at IS NOT NULL AND deal.state <> 'cancelled'
                            AND deal.{fk} IS NOT NULL
                          GROUP BY deal.{fk}) f
                        JOIN {table} ON {table}.id = f.item_id
                        WHERE {cond} GROUP BY {key}""",
                    params,
                ),
                done,
            )
    cond, params = where("t.agreed_at", period)
    key = deal_key("t.agreed_at")
    rows = session.execute(
        text(
            f"""SELECT {key}, COUNT(*), SUM(CASE WHEN t.currency = 'CNY' THEN t.price ELSE 0 END)
                FROM deal_terms t JOIN deal ON deal.id = t.deal_id
                LEFT JOIN listing l ON l.id = deal.listing_id
                LEFT JOIN demand d ON d.id = deal.demand_id
                LEFT JOIN challenge c ON c.id = deal.challenge_id
                LEFT JOIN organization po ON po.id = c.organization_id
                WHERE deal.state <> 'cancelled' AND {cond} GROUP BY {key}"""
        ),
        sqlite_bounds(session, params),
    ).all()
    put({k: n for k, n, _ in rows}, "deals_agreed")
    put({k: v for k, _, v in rows}, "contract_value")
    cond, params = where("p.created_at", period)
    key = deal_key("p.created_at")
    mode_join = (
        "JOIN deal_terms t ON t.deal_id = deal.id AND t.agreed_at IS NOT NULL"
        if dim == "transfer_mode"
        else ""
    )
    put(
        grouped(
            session,
            f"""SELECT {key}, SUM(p.amount) FROM payout_instruction p
                JOIN deal ON deal.id = p.deal_id
                LEFT JOIN listing l ON l.id = deal.listing_id
                LEFT JOIN demand d ON d.id = deal.demand_id
                LEFT JOIN challenge c ON c.id = deal.challenge_id
                LEFT JOIN organization po ON po.id = c.organization_id {mode_join}
                WHERE p.kind = 'release' AND p.currency = 'CNY' AND {cond} GROUP BY {key}""",
            params,
        ),
        "released_value",
    )
    return out


def as_table(rows, columns) -> dict:
    return {row[0]: {c.key: v for c, v in zip(columns, row[1:], strict=True) if v} for row in rows}


def nonzero(table: dict) -> dict:
    cleaned = {k: {m: v for m, v in row.items() if v} for k, row in table.items()}
    return {k: row for k, row in cleaned.items() if row}


@pytest.fixture
def data(ctx):
    generated = generate(ctx)
    ctx.commit()
    return generated


@pytest.mark.parametrize("key", PERIODS)
def test_dimension_figures_match_hand_written_sql(ctx, data, key):
    period = parse(key)
    for figure, dim, columns in (
        (market.monthly, "month", market.MEASURES),
        (market.by_domain, "domain", market.MEASURES),
        (market.by_region, "region", market.MEASURES),
        (market.by_transfer_mode, "transfer_mode", market.DEAL_MEASURES),
    ):
        got = nonzero(as_table(figure(ctx, period, NOW), columns))
        want = nonzero(expected_measures(ctx, period, dim))
        assert got == want, (key, dim)
    assert sum(len(r) for r in want.values()) > 0


def test_a_challenge_award_counts_in_its_challenges_domain_and_posters_region(ctx, make):
    """An awarded challenge's deal has no listing or demand: it is attributed to the
    challenge's domain and its poster's region, so the breakdowns add up to the total."""
    from marketplace.challenges import award
    from marketplace.deals import terms as deal_terms
    from marketplace.models import Deal, Organization
    from tests.challenges.fixtures import close, propose, user, verified_solver, walk

    poster, operator = make.user("enterprise_member"), make.operator()
    ctx.get(Organization, poster.organization_id).region = "慈溪"
    ctx.commit()
    uni = verified_solver(make, "university")
    cid = walk(ctx, poster, operator, "open", domain="rare_earth_magnets")
    pid = propose(ctx, uni, cid, 800_000)
    close(ctx, poster, cid)
    award.award(ctx, user(poster), cid, [{"proposal_id": pid}])
    ctx.commit()
    deal = ctx.query(Deal).filter_by(challenge_id=cid).one()
    for who in (uni, poster):
        deal_terms.confirm_terms(ctx, user(who), deal.id, deal.current_terms.terms_hash)
    ctx.commit()
    period = parse("all")
    now = datetime.now(UTC)
    for figure, dim in ((market.by_domain, "domain"), (market.by_region, "region")):
        got = nonzero(as_table(figure(ctx, period, now), market.MEASURES))
        assert got == nonzero(expected_measures(ctx, period, dim)), dim
    by_domain = nonzero(as_table(market.by_domain(ctx, period, now), market.MEASURES))
    assert by_domain["rare_earth_magnets"]["deals_agreed"] == 1
    assert by_domain["rare_earth_magnets"]["contract_value"] == 800_000
    by_region = nonzero(as_table(market.by_region(ctx, period, now), market.MEASURES))
    assert by_region["慈溪"] == {"deals_agreed": 1, "contract_value": 800_000}
    total = nonzero(as_table(market.monthly(ctx, period, now), market.MEASURES))
    assert sum(r.get("deals_agreed", 0) for r in total.values()) == 1
    # The operators' dashboard attributes it the same way (deal_items.py), filters too.
    from marketplace.statistics import dashboard

    funnel = dashboard.funnel_table(ctx, dashboard.filters(period, None, None), True)
    assert funnel["rare_earth_magnets"][1:3] == [1, 1]  # one inquiry, with terms proposed
    cixi = dashboard.funnel_table(ctx, dashboard.filters(period, None, "慈溪"), False)
    assert cixi["all"][1] == 1
    elsewhere = dashboard.funnel_table(ctx, dashboard.filters(period, None, "宁波"), False)
    assert elsewhere.get("all", [0, 0])[1] == 0


def test_the_generated_market_is_big_enough(ctx, data):
    assert len(data.deals) >= 300
    figures = cache.compute(ctx, parse("all"), NOW)["figures"]
    agreed = sum(row[5] for row in figures["monthly"])
    assert agreed > 150
    assert len(figures["monthly"]) >= 14  # 2025-10 … 2026-12


@pytest.mark.parametrize("key", ("all", "2026Q4", "2026-07"))
def test_currency_timing_and_brokers_match_hand_written_sql(ctx, data, key):
    period = parse(key)
    cond, params = where("t.agreed_at", period)
    want = [
        [c, n, v]
        for c, n, v in ctx.execute(
            text(
                f"""SELECT t.currency, COUNT(*), SUM(t.price) FROM deal_terms t
                    JOIN deal ON deal.id = t.deal_id
                    WHERE deal.state <> 'cancelled' AND {cond}
                    GROUP BY t.currency ORDER BY t.currency"""
            ),
            sqlite_bounds(ctx, params),
        )
    ]
    assert market.by_currency(ctx, period, NOW) == want

    want = ctx.execute(
        text(
            f"""SELECT u.display_name, COUNT(*),
                       SUM(CASE WHEN t.currency = 'CNY' THEN t.price ELSE 0 END),
                       SUM(CASE WHEN deal.state = 'completed' THEN 1 ELSE 0 END)
                FROM deal_terms t JOIN deal ON deal.id = t.deal_id
                JOIN user_account u ON u.id = t.broker_id
                WHERE deal.state <> 'cancelled' AND {cond}
                GROUP BY u.display_name"""
        ),
        sqlite_bounds(ctx, params),
    ).all()
    got = market.brokers(ctx, period, NOW)
    assert sorted(map(tuple, got)) == sorted((n, int(a), int(b), int(c)) for n, a, b, c in want)
    assert [r[2] for r in got] == sorted((r[2] for r in got), reverse=True)

    timing = {row[0]: row for row in market.timing(ctx, period, NOW)}
    for table, fk in (("listing", "listing_id"), ("demand", "demand_id")):
        cond, params = where(f"{table}.published_at", period)
        published = ctx.execute(
            text(f"SELECT COUNT(*) FROM {table} WHERE {cond}"), sqlite_bounds(ctx, params)
        ).scalar()
        row = timing[table + "s"]
        assert row[1] == published
        for first, n_index in (
            (
                f"SELECT {fk} AS item_id, MIN(created_at) AS at FROM deal WHERE {fk} IS NOT NULL GROUP BY {fk}",
                2,
            ),
            (
                f"""SELECT deal.{fk} AS item_id, MIN(t.agreed_at) AS at FROM deal_terms t
                    JOIN deal ON deal.id = t.deal_id
                    WHERE t.agreed_at IS NOT NULL AND deal.state <> 'cancelled' AND deal.{fk} IS NOT NULL
                    GROUP BY deal.{fk}""",
                4,
            ),
        ):
            n, avg = ctx.execute(
                text(
                    f"""SELECT COUNT(*), AVG({days_sql(ctx, "f.at", f"{table}.published_at")})
                        FROM {table} JOIN ({first}) f ON f.item_id = {table}.id WHERE {cond}"""
                ),
                sqlite_bounds(ctx, params),
            ).one()
            assert row[n_index] == n
            if avg is None:
                assert row[n_index + 1] is None
            else:
                assert row[n_index + 1] == pytest.approx(float(avg), abs=0.006)
                assert row[n_index + 1] > 0


def test_asia_shanghai_month_boundaries(ctx, make):
    """16:00 UTC on the last day of a month is 00:00 of the next month in Beijing."""
    owner = make.user()
    cases = {
        datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC): "2026-09",  # 23:59:59 on 30 Sep
        datetime(2026, 9, 30, 16, 0, 0, tzinfo=UTC): "2026-10",  # 00:00:00 on 1 Oct
        datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC): "2026-12",
        datetime(2026, 12, 31, 16, 0, 0, tzinfo=UTC): "2027-01",  # next year, next quarter
        datetime(2026, 10, 1, 2, 0, 0, tzinfo=UTC): "2026-10",
    }
    for at in cases:
        ctx.add(
            Listing(
                title="边界",
                domain="ai",
                trl=3,
                price_type="negotiable",
                organization_id=owner.organization_id,
                status="published",
                published_at=at,
            )
        )
    ctx.commit()
    months = {row[0]: row[1] for row in market.monthly(ctx, parse("all"), NOW)}
    assert months == {"2026-09": 1, "2026-10": 2, "2026-12": 1, "2027-01": 1}
    q4 = {row[0]: row[1] for row in market.monthly(ctx, parse("2026Q4"), NOW)}
    assert q4 == {"2026-10": 2, "2026-11": 0, "2026-12": 1}  # the months up to "now"
    assert sum(r[1] for r in market.by_domain(ctx, parse("2026Q3"), NOW)) == 1
    assert sum(r[1] for r in market.by_domain(ctx, parse("2027"), NOW)) == 1
