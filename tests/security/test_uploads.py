"""Uploads are judged by their bytes: renamed executables and web pages are refused."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Listing
from tests.api import test_deals_api
from tests.api.test_deals_api import URL, agreed_deal, ok
from tests.views.conftest import text

cast = test_deals_api.cast  # the deal API tests' users and clients

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
XML = b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>'

REFUSED_ATTACHMENTS = [
    (EXE, "report.pdf"),
    (EXE, "notes.txt"),
    (EXE, "plan.docx"),
    (ELF, "photo.png"),
    (ZIP, "sheet.xlsx"),  # a ZIP that is no Office document
    (HTML, "notes.txt"),
    (HTML, "readme.md"),
    (HTML, "data.csv"),
    (HTML, "report.pdf"),
    (b"\xef\xbb\xbf  <html><script>alert(1)</script>", "bom.txt"),
    (b"\n\n<SCRIPT>alert(1)</SCRIPT>", "upper.txt"),
    (b"<iframe src=//evil.example></iframe>", "frame.txt"),
    (SVG, "logo.txt"),
    (XML, "data.txt"),
    # Missed before the outside review: any doctype, any processing instruction, any
    # namespaced root (tests/security/test_review_findings.py has every form).
    (b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>', "doctype.txt"),
    (b'<?xml-stylesheet type="text/xsl" href="x.xsl"?><r/>', "stylesheet.txt"),
    (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "rdf.txt"),
]


def upload(client, did, content, name):
    return client.post(
        f"{URL}/{did}/attachments",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("content,name", REFUSED_ATTACHMENTS)
def test_renamed_executables_and_web_pages_are_refused_as_attachments(cast, content, name):
    did = agreed_deal(cast)
    r = upload(cast["buyer"], did, content, name)
    assert r.status_code == 422, (name, r.json)
    assert "file" in r.json["error"]["fields"]
    assert ok(cast["buyer"].get(f"{URL}/{did}/attachments")) == []


def test_the_deal_page_refuses_a_web_page_with_a_form_message(app, cast):
    did = agreed_deal(cast)
    r = cast["buyer"].post(
        f"/deals/{did}/attachments",
        data={"file": (io.BytesIO(HTML), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "field-error" in text(r) and "<script>alert(document.cookie)" not in text(r)


def test_text_that_merely_mentions_tags_is_still_text(cast):
    did = agreed_deal(cast)
    body = "实验记录\n第 3 步：把 <b> 标签写进说明里也没关系。\n".encode()
    r = ok(upload(cast["buyer"], did, body, "记录.txt"), 201)
    assert r["content_type"] == "text/plain"


def test_downloads_cannot_render_in_the_browser(cast):
    did = agreed_deal(cast)
    a = ok(upload(cast["buyer"], did, b"plain words\n", "note.txt"), 201)
    r = cast["supplier"].get(f"{URL}/{did}/attachments/{a['id']}")
    assert r.status_code == 200
    assert r.mimetype == "text/plain"
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")


def import_upload(client, content: bytes, filename: str):
    return client.post(
        "/import",
        data={"kind": "listings", "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    "content,filename",
    [
        (EXE, "patents.csv"),
        (EXE, "patents.jsonl"),
        (EXE, "patents.xlsx"),
        (ELF, "patents.jsonl"),
        (ZIP, "patents.csv"),
        (HTML, "patents.csv"),
        (HTML, "patents.jsonl"),
        (HTML, "patents.xlsx"),
        (b"\xff\xfe\x00t\x00i\x00t\x00l\x00e", "patents.csv"),  # UTF-16, not UTF-8
    ],
)
def test_imports_refuse_files_whose_content_is_not_their_format(app, make, content, filename):
    client = app.test_client(user=make.user())
    r = import_upload(client, content, filename)
    assert r.status_code == 422, filename
    assert "field-error" in text(r)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Listing)) == 0


def test_the_command_line_import_checks_content_too(app, tmp_path):
    from marketplace.catalog import imports
    from marketplace.core.errors import Invalid

    path = tmp_path / "patents.jsonl"
    path.write_bytes(EXE)
    with app.app_context(), pytest.raises(Invalid) as err:
        imports.import_file(db.session, "listings", str(path), path.name)
    assert "not JSON Lines text" in err.value.message
