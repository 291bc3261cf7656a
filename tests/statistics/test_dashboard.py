"""The operators' dashboard against hand-written SQL on generated data (data.py and
dashboard_data.py), on SQLite and PostgreSQL, for several periods and filters; the page,
its downloads and the API, for operators only."""

from __future__ import annotations

import csv
import io
import json
import re
import statistics as pystats

import pytest
from sqlalchemy import text

from marketplace.models.vocab import DOMAINS
from marketplace.statistics import dashboard
from marketplace.statistics.periods import parse
from tests.statistics.dashboard_data import NOW, generate_dashboard
from tests.statistics.test_market import sqlite_bounds, where

CASES = (
    ("all", None, None),
    ("2026", None, None),
    ("2026Q4", None, None),
    ("2026-07", None, None),
    ("2026", "new_materials", None),
    ("all", None, "宁波"),
    ("2026Q1", DOMAINS[1], "杭州"),
)


@pytest.fixture
def data(ctx):
    generated = generate_dashboard(ctx)
    ctx.commit()
    return generated


def run(session, sql: str, params: dict):
    times = {k: v for k, v in params.items() if k in ("lo", "hi")}
    others = {k: v for k, v in params.items() if k not in times}
    return session.execute(text(sql), {**sqlite_bounds(session, times), **others}).all()


def item_filter(domain, region) -> tuple[str, dict]:
    sql, params = "", {}
    if domain:
        sql += " AND COALESCE(l.domain, d.domain) = :domain"
        params["domain"] = domain
    if region:
        sql += " AND COALESCE(l.region, d.region) = :region"
        params["region"] = region
    return sql, params


def day_bounds(session, period) -> tuple[str, dict]:
    if period.start is None:
        return "", {}
    if session.get_bind().dialect.name == "sqlite":
        return " AND v.day >= :d0 AND v.day < :d1", {
            "d0": period.start.isoformat(),
            "d1": period.end.isoformat(),
        }
    return " AND v.day >= :d0 AND v.day < :d1", {"d0": period.start, "d1": period.end}


def expected_funnel(session, period, domain, region) -> dict:
    """{domain: [views, inquiries, negotiating, agreed, funded, completed]}"""
    items, iparams = item_filter(domain, region)
    days, dparams = day_bounds(session, period)
    views = dict(
        session.execute(
            text(
                f"""SELECT COALESCE(l.domain, d.domain), SUM(v.views) FROM item_view_count v
                    LEFT JOIN listing l ON v.doc_type = 'listings' AND l.id = v.doc_id
                    LEFT JOIN demand d ON v.doc_type = 'demands' AND d.id = v.doc_id
                    WHERE 1 = 1 {days} {items} GROUP BY COALESCE(l.domain, d.domain)"""
            ),
            {**dparams, **iparams},
        ).all()
    )
    cond, params = where("deal.created_at", period)
    deals = run(
        session,
        f"""SELECT COALESCE(l.domain, d.domain), COUNT(*),
              SUM(CASE WHEN EXISTS (SELECT 1 FROM deal_terms t WHERE t.deal_id = deal.id)
                  THEN 1 ELSE 0 END),
              SUM(CASE WHEN EXISTS (SELECT 1 FROM deal_terms t WHERE t.deal_id = deal.id
                                    AND t.agreed_at IS NOT NULL) THEN 1 ELSE 0 END),
              SUM(CASE WHEN deal.state IN ('funded', 'in_progress', 'disputed', 'resolved',
                                           'completed')
                         OR EXISTS (SELECT 1 FROM deal_funding f WHERE f.deal_id = deal.id
                                    AND f.status = 'confirmed') THEN 1 ELSE 0 END),
              SUM(CASE WHEN deal.state = 'completed' THEN 1 ELSE 0 END)
            FROM deal LEFT JOIN listing l ON l.id = deal.listing_id
              LEFT JOIN demand d ON d.id = deal.demand_id
            WHERE {cond} {items} GROUP BY COALESCE(l.domain, d.domain)""",
        {**params, **iparams},
    )
    out = {k: [int(v), 0, 0, 0, 0, 0] for k, v in views.items()}
    for k, *counts in deals:
        out.setdefault(k, [0] * 6)[1:] = [int(c) for c in counts]
    return out


@pytest.mark.parametrize(("key", "domain", "region"), CASES)
def test_funnel_matches_hand_written_sql(ctx, data, key, domain, region):
    f = dashboard.filters(parse(key), domain, region)
    want = expected_funnel(ctx, f.period, domain, region)
    got = {row[0]: row[1:] for row in dashboard.funnel_by_domain(ctx, f, NOW)}
    assert got == want
    overall = dashboard.funnel(ctx, f, NOW)
    totals = [sum(v[i] for v in want.values()) for i in range(6)]
    assert [row[1] for row in overall] == totals
    assert [row[0] for row in overall] == list(dashboard.STAGES)
    for before, row in zip(overall, overall[1:], strict=False):
        if before[1]:
            assert row[2] == round(100.0 * row[1] / before[1], 1)
    if key == "all" and not domain and not region:
        assert totals[0] > 0 and totals[1] >= 300 and 0 < totals[5] < totals[3] < totals[1]
        assert totals[4] > 0


