"""Uploading a file of listings or demands."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from tests.views.conftest import field_error, text

imports = pytest.importorskip(
    "marketplace.catalog.imports", reason="the import service is written in parallel"
)


def test_import_page_is_for_members(app, client, make):
    assert client.get("/import").status_code == 302
    assert app.test_client(user=make.operator()).get("/import").status_code == 403
    assert app.test_client(user=make.user()).get("/import").status_code == 200


def test_import_needs_a_kind_and_a_file(english, make):
    response = english(make.user()).post("/import", data={})
    assert response.status_code == 422
    html = text(response)
    assert "Choose listings or demands." in html and "Choose a file to upload." in html


DEMAND_LINE = {
    "id": "UP001",
    "title": "精密零件加工早上和下午尺寸不一样",
    "description": "想找办法让机床开起来就稳定。",
    "enterprise": "宁波博达科技有限公司",
    "region": "宁波",
    "domain": "mechanical_parts",
    "budget_min_cny": 100000,
    "budget_max_cny": 300000,
    "cooperation_modes": ["co_development"],
    "deadline": "2027-06-30",
    "language": "zh",
}


def upload(client, kind: str, lines: list[dict], filename: str = "upload.jsonl"):
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    return client.post(
        "/import",
        data={"kind": kind, "file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
    )


def test_member_upload_goes_to_the_review_queue_under_their_organization(app, make, english):
    from marketplace.models import Demand

    member = make.user("enterprise_member")
    client = english(member)
    bad = dict(DEMAND_LINE, id="UP002", domain="not_a_domain")
    response = upload(client, "demands", [DEMAND_LINE, bad])
    assert response.status_code == 200
    html = text(response)
    assert "<dt>Created</dt><dd>1</dd>" in html and "<dt>Failed</dt><dd>1</dd>" in html
    with app.app_context():
        demand = db.session.scalars(select(Demand)).one()
        assert demand.status == "pending_review"
        assert demand.source == f"upload-{member.organization_id}"
        assert demand.organization_id == member.organization_id

    again = text(upload(client, "demands", [DEMAND_LINE]))
    assert "<dt>Unchanged</dt><dd>1</dd>" in again


def test_an_unknown_file_type_is_a_field_error(english, make):
    response = upload(english(make.user("enterprise_member")), "demands", [DEMAND_LINE], "a.txt")
    assert response.status_code == 422
    html = text(response)
    assert 'class="field has-error"' in html and ".jsonl" in " ".join(field_error(html))
    assert "Import report" not in html
