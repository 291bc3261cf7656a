"""The statistics page, its downloads and the API: what a visitor and a client get."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

from openpyxl import load_workbook

from marketplace.extensions import db
from marketplace.models import StatisticsSnapshot
from marketplace.statistics import cache
from marketplace.statistics.periods import parse
from tests.statistics.data import generate

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _data(app):
    with app.app_context():
        generate(db.session)
        db.session.commit()


def test_page_draws_each_figure_with_its_table_in_chinese(app, client):
    _data(app)
    page = client.get("/statistics?period=2026", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "市场统计" in html and "按月" in html and "按领域" in html
    assert "/static/vendor/echarts/echarts.min.js" in html and "/static/js/statistics.js" in html
    assert "<script>" not in html  # no inline script under the CSP
    charts = re.findall(r"data-chart='([^']*)'", html)
    assert len(charts) >= 5
    spec = json.loads(charts[0].replace("&#34;", '"').replace("&amp;", "&"))
    assert spec["type"] == "line" and len(spec["categories"]) == 12
    assert {s["kind"] for s in spec["series"]} == {"count", "money"}
    csp = page.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )


def test_a_bad_period_is_a_form_message_not_an_error(client):
    page = client.get("/statistics?period=2026Q5", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    assert "季度" in page.get_data(as_text=True)


def test_figures_download_as_csv_and_xlsx(app, client):
    _data(app)
    with app.app_context():
        expected = cache.compute(db.session, parse("2026Q4"))["figures"]["by_domain"]
    got = client.get(
        "/statistics/by_domain.csv?period=2026Q4", headers={"Accept-Language": "zh-CN"}
    )
    assert got.status_code == 200 and got.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "领域" and rows[0][6] == "技术合同成交额（元）"
    assert len(rows) - 1 == len(expected)
    value_col = 6
    assert [f"{row[value_col] / 100:.2f}" for row in expected] == [r[value_col] for r in rows[1:]]
    book = client.get("/statistics/by_domain.xlsx?period=2026Q4")
    sheet = load_workbook(io.BytesIO(book.data)).active
    assert sheet.max_row == len(expected) + 1
    assert client.get("/statistics/nope.csv").status_code == 404
    assert client.get("/statistics/by_domain.pdf").status_code == 404


def test_api_answers_the_cached_figures_of_a_period(app, client):
    _data(app)
    got = client.get("/api/v1/statistics?period=2026Q4")
    assert got.status_code == 200
    body = got.get_json()
    assert (
        body["period"] == "2026Q4" and body["start"] == "2026-10-01" and body["end"] == "2027-01-01"
    )
    figures = {f["key"]: f for f in body["figures"]}
    assert set(figures) >= {
        "monthly",
        "by_domain",
        "by_region",
        "by_transfer_mode",
        "timing",
        "brokers",
    }
    monthly = figures["monthly"]
    assert [c["key"] for c in monthly["columns"]][:2] == ["month", "listings_published"]
    assert [r[0] for r in monthly["rows"]] == ["2026-10", "2026-11", "2026-12"]
    with app.app_context():
        row = db.session.query(StatisticsSnapshot).filter_by(period="2026Q4").one()
        assert row.payload["figures"]["monthly"] == monthly["rows"]
    one = client.get("/api/v1/statistics/by_region?period=2026Q4").get_json()
    assert one["rows"] == figures["by_region"]["rows"]
    assert client.get("/api/v1/statistics/by_region?period=2026Q4&format=xlsx").status_code == 200
    assert client.get("/api/v1/statistics?period=26Q4").status_code == 422
    assert client.get("/api/v1/statistics/nope").status_code == 404


def test_the_cache_is_used_until_it_is_old(app, ctx):
    period = parse("2026")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    first = cache.get(ctx, period, now=now)
    generate(ctx)
    ctx.commit()
    assert cache.get(ctx, period, now=now) == first  # cached: the new rows are not seen yet
    later = datetime(2026, 12, 1, 0, 16, tzinfo=UTC)
    fresh = cache.get(ctx, period, now=later, max_age=900)
    assert fresh != first and fresh["computed_at"] == later.isoformat()
    assert "2026" in cache.refresh(ctx, now=later)


def test_the_worker_refreshes_the_cache_when_due(app, ctx):
    from sqlalchemy import select

    from marketplace.cli.search import statistics_refresher

    assert cache.refresh_if_due(ctx, max_age=900) is True
    keys = set(ctx.scalars(select(StatisticsSnapshot.period)))
    assert "all" in keys and len(keys) == 7  # all, this and last year, quarter, month
    assert cache.refresh_if_due(ctx, max_age=900) is False
    ctx.query(StatisticsSnapshot).delete()
    ctx.commit()
    refresh = statistics_refresher(check_seconds=3600)
    refresh()
    assert ctx.scalar(select(StatisticsSnapshot.id).where(StatisticsSnapshot.period == "all"))
    ctx.query(StatisticsSnapshot).delete()
    ctx.commit()
    refresh()  # checked a moment ago: nothing until check_seconds have passed
    assert ctx.scalar(select(StatisticsSnapshot.id)) is None