@pytest.mark.parametrize(("key", "domain", "region"), CASES)
def test_matching_matches_hand_written_sql(ctx, data, key, domain, region):
    f = dashboard.filters(parse(key), domain, region)
    items, iparams = item_filter(domain, region)
    cond, params = where("n.created_at", f.period)
    shown = dict(
        run(
            ctx,
            f"""SELECT COALESCE(l.domain, d.domain), COUNT(*) FROM notification n
                LEFT JOIN listing l ON n.kind = 'match_listing' AND l.id = n.listing_id
                LEFT JOIN demand d ON n.kind = 'match_demand' AND d.id = n.demand_id
                WHERE n.kind IN ('match_listing', 'match_demand') AND {cond} {items}
                GROUP BY COALESCE(l.domain, d.domain)""",
            {**params, **iparams},
        )
    )
    cond, params = where("deal.created_at", f.period)
    followed = dict(
        run(
            ctx,
            f"""SELECT COALESCE(l.domain, d.domain), COUNT(*) FROM deal
                LEFT JOIN listing l ON l.id = deal.listing_id
                LEFT JOIN demand d ON d.id = deal.demand_id
                WHERE {cond} {items} AND EXISTS (
                  SELECT 1 FROM notification n JOIN user_account u ON u.id = n.user_id
                  WHERE n.created_at <= deal.created_at AND (
                    (n.kind = 'match_listing' AND n.listing_id = deal.listing_id
                     AND u.organization_id = deal.buyer_org_id)
                    OR (n.kind = 'match_demand' AND n.demand_id = deal.demand_id
                        AND u.organization_id = deal.supplier_org_id)))
                GROUP BY COALESCE(l.domain, d.domain)""",
            {**params, **iparams},
        )
    )
    got = {row[0]: row[1:] for row in dashboard.matching(ctx, f, NOW)}
    want = {}
    for k in set(shown) | set(followed):
        s, n = int(shown.get(k, 0)), int(followed.get(k, 0))
        want[k] = [s, n, round(100.0 * n / s, 1) if s else None]
    assert got == want
    if key == "all" and not domain and not region:
        assert sum(v[1] for v in want.values()) > 50
        assert 0 < sum(v[1] for v in want.values()) < sum(v[0] for v in want.values())


@pytest.mark.parametrize(("key", "domain", "region"), CASES)
def test_brokers_match_hand_written_sql(ctx, data, key, domain, region):
    f = dashboard.filters(parse(key), domain, region)
    items, iparams = item_filter(domain, region)
    cond, params = where("t.agreed_at", f.period)
    mediated = {
        b: (int(n), int(v))
        for b, n, v in run(
            ctx,
            f"""SELECT u.display_name, COUNT(*),
                  SUM(CASE WHEN t.currency = 'CNY' THEN t.price ELSE 0 END)
                FROM deal_terms t JOIN deal ON deal.id = t.deal_id
                JOIN user_account u ON u.id = t.broker_id
                LEFT JOIN listing l ON l.id = deal.listing_id
                LEFT JOIN demand d ON d.id = deal.demand_id
                WHERE deal.state <> 'cancelled' AND {cond} {items}
                GROUP BY u.display_name""",
            {**params, **iparams},
        )
    }
    cond, params = where("p.created_at", f.period)
    commission = {
        b: int(v)
        for b, v in run(
            ctx,
            f"""SELECT u.display_name, SUM(p.amount) FROM payout_instruction p
                JOIN deal ON deal.id = p.deal_id
                JOIN deal_terms t ON t.deal_id = deal.id AND t.agreed_at IS NOT NULL
                JOIN user_account u ON u.id = t.broker_id
                LEFT JOIN listing l ON l.id = deal.listing_id
                LEFT JOIN demand d ON d.id = deal.demand_id
                WHERE p.kind = 'commission' AND p.currency = 'CNY' AND {cond} {items}
                GROUP BY u.display_name""",
            {**params, **iparams},
        )
    }
    want = {
        b: [*mediated.get(b, (0, 0)), commission.get(b, 0)] for b in set(mediated) | set(commission)
    }
    got = {row[0]: row[1:] for row in dashboard.brokers(ctx, f, NOW)}
    assert got == want
    if key == "all" and not domain and not region:
        assert all(v[0] and v[2] for v in want.values()) and len(want) == 3


