"""The quarterly market report (市场统计季报) as a PDF a bureau can file: Chinese text, each
figure's chart drawn with ReportLab's own graphics (vector, no image library) and its
table, the quarter beside the one before. Fonts, page frame and tables are paper.py's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale

from marketplace.extensions import db
from marketplace.models.types import utcnow
from marketplace.statistics import cache
from marketplace.statistics.figures import FIGURES, Figure
from marketplace.statistics.periods import ZONE, Period
from marketplace.web import paper
from marketplace.web import statistics as stats_web

COLORS = ("#2f6fb2", "#e07b39", "#3a9a5b", "#c4473d", "#7d5ba6", "#8c6d3f", "#d16fae")
# The report's charts: which figures, which value columns, at most how many rows.
CHARTS = {
    "monthly": (("listings_published", "demands_posted", "deals_agreed"), 12),
    "by_domain": (("contract_value",), 12),
    "by_region": (("contract_value",), 10),
    "by_transfer_mode": (("contract_value",), 6),
    "brokers": (("contract_value",), 10),
    "auctions": (("hammer_total",), 12),
    "challenges": (("bounty_escrowed",), 12),
}
SUMMARY = (
    ("listings_published", "发布技术成果"),
    ("listings_transferred", "成果转化（签约）"),
    ("demands_posted", "发布技术需求"),
    ("demands_met", "需求对接成功"),
    ("deals_agreed", "签订技术合同"),
    ("contract_value", "技术合同成交额"),
    ("released_value", "向供给方放款"),
)


def _totals(payload: dict[str, Any]) -> dict[str, int]:
    figure = FIGURES["monthly"]
    keys = [c.key for c in figure.values]
    out = dict.fromkeys(keys, 0)
    for row in payload["figures"].get("monthly", []):
        for key, value in zip(keys, row[1:], strict=True):
            out[key] += int(value or 0)
    return out


def _fmt(key: str, value: int) -> str:
    if key.endswith("_value"):
        return f"{value / 100:,.2f} 元"
    return f"{value:,}"


def _change(now: int, before: int) -> str:
    if not before:
        return "—"
    return f"{(now - before) / before * 100:+.1f}%"


def _bar_chart(figure: Figure, rows: list[list[Any]], columns: tuple[str, ...], limit: int):
    """A grouped bar chart of ``columns`` over the first ``limit`` rows (money in 万元)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    index = {c.key: i for i, c in enumerate(figure.columns)}
    rows = rows[:limit]
    money = all(figure.columns[index[c]].kind == "money" for c in columns)
    drawing = Drawing(480, 210)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 45, 55, 420, 125
    data = []
    for key in columns:
        values = [float(row[index[key]] or 0) for row in rows]
        data.append([v / 1_000_000 for v in values] if money else values)
    chart.data = data
    chart.categoryAxis.categoryNames = [
        stats_web.dimension_text(figure.dimension, row[0])[:8] for row in rows
    ]
    chart.categoryAxis.labels.fontName = paper.FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 30 if len(rows) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(rows) > 6 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = paper.FONT
    top = max((max(series) for series in data if series), default=0)
    chart.valueAxis.valueMax = top * 1.15 if top else 1
    for i in range(len(columns)):
        chart.bars[i].fillColor = colors.HexColor(COLORS[i % len(COLORS)])
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    drawing.add(String(5, 195, "万元" if money else "数量", fontName=paper.FONT, fontSize=7))
    legend = Legend()
    legend.x, legend.y = 60, 205
    legend.fontName = paper.FONT
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 6
    legend.colorNamePairs = [
        (colors.HexColor(COLORS[i % len(COLORS)]), stats_web.heading(figure.columns[index[key]]))
        for i, key in enumerate(columns)
    ]
    drawing.add(legend)
    return drawing


def _figure_table(figure: Figure, rows: list[list[Any]], styles: dict):
    from reportlab.lib.units import mm

    table = stats_web.table(figure, rows)
    width = 174 * mm
    first = 34 * mm
    rest = (width - first) / max(1, len(figure.columns) - 1)
    return paper._table(
        [table["headings"]] + table["rows"],
        {**styles, "body": styles["small"]},
        [first] + [rest] * (len(figure.columns) - 1),
        header=True,
    )


def market_pdf(
    period: Period, payload: dict[str, Any], previous: dict[str, Any] | None, now: datetime
) -> bytes:
    """The report of ``period`` (a quarter; a year or a month would do) from its figures, compared
    with ``previous`` (the period before) when given."""
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, Paragraph, Spacer

    title = f"科技大市场 {period.key} 技术市场统计报告"
    totals = _totals(payload)
    before = _totals(previous) if previous else None

    def build(s: dict) -> list:
        out: list = [
            Paragraph(paper._escape(title), s["title"]),
            Spacer(1, 4 * mm),
            Paragraph(
                paper._escape(
                    f"统计期间：{period.start} 至 {period.end - timedelta(days=1)}（北京时间）；"
                    f"数据生成时间：{now.astimezone(ZONE):%Y-%m-%d %H:%M}。"
                    "口径：技术合同成交额为期内签订且未取消之交易的合同金额（人民币）；"
                    "放款为期内向供给方放款（扣除平台服务费及佣金）。"
                ),
                s["body"],
            ),
            Spacer(1, 3 * mm),
            Paragraph("一、总体情况", s["h"]),
        ]
        summary = [["指标", "本期", "上期", "环比"]] + [
            [
                text,
                _fmt(key, totals[key]),
                _fmt(key, before[key]) if before else "—",
                _change(totals[key], before[key]) if before else "—",
            ]
            for key, text in SUMMARY
        ]
        out.append(paper._table(summary, s, [58 * mm, 42 * mm, 42 * mm, 32 * mm], header=True))
        for number, (key, figure) in enumerate(FIGURES.items(), start=2):
            rows = payload["figures"].get(key, [])
            out += [
                CondPageBreak(90 * mm),
                Paragraph(
                    f"{_chinese_number(number)}、{paper._escape(stats_web.table(figure, [])['title'])}",
                    s["h"],
                ),
            ]
            if not rows:
                out.append(Paragraph("本期无数据。", s["body"]))
                continue
            if key in CHARTS:
                columns, limit = CHARTS[key]
                out.append(_bar_chart(figure, rows, columns, limit))
            out.append(_figure_table(figure, rows, s))
        out += [
            Spacer(1, 8 * mm),
            Paragraph(
                "填报单位（盖章）：　　　　　　　　　　　负责人：　　　　　　　　填报日期：",
                s["body"],
            ),
        ]
        return out

    return paper._pdf(title, build, f"{title} · TechMarket 科技大市场")


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九十"
    if n <= 10:
        return digits[n]
    return "十" + digits[n - 10] if n < 20 else str(n)


def quarterly_report(period: Period, now: datetime | None = None) -> bytes:
    """Compute (fresh) the period's and the previous period's figures and draw the PDF,
    in Chinese whatever the caller's language."""
    now = now or utcnow()
    with force_locale("zh_CN"):
        payload = cache.compute(db.session, period, now)
        prev_period = period.previous()
        previous = cache.compute(db.session, prev_period, now) if prev_period else None
        return market_pdf(period, payload, previous, now)
