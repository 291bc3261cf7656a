"""Files attached to a proposal: the deal files' checks, the proposal's confidentiality
(its team, the poster, operators; anyone else a 404), closed once the proposal is
decided, at most MAX_FILES; through the API and the pages."""

from __future__ import annotations

import io
import os

import pytest

from marketplace.challenges import award
from marketplace.challenges import files as proposal_files
from marketplace.extensions import db
from tests.challenges.fixtures import close, propose, user, verified_solver, walk

URL = "/api/v1/challenges/proposals"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def _upload(client, pid, content=PDF, name="检测报告.pdf"):
    return client.post(
        f"{URL}/{pid}/files",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def scene(app, make):
    people = {
        "poster": make.user("enterprise_member"),
        "operator": make.operator(),
        "uni": verified_solver(make, "university"),
        "uni2": verified_solver(make, "institute"),
    }
    people["colleague"] = make.user("researcher", organization=people["uni"].organization)
    people["poster_colleague"] = make.user(
        "enterprise_member", organization=people["poster"].organization
    )
    people["stranger"] = make.user("enterprise_member")
    with app.app_context():
        cid = walk(db.session, people["poster"], people["operator"], "open")
        p1 = propose(db.session, people["uni"], cid, 800_000, "甲方案")
        p2 = propose(db.session, people["uni2"], cid, 600_000, "乙方案")
    clients = {k: app.test_client(user=u) for k, u in people.items()}
    clients["anonymous"] = app.test_client()
    return people, clients, cid, p1, p2


def test_the_team_attaches_and_only_those_who_read_the_proposal_get_the_file(app, scene):
    people, c, cid, p1, p2 = scene
    r = _upload(c["uni"], p1)
    assert r.status_code == 201, r.get_json()
    f = r.get_json()
    assert f["filename"] == "检测报告.pdf" and f["content_type"] == "application/pdf"
    assert f["size"] == len(PDF) and f["proposal_id"] == p1
    for who in ("uni", "colleague", "poster", "poster_colleague", "operator"):
        listed = c[who].get(f"{URL}/{p1}/files")
        assert [x["id"] for x in listed.get_json()] == [f["id"]], who
        got = c[who].get(f"{URL}/{p1}/files/{f['id']}")
        assert got.status_code == 200 and got.data == PDF, who
        assert "attachment" in got.headers["Content-Disposition"]
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Cache-Control"] == "private, no-store"
        assert [x["id"] for x in c[who].get(f"{URL}/{p1}").get_json()["files"]] == [f["id"]]
    # Another solver, a stranger: the proposal and its files do not exist for them.
    for who in ("uni2", "stranger"):
        assert c[who].get(f"{URL}/{p1}/files").status_code == 404, who
        assert c[who].get(f"{URL}/{p1}/files/{f['id']}").status_code == 404, who
        assert _upload(c[who], p1).status_code == 404, who
    assert c["anonymous"].get(f"{URL}/{p1}/files/{f['id']}").status_code == 401
    # A file of one proposal is not reachable through another.
    assert c["uni2"].get(f"{URL}/{p2}/files/{f['id']}").status_code == 404
    # Readers who are not the team do not attach.
    for who in ("poster", "operator"):
        r = _upload(c[who], p1)
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden", who
    # Stored outside the web root under a random name.
    folder = os.path.join(app.config["ATTACHMENTS_DIR"], "proposals", str(p1))
    stored = os.listdir(folder)
    assert len(stored) == 1 and "检测" not in stored[0]


def test_the_upload_checks_of_deal_files(app, scene):
    people, c, cid, p1, _ = scene
    html = _upload(c["uni"], p1, b"<html><script>alert(1)</script></html>", "a.txt")
    assert html.status_code == 422 and "file" in html.get_json()["error"]["fields"]
    renamed = _upload(c["uni"], p1, PDF, "report.png")
    assert renamed.status_code == 422 and "file" in renamed.get_json()["error"]["fields"]
    empty = _upload(c["uni"], p1, b"", "empty.pdf")
    assert empty.status_code == 422
    app.config["MAX_ATTACHMENT_BYTES"] = 64
    try:
        big = _upload(c["uni"], p1, PDF + b"0" * 100, "big.pdf")
    finally:
        app.config.pop("MAX_ATTACHMENT_BYTES")
    assert big.status_code == 422 and "file" in big.get_json()["error"]["fields"]
    missing = c["uni"].post(f"{URL}/{p1}/files", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert c["uni"].get(f"{URL}/{p1}/files").get_json() == []


def test_at_most_max_files(app, scene, monkeypatch):
    people, c, cid, p1, _ = scene
    monkeypatch.setattr(proposal_files, "MAX_FILES", 2)
    assert _upload(c["uni"], p1).status_code == 201
    assert _upload(c["colleague"], p1, name="图纸.pdf").status_code == 201
    third = _upload(c["uni"], p1, name="third.pdf")
    assert third.status_code == 409 and third.get_json()["error"]["code"] == "too_many_files"


def test_no_file_changes_once_the_proposal_is_decided(app, scene):
    people, c, cid, p1, p2 = scene
    assert _upload(c["uni"], p1).status_code == 201
    with app.app_context():
        close(db.session, people["poster"], cid)
        award.award(
            db.session, user(people["poster"]), cid, [{"proposal_id": p1}], {p2: "路线不可行"}
        )
    for who, pid in (("uni", p1), ("uni2", p2)):
        late = _upload(c[who], pid)
        assert late.status_code == 409 and late.get_json()["error"]["code"] == "proposal_decided", (
            who
        )
    # The record stays readable.
    assert len(c["poster"].get(f"{URL}/{p1}/files").get_json()) == 1


def test_the_proposal_page_attaches_and_lists_the_files(app, scene):
    people, c, cid, p1, _ = scene
    page = c["uni"].get(f"/challenges/proposals/{p1}").get_data(as_text=True)
    assert "附件" in page and 'type="file"' in page
    bad = c["uni"].post(
        f"/challenges/proposals/{p1}/files",
        data={"file": (io.BytesIO(b"<svg onload=x></svg>"), "x.txt")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "field-error" in bad.get_data(as_text=True)
    done = c["uni"].post(
        f"/challenges/proposals/{p1}/files",
        data={"file": (io.BytesIO(PDF), "检测报告.pdf")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 303
    page = c["uni"].get(f"/challenges/proposals/{p1}").get_data(as_text=True)
    assert "检测报告.pdf" in page
    evaluate = c["poster"].get(f"/challenges/{cid}/evaluate").get_data(as_text=True)
    assert "检测报告.pdf" in evaluate
    # The poster reads the file but is offered no upload; other solvers get nothing.
    poster_page = c["poster"].get(f"/challenges/proposals/{p1}").get_data(as_text=True)
    assert "检测报告.pdf" in poster_page and 'type="file"' not in poster_page
    assert c["uni2"].get(f"/challenges/proposals/{p1}").status_code == 404
    file_link = c["poster"].get(f"{URL}/{p1}/files").get_json()[0]["id"]
    assert c["uni2"].get(f"/challenges/proposals/{p1}/files/{file_link}").status_code == 404
    assert c["poster"].get(f"/challenges/proposals/{p1}/files/{file_link}").data == PDF
