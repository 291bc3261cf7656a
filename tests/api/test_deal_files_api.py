"""Deal attachments: content checks, size limit, storage outside the web root, access."""

import io
import os
import zipfile

import pytest

from tests.api import test_deals_api
from tests.api.test_deals_api import URL, agreed_deal, ok

cast = test_deals_api.cast  # the same cast of users and clients as the deal API tests

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def upload(client, did, content, name):
    return client.post(
        f"{URL}/{did}/attachments",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def test_upload_list_download_by_parties_and_operators(app, cast):
    c = cast
    did = agreed_deal(c)
    a = ok(upload(c["supplier"], did, PDF, "技术说明书.pdf"), 201)
    assert a["content_type"] == "application/pdf" and a["filename"] == "技术说明书.pdf"
    assert a["size"] == len(PDF)
    for who in ("buyer", "supplier", "operator"):
        assert [x["id"] for x in ok(c[who].get(f"{URL}/{did}/attachments"))] == [a["id"]]
        r = c[who].get(f"{URL}/{did}/attachments/{a['id']}")
        assert r.status_code == 200 and r.data == PDF
        assert "attachment" in r.headers["Content-Disposition"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    for who in ("stranger", "researcher"):
        assert c[who].get(f"{URL}/{did}/attachments/{a['id']}").status_code == 404
    timeline = ok(c["buyer"].get(f"{URL}/{did}"))["timeline"]
    assert any(e["action"] == "attachment_added" for e in timeline)


def test_files_live_outside_the_web_root_under_a_random_name(app, cast):
    c = cast
    did = agreed_deal(c)
    a = ok(upload(c["buyer"], did, PNG, "../../etc/passwd.png"), 201)
    assert a["filename"] == "passwd.png"
    folder = os.path.join(app.config["ATTACHMENTS_DIR"], str(did))
    stored = os.listdir(folder)
    assert len(stored) == 1 and "passwd" not in stored[0]
    assert not os.path.abspath(folder).startswith(os.path.abspath(app.static_folder))
    assert c["anonymous"].get(f"/static/{stored[0]}").status_code == 404


@pytest.mark.parametrize(
    "content,name,needle",
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "tool.exe", "Only PDF"),
        (PNG, "scan.pdf", "does not match its name"),
        (b"<script>alert(1)</script>\x00\x01", "note.txt", "Only PDF"),
        (b"", "empty.pdf", "empty"),
        (PDF, "no-extension", "does not match"),
    ],
)
def test_content_is_checked_not_the_name(app, cast, content, name, needle):
    did = agreed_deal(cast)
    r = upload(cast["buyer"], did, content, name)
    assert r.status_code == 422, r.json
    assert needle in str(r.json["error"]["fields"]["file"])


def test_ooxml_and_text_are_accepted(app, cast):
    did = agreed_deal(cast)
    r = ok(upload(cast["buyer"], did, docx_bytes(), "需求说明.docx"), 201)
    assert r["content_type"].endswith("wordprocessingml.document")
    r = ok(upload(cast["buyer"], did, "参数,数值\n温度,-20\n".encode(), "data.csv"), 201)
    assert r["content_type"] == "text/plain"


def test_size_limit(app, cast):
    did = agreed_deal(cast)
    app.config["MAX_ATTACHMENT_BYTES"] = 1024
    try:
        r = upload(cast["buyer"], did, PDF + b"0" * 2048, "big.pdf")
        assert r.status_code == 422 and "MiB" in str(r.json["error"]["fields"]["file"])
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024


def test_missing_file_field_is_422(app, cast):
    did = agreed_deal(cast)
    r = cast["buyer"].post(f"{URL}/{did}/attachments", data={}, content_type="multipart/form-data")
    assert r.status_code == 422
