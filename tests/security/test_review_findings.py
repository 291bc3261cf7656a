"""The small findings of the outside review: leaks, noise and missed markup forms."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from marketplace.brokers.earnings import spreadsheet_cell, to_csv, to_xlsx
from marketplace.core.content_check import looks_like_markup
from search.queries import encode_cursor
from tests.search import conftest as search_conftest
from tests.search.conftest import refresh

# The search tests' fixtures: a local search server and an app that indexes into it.
search_server = search_conftest.search_server
search_app = search_conftest.search_app
embedder_name = search_conftest.embedder_name

# --- a crafted search cursor ---------------------------------------------------------

CRAFTED_CURSORS = [
    encode_cursor(["not-a-number", "x"]),
    encode_cursor(["a", "b", "c", "d", "e", "f"]),
    encode_cursor([1e308, -1e308]),
    encode_cursor(["2026-99-99", None]),
    encode_cursor([]),
]
ES_NAMES = ("exception", "search_phase", "number_format", "illegal_argument", "x_content")


@pytest.mark.parametrize("cursor", CRAFTED_CURSORS)
def test_a_crafted_cursor_never_shows_elasticsearchs_error(search_app, make, cursor):
    make.listing(make.user("researcher"), status="published")
    refresh(search_app)
    client = search_app.test_client()
    for sort in ("relevance", "newest", "price_asc"):
        r = client.get("/api/v1/search/listings", query_string={"cursor": cursor, "sort": sort})
        assert r.status_code in (200, 422), r.data
        body = r.get_data(as_text=True).lower()
        assert not any(name in body for name in ES_NAMES), body


def test_a_cursor_nested_too_deep_is_422(search_app):
    import base64

    deep = base64.urlsafe_b64encode(b"[" * 20_000 + b"]" * 20_000).decode().rstrip("=")
    r = search_app.test_client().get("/api/v1/search/listings", query_string={"cursor": deep})
    assert r.status_code == 422 and "cursor" in r.json["error"]["fields"]


# --- exports: empty cells stay empty -------------------------------------------------

ROW = ["", None, "=HYPERLINK(1)", "+1", "-2", "@SUM", "\tx", "plain", 12, "a=b"]
GUARDED = ["", None, "'=HYPERLINK(1)", "'+1", "'-2", "'@SUM", "'\tx", "plain", 12, "a=b"]


def test_empty_cells_stay_empty_and_formulas_are_neutralised():
    assert [spreadsheet_cell(v) for v in ROW] == GUARDED
    rows = list(csv.reader(io.StringIO(to_csv(tuple("abcdefghij"), [ROW]))))
    assert rows[1][0] == "" and rows[1][1] == ""
    assert rows[1][2] == "'=HYPERLINK(1)" and rows[1][7] == "plain"
    sheet = load_workbook(io.BytesIO(to_xlsx(tuple("abcdefghij"), [ROW], "t"))).active
    cells = [c.value for c in sheet[2]]
    assert cells[0] is None and cells[1] is None  # openpyxl reads an empty cell as None
    assert cells[2] == "'=HYPERLINK(1)" and cells[8] == 12


def test_a_new_brokers_ranking_row_exports_empty_cells_empty():
    # A broker with no mediated deal has no median time, dispute rate or rating: those
    # cells were written as a lone ' each.
    from types import SimpleNamespace

    from marketplace.brokers import stats

    profile = SimpleNamespace(
        user_id=7, display_name="王芳", certificate_number="", domains=[], regions=[]
    )
    table = stats.ranking_rows([(profile, stats.Performance(broker_id=7))])
    lines = to_csv(stats.RANKING_COLUMNS, table).splitlines()
    assert "'" not in lines[1], lines[1]


# --- uploads: every XML / SVG / HTML form --------------------------------------------

MARKUP_FORMS = {
    "doctype svg": b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>',
    "xml stylesheet": b'<?xml-stylesheet type="text/xsl" href="x.xsl"?><r/>',
    "rdf": b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>',
    "xml declaration": b'<?xml version="1.0"?><r/>',
    "doctype html": b"<!doctype html><p>x",
    "doctype other": b"<!DOCTYPE note SYSTEM 'x.dtd'><note/>",
    "entity": b'<!ENTITY x "y">',
    "comment then svg": b"<!-- made by hand --><svg onload=alert(1)>",
    "namespaced svg": b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>',
    "namespaced script": b'<html:script xmlns:html="http://www.w3.org/1999/xhtml">1</html:script>',
    "xhtml root": b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
    "svg": b"<svg><script>alert(1)</script></svg>",
    "math": b"<math><mi>x</mi></math>",
    "unknown element": b"<foo:bar xmlns:foo='urn:x'/>",
    "closing tag first": b"</title><script>alert(1)</script>",
    "processing instruction": b"<?php echo 1; ?>",
    "cdata": b"<![CDATA[<script>alert(1)</script>]]>",
    "whitespace and bom": b"\xef\xbb\xbf \r\n\t<svg/>",
    "uppercase": b"<SVG ONLOAD=alert(1)>",
    "non-ascii element": "<文档><script>alert(1)</script></文档>".encode(),
}
TEXT = {
    "chinese prose": "实验记录：把 <b> 写进说明里也没关系。".encode(),
    "less-than sign": b"< 5 mg per litre",
    "arrow": b"<- from here",
    "number": b"<3 kg",
    "csv": b"title,price\n<svg>,1\n",
}


@pytest.mark.parametrize("form", sorted(MARKUP_FORMS))
def test_every_markup_form_is_refused(form):
    assert looks_like_markup(MARKUP_FORMS[form]), form


@pytest.mark.parametrize("form", sorted(TEXT))
def test_text_is_still_text(form):
    assert not looks_like_markup(TEXT[form]), form
