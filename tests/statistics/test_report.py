"""`flask report market --quarter 2026Q4`: a Chinese PDF with the quarter's figures, its
tables and charts (drawn by ReportLab's graphics), read back with pypdf."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from marketplace.extensions import db
from marketplace.statistics import cache
from marketplace.statistics.periods import parse
from tests.statistics.data import generate


def test_quarterly_report_pdf(app, tmp_path):
    with app.app_context():
        generate(db.session)
        db.session.commit()
        figures = cache.compute(db.session, parse("2026Q4"), datetime.now(UTC))["figures"]
    out = tmp_path / "q4.pdf"
    result = app.test_cli_runner().invoke(
        args=["report", "market", "--quarter", "2026Q4", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert "2026Q4 技术市场统计报告" in text
    assert "统计期间：2026-10-01 至 2026-12-31" in text
    assert "技术合同成交额" in text and "按领域" in text and "技术经纪人业绩" in text
    monthly = figures["monthly"]
    deals = sum(row[5] for row in monthly)
    value = sum(row[6] for row in monthly)
    assert deals > 0
    assert f"{value / 100:,.2f} 元" in text  # the quarter's contract value in the summary
    for row in monthly:
        assert row[0] in text  # each month's row of the table
    # the charts are vector drawings on the pages (bars are filled paths)
    content = b"".join(page.get_contents().get_data() for page in reader.pages)
    assert content.count(b" re f") + content.count(b"re\nf") > 20 or content.count(b" f\n") > 20


def test_report_refuses_what_is_not_a_quarter(app):
    result = app.test_cli_runner().invoke(args=["report", "market", "--quarter", "2026-10"])
    assert result.exit_code != 0 and "2026Q4" in result.output


def test_stats_refresh_command(app):
    result = app.test_cli_runner().invoke(args=["stats", "refresh"])
    assert result.exit_code == 0 and "all" in result.output


def test_the_report_embeds_its_chinese_font(app):
    """STSong-Light was a font the reader had to have (poppler drew boxes): the report now
    carries a subset of WenQuanYi Zen Hei as an embedded TrueType font."""
    from marketplace.web.market_report import quarterly_report

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        pdf = quarterly_report(parse("2026Q4"), datetime(2026, 12, 20, tzinfo=UTC))
    reader = PdfReader(io.BytesIO(pdf))
    embedded = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                embedded.add(str(font["/BaseFont"]).split("+")[-1])
            assert "STSong" not in str(font["/BaseFont"])
    assert embedded == {"WenQuanYiZenHei"}
    assert "技术市场统计报告" in reader.pages[0].extract_text()
    assert len(pdf) < 400_000  # a subset of the glyphs, not the 2 MB font