def test_queues_match_hand_written_sql(ctx, data):
    f = dashboard.filters(parse("all"), None, None)
    since = {
        "listings": "SELECT submitted_at FROM listing WHERE status = 'pending_review'",
        "demands": "SELECT submitted_at FROM demand WHERE status = 'pending_review'",
        "verifications": """SELECT COALESCE((SELECT MAX(created_at) FROM organization_document
                              WHERE organization_id = o.id), o.created_at)
                            FROM organization o WHERE verification_status = 'pending'""",
        "challenges": "SELECT updated_at FROM challenge WHERE state = 'pending_review'",
        "deposits": "SELECT created_at FROM auction_registration WHERE deposit_state = 'pending'",
        "transfers": """SELECT f.created_at FROM deal_funding f JOIN deal ON deal.id = f.deal_id
                        WHERE f.status = 'pending' AND f.provider = 'offline'
                          AND deal.state = 'agreed'""",
    }
    got = {row[0]: row[1:] for row in dashboard.queues(ctx, f, NOW)}
    assert list(got) == list(dashboard.QUEUES)
    for key, sql in since.items():
        ages = []
        for (at,) in ctx.execute(text(sql)):
            if isinstance(at, str):  # SQLite hands raw text back
                from datetime import UTC, datetime

                at = datetime.fromisoformat(at).replace(tzinfo=UTC)
            ages.append((NOW - at).total_seconds() / 86400)
        want = [
            len(ages),
            round(max(ages), 2) if ages else None,
            round(pystats.median(ages), 2) if ages else None,
        ]
        assert got[key] == want, key
    assert got["listings"] == [6, 5.5, 3.0]
    assert got["demands"] == [3, 5.0, 3.0]
    assert got["verifications"] == [1, 9.0, 9.0]
    assert got["transfers"][0] > 5


def test_bad_filters_are_field_messages():
    with pytest.raises(Exception) as found:
        dashboard.filters(parse("all"), "no_such_domain", "x" * 101)
    assert set(found.value.fields) == {"domain", "region"}


# The page, the downloads and the API ----------------------------------------------------


def test_page_shows_every_figure_in_chinese_for_operators(app, make, ctx, data):
    client = app.test_client(user=make.operator())
    page = client.get(
        "/operator/dashboard?period=2026&domain=new_materials", headers={"Accept-Language": "zh-CN"}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for words in ("运营看板", "转化漏斗", "审核队列", "匹配效果", "经纪人业绩", "新材料"):
        assert words in html, words
    assert "<script>" not in html and "/static/js/statistics.js" in html
    charts = re.findall(r"data-chart='([^']*)'", html)
    assert len(charts) == 5
    spec = json.loads(charts[0].replace("&#34;", '"').replace("&amp;", "&"))
    assert spec["categories"][:2] == ["条目浏览", "咨询"]
    f = dashboard.filters(parse("2026"), "new_materials", None)
    inquiries = dashboard.funnel(ctx, f, NOW)[1][1]
    assert spec["series"][0]["data"][1] == inquiries
    bad = client.get(
        "/operator/dashboard?period=2026Q7&domain=x", headers={"Accept-Language": "zh-CN"}
    )
    assert bad.status_code == 422 and "季度" in bad.get_data(as_text=True)


def test_downloads_and_api_match_the_figures(app, make, ctx, data):
    client = app.test_client(user=make.operator())
    f = dashboard.filters(parse("2026Q4"), None, "宁波")
    want = dashboard.brokers(ctx, f, NOW)
    got = client.get(
        "/operator/dashboard/brokers.csv",
        query_string={"period": "2026Q4", "region": "宁波"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert got.status_code == 200 and got.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "经纪人" and len(rows) == len(want) + 1
    assert [r[2] for r in rows[1:]] == [f"{w[2] / 100:.2f}" for w in want]
    xlsx = client.get("/operator/dashboard/funnel.xlsx?period=2026Q4")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.mimetype
    assert client.get("/operator/dashboard/nope.csv").status_code == 404
    api = client.get(
        "/api/v1/operator/dashboard", query_string={"period": "2026Q4", "region": "宁波"}
    )
    assert api.status_code == 200
    body = api.get_json()
    assert body["region"] == "宁波" and body["domain"] is None
    figures = {x["key"]: x for x in body["figures"]}
    assert set(figures) == set(dashboard.DASHBOARD)
    assert figures["brokers"]["rows"] == want
    one = client.get("/api/v1/operator/dashboard/funnel?period=2026Q4&format=csv")
    assert one.status_code == 200 and one.mimetype == "text/csv"
    assert client.get("/api/v1/operator/dashboard?domain=nope").status_code == 422
    assert client.get("/api/v1/operator/dashboard/nope").status_code == 404


def test_only_operators_see_the_dashboard(app, make, client):
    assert client.get("/operator/dashboard").status_code == 302
    assert client.get("/api/v1/operator/dashboard").status_code == 401
    assert client.get("/api/v1/operator/dashboard/funnel").status_code == 401
    researcher = app.test_client(user=make.user())
    assert researcher.get("/operator/dashboard").status_code == 403
    assert researcher.get("/operator/dashboard/funnel.csv").status_code == 403
    assert researcher.get("/api/v1/operator/dashboard").status_code == 403
    assert researcher.get("/api/v1/operator/dashboard/funnel?format=csv").status_code == 403
