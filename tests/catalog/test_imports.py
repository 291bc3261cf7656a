"""Bulk import: every dev record goes in, re-imports change nothing, bad lines are reported
with their line numbers while the good ones go in, CSV and XLSX mean the same as JSONL."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.catalog import imports
from marketplace.core.errors import Forbidden, Invalid
from marketplace.core.validators import cn_check_digit
from marketplace.models import Demand, Listing, Organization, User
from tests.paths import DEV_DATA

DEV = DEV_DATA


def dev_lines(name: str) -> list[dict]:
    path = DEV / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
        + "\n",
        encoding="utf-8",
    )
    return path


def run(session, kind: str, path: Path, **kw) -> imports.ImportReport:
    return imports.import_file(session, kind, path, path.name, **kw)


def patent_line(i: int, **overrides) -> dict:
    digits = f"2022{1}{i:07d}"
    line = {
        "id": f"T{i:04d}",
        "patent_number": f"CN{digits}.{cn_check_digit(digits)}",
        "title": f"一种测试用复合材料及其制备方法 {i}",
        "abstract": "本发明公开了一种复合材料。" * 30,
        "claims": "一种复合材料，其特征在于……",
        "ipc": ["C08L63/00"],
        "applicant": "测试理工大学",
        "inventors": ["张三"],
        "filing_date": "2022-03-01",
        "patent_type": "invention",
        "legal_status": "granted",
        "trl": 5,
        "transfer_modes": ["assignment"],
        "price_type": "fixed",
        "price_cny": 1000 + i,
        "region": "宁波",
        "domain": "new_materials",
        "language": "zh",
    }
    line.update(overrides)
    return line


def test_dev_patents_all_imported_and_mapped(ctx, tmp_path):
    lines = dev_lines("patents.jsonl")
    report = run(ctx, "listings", DEV / "patents.jsonl")
    assert (report.created, report.updated, report.unchanged, report.errors) == (
        len(lines),
        0,
        0,
        [],
    )
    assert report.total == len(lines)
    rows = {
        r.external_id: r for r in ctx.scalars(select(Listing).where(Listing.source == "import"))
    }
    assert set(rows) == {line["id"] for line in lines}
    for line in lines:
        row = rows[line["id"]]
        assert row.title == line["title"]
        assert row.description == line["abstract"]
        assert line["abstract"].startswith(row.summary.rstrip("…")) and len(row.summary) <= 200
        assert row.price_amount == (None if line["price_cny"] is None else line["price_cny"] * 100)
        assert (row.domain, row.trl, row.region) == (line["domain"], line["trl"], line["region"])
        assert row.transfer_modes == line["transfer_modes"]
        assert row.organization.name == line["applicant"]
        assert row.status == "pending_review" and row.submitted_at is not None
        [patent] = row.patents
        assert patent.patent_number == line["patent_number"]
        assert patent.ipc_codes == line["ipc"] and patent.inventors == line["inventors"]
        assert patent.first_claim == line["claims"]
        assert patent.filing_date == date.fromisoformat(line["filing_date"])
    kinds = dict(ctx.execute(select(Organization.name, Organization.kind)).all())
    assert all(kind in ("university", "institute") for kind in kinds.values())
    assert any("大学" in name and kind == "university" for name, kind in kinds.items())


def test_dev_demands_all_imported_and_mapped(ctx):
    lines = dev_lines("demands.jsonl")
    report = run(ctx, "demands", DEV / "demands.jsonl")
    assert (report.created, report.failed) == (len(lines), 0)
    rows = {r.external_id: r for r in ctx.scalars(select(Demand))}
    for line in lines:
        row = rows[line["id"]]
        assert row.budget_min == line["budget_min_cny"] * 100
        assert row.budget_max == line["budget_max_cny"] * 100
        assert row.cooperation_modes == line["cooperation_modes"]
        assert row.deadline == date.fromisoformat(line["deadline"])
        assert row.organization.name == line["enterprise"]
        assert row.organization.kind == "enterprise"


@pytest.mark.parametrize(
    ("kind", "name"), [("listings", "patents.jsonl"), ("demands", "demands.jsonl")]
)
def test_second_run_changes_nothing(ctx, kind, name):
    lines = dev_lines(name)
    model = Listing if kind == "listings" else Demand
    run(ctx, kind, DEV / name, publish=True)
    before = dict(ctx.execute(select(model.external_id, model.updated_at)).all())
    report = run(ctx, kind, DEV / name, publish=True)
    assert (report.created, report.updated, report.unchanged, report.failed) == (
        0,
        0,
        len(lines),
        0,
    )
    ctx.expire_all()
    assert dict(ctx.execute(select(model.external_id, model.updated_at)).all()) == before


def test_changed_line_updates_its_record(ctx, tmp_path):
    lines = [patent_line(i) for i in range(1, 4)]
    path = write_jsonl(tmp_path / "a.jsonl", lines)
    run(ctx, "listings", path, publish=True)
    first = ctx.scalar(select(Listing).where(Listing.external_id == "T0001"))
    version, listing_id = first.version, first.id
    lines[0]["title"] = "一种改进后的复合材料"
    lines[0]["price_cny"] = 5000
    lines[1]["claims"] = "一种改进的复合材料，其特征在于……"  # only the patent changes
    report = run(ctx, "listings", write_jsonl(path, lines), publish=False)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    ctx.expire_all()
    row = ctx.get(Listing, listing_id)
    assert (row.title, row.price_amount, row.version) == (
        "一种改进后的复合材料",
        500_000,
        version + 1,
    )
    assert row.status == "published"  # an update keeps the status
    second = ctx.scalar(select(Listing).where(Listing.external_id == "T0002"))
    assert second.patents[0].first_claim == "一种改进的复合材料，其特征在于……"
    assert ctx.scalar(select(func.count()).select_from(Listing)) == 3


def test_bad_lines_reported_good_lines_imported(ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 3)  # several batches and commits
    good = patent_line(1)
    wrong_digit = patent_line(3)
    number = wrong_digit["patent_number"]
    wrong_digit["patent_number"] = number[:-1] + ("1" if number[-1] == "0" else "0")
    no_id = patent_line(6)
    del no_id["id"]
    lines = [
        good,
        '{"id": "T0002", "title": ',
        wrong_digit,
        patent_line(4, domain="quantum_cooking"),
        patent_line(5, trl=12),
        no_id,
        "",
        patent_line(7, ipc="H01M"),
        patent_line(8),
        patent_line(9, id="T0001"),
    ]
    report = run(ctx, "listings", write_jsonl(tmp_path / "bad.jsonl", lines))
    errors = {e.line: e for e in report.errors}
    assert sorted(errors) == [2, 3, 4, 5, 6, 8, 10]
    assert errors[2].message.startswith("Not valid JSON")
    assert errors[3].external_id == "T0003"
    assert errors[3].message.startswith("patent_number: Wrong check digit")
    assert errors[4].message.startswith("domain: Must be one of")
    assert errors[5].message == "trl: TRL is between 1 and 9."
    assert errors[6].message.startswith("id: Missing")
    assert errors[8].message.startswith("ipc")
    assert "line 1" in errors[10].message
    assert (report.created, report.failed, report.total) == (2, 7, 9)
    ids = set(ctx.scalars(select(Listing.external_id)))
    assert ids == {"T0001", "T0008"}


def test_database_refusal_loses_only_that_line(ctx, tmp_path, monkeypatch):
    # Without the service's price check a fixed price without amount reaches the database,
    # whose CHECK constraint refuses it inside the batch: the batch falls back to one
    # SAVEPOINT per line, and the other lines still go in.
    monkeypatch.setattr(imports.listings, "check_price", lambda data: None)
    lines = [patent_line(1), patent_line(2, price_cny=None), patent_line(3)]
    report = run(ctx, "listings", write_jsonl(tmp_path / "db.jsonl", lines))
    assert [(e.line, e.external_id) for e in report.errors] == [(2, "T0002")]
    assert report.errors[0].message.startswith("database:")
    assert report.created == 2
    ctx.rollback()
    assert set(ctx.scalars(select(Listing.external_id))) == {"T0001", "T0003"}


def test_price_check_reported_in_file_terms(ctx, tmp_path):
    report = run(
        ctx, "listings", write_jsonl(tmp_path / "p.jsonl", [patent_line(1, price_cny=None)])
    )
    assert report.errors[0].message == "price_cny: A fixed or auction price needs an amount."


def _table_rows(lines: list[dict], columns: list[str]) -> list[list]:
    rows = []
    for n, line in enumerate(lines):
        row = []
        for col in columns:
            value = line.get(col)
            if isinstance(value, list):
                # Every accepted list spelling: ";", ",", "|" and a JSON array.
                value = [";".join, ",".join, "|".join, json.dumps][n % 4](value)
            row.append("" if value is None else value)
        rows.append(row)
    return rows


def _snapshot(session, model, source: str) -> dict:
    out = {}
    for row in session.scalars(select(model).where(model.source == source)):
        values = {
            k: getattr(row, k)
            for k in ("title", "description", "domain", "region", "language", "status")
        }
        values["org"] = row.organization.name
        if model is Listing:
            values |= {k: getattr(row, k) for k in ("trl", "price_amount", "transfer_modes")}
            values["patents"] = [
                (p.patent_number, p.ipc_codes, p.inventors, p.filing_date, p.first_claim)
                for p in row.patents
            ]
        else:
            values |= {
                k: getattr(row, k)
                for k in ("budget_min", "budget_max", "cooperation_modes", "deadline")
            }
        out[row.external_id] = values
    return out


@pytest.mark.parametrize(
    ("kind", "name"), [("listings", "patents.jsonl"), ("demands", "demands.jsonl")]
)
def test_csv_and_xlsx_import_the_same_records(ctx, tmp_path, kind, name):
    from openpyxl import Workbook

    lines = dev_lines(name)
    columns = list(lines[0])
    rows = _table_rows(lines, columns)
    csv_path = tmp_path / "records.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:  # with a BOM, as Excel does
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append(
            [
                date.fromisoformat(v) if c in ("filing_date", "deadline") else v
                for c, v in zip(columns, row, strict=True)
            ]
        )
    xlsx_path = tmp_path / "records.xlsx"
    workbook.save(xlsx_path)
    model = Listing if kind == "listings" else Demand

    for source, path in (("jsonl", DEV / name), ("csv", csv_path), ("xlsx", xlsx_path)):
        report = run(ctx, kind, path, source=source)
        assert (report.created, report.failed) == (len(lines), 0), (source, report.errors[:3])
    expected = _snapshot(ctx, model, "jsonl")
    assert len(expected) == len(lines)
    assert _snapshot(ctx, model, "csv") == expected
    assert _snapshot(ctx, model, "xlsx") == expected


def test_csv_errors_use_row_numbers(ctx, tmp_path):
    columns = list(patent_line(1))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(_table_rows([patent_line(1), patent_line(2, trl="seven")], columns))
    path = tmp_path / "rows.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    report = run(ctx, "listings", path)
    assert report.created == 1
    assert [(e.line, e.external_id, e.message) for e in report.errors] == [
        (3, "T0002", "trl: Not a valid integer.")
    ]


def test_publish_publishes_and_without_it_records_wait_for_review(ctx, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [patent_line(1), patent_line(2)])
    run(ctx, "listings", path)
    statuses = set(ctx.execute(select(Listing.status, Listing.published_at)).all())
    assert statuses == {("pending_review", None)}
    write_jsonl(path, [patent_line(1), patent_line(2), patent_line(3)])
    report = run(ctx, "listings", path, publish=True)
    # The two waiting records are published (an update), the new one is created published.
    assert (report.created, report.updated, report.unchanged) == (1, 2, 0)
    ctx.expire_all()
    rows = list(ctx.scalars(select(Listing)))
    assert {r.status for r in rows} == {"published"}
    assert all(r.published_at is not None for r in rows)


def test_stream_input_and_unknown_extension(ctx, tmp_path):
    data = (json.dumps(patent_line(1), ensure_ascii=False) + "\n").encode()
    report = imports.import_file(ctx, "listings", io.BytesIO(data), "upload.ndjson")
    assert report.created == 1
    with pytest.raises(Invalid) as info:
        imports.import_file(ctx, "listings", io.BytesIO(data), "upload.json")
    assert ".jsonl" in info.value.message
    with pytest.raises(Invalid):
        imports.import_file(ctx, "patents", io.BytesIO(data), "upload.jsonl")


def test_a_member_imports_into_their_own_organization(ctx, make, tmp_path):
    researcher = make.user("researcher")
    other = make.user("researcher")
    actor = ctx.get(User, researcher.id)
    path = write_jsonl(tmp_path / "m.jsonl", [patent_line(1), patent_line(2)])
    with pytest.raises(Forbidden):
        run(ctx, "listings", path, actor=actor, publish=True)
    report = run(ctx, "listings", path, actor=actor, source="upload")
    assert (report.created, report.failed) == (2, 0)
    rows = list(ctx.scalars(select(Listing)))
    assert {(r.organization_id, r.created_by_id, r.status) for r in rows} == {
        (researcher.organization.id, researcher.id, "pending_review")
    }
    # The applicant named in the file is not created: the member's organization owns them.
    assert ctx.scalar(select(Organization.id).where(Organization.name == "测试理工大学")) is None

    # Published, then changed by the member: back to review, as an edit in the UI would.
    for row in rows:
        row.status = "published"
    ctx.commit()
    write_jsonl(path, [patent_line(1, title="一种改进后的复合材料"), patent_line(2)])
    report = run(ctx, "listings", path, actor=actor, source="upload")
    assert (report.updated, report.unchanged) == (1, 1)
    ctx.expire_all()
    statuses = dict(ctx.execute(select(Listing.external_id, Listing.status)).all())
    assert statuses == {"T0001": "pending_review", "T0002": "published"}

    # Another organization's member cannot change these records through the same ids.
    report = run(ctx, "listings", path, actor=ctx.get(User, other.id), source="upload")
    assert report.created == 0 and report.failed == 2
    assert report.errors[0].message == "id: Used by a record of another organization."
