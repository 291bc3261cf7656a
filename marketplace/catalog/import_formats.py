"""Reading the interchange format's containers: JSON Lines, CSV and XLSX.

Each yields (line number, record, error): the record a dict of the line's fields, or None
with a message when the line cannot be read. CSV and XLSX have a header row; their list
cells are split on ";", "," or "|" (or hold a JSON array) and empty cells are null.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from marketplace.core import content_check
from marketplace.core.errors import Invalid
from marketplace.core.messages import N_, Message

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".xlsx": "xlsx"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_FIELDS = frozenset({"ipc", "inventors", "transfer_modes", "cooperation_modes"})
INT_FIELDS = frozenset({"trl", "price_cny", "budget_min_cny", "budget_max_cny"})
_SEPARATORS = re.compile(r"[;,|]")
_INTEGER = re.compile(r"[+-]?\d+")

Source = str | Path | IO[bytes]
# (line number, record or None, error or None)
Line = tuple[int, dict[str, Any] | None, str | None]


def file_format(filename: str) -> str:
    suffix = Path(str(filename)).suffix.lower()
    if suffix not in FORMATS:
        message = Message(
            N_(
                "Cannot import '%(name)s': the file name must end in %(suffixes)s"
                " (JSON Lines, CSV or Excel)."
            ),
            name=filename,
            suffixes=", ".join(FORMATS),
        )
        raise Invalid({"file": message}, message)
    return FORMATS[suffix]


def check_content(source_file: Source, filename: str) -> None:
    """Refuse a file whose bytes are not what its name says, before reading any record.

    JSON Lines and CSV must be UTF-8 text and not a web page; XLSX must be an Excel
    workbook (a ZIP of Office Open XML), whatever the name claims.
    """
    fmt = file_format(filename)
    if isinstance(source_file, str | Path):
        with open(source_file, "rb") as fh:
            head = fh.read(content_check.HEAD_BYTES)
    else:
        if not source_file.seekable():
            return  # a pipe: the readers below still refuse what they cannot parse
        start = source_file.tell()
        head = source_file.read(content_check.HEAD_BYTES)
        source_file.seek(start)
    kind = content_check.binary_kind(head)
    if fmt == "xlsx":
        ok = kind in (XLSX_MIME, "application/zip")
    else:
        ok = kind is None and content_check.is_utf8_text(head)
        ok = ok and not content_check.looks_like_markup(head)
    if not ok:
        message = {
            "jsonl": N_(
                "The content of this file is not JSON Lines text (UTF-8); nothing was imported."
            ),
            "csv": N_("The content of this file is not CSV text (UTF-8); nothing was imported."),
            "xlsx": N_(
                "The content of this file is not an Excel workbook (.xlsx); nothing was imported."
            ),
        }[fmt]
        raise Invalid({"file": message}, message)


def _open(source_file: Source) -> tuple[IO[bytes], bool]:
    if isinstance(source_file, str | Path):
        return open(source_file, "rb"), True  # noqa: SIM115 - closed by the caller
    return source_file, False


def read_lines(source_file: Source, filename: str) -> Iterator[Line]:
    """The file's records with their line numbers; unreadable lines carry an error instead."""
    fmt = file_format(filename)
    stream, owned = _open(source_file)
    try:
        if fmt == "jsonl":
            yield from _jsonl(stream)
        elif fmt == "csv":
            yield from _table(_csv_rows(stream))
        else:
            yield from _table(_xlsx_rows(stream))
    finally:
        if owned:
            stream.close()


def _jsonl(stream: IO[bytes]) -> Iterator[Line]:
    for number, raw in enumerate(stream, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None, N_("Not UTF-8 text.")
            continue
        if number == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield (
                number,
                None,
                Message(
                    N_("Not valid JSON: %(error)s (at character %(position)s)."),
                    error=exc.msg,
                    position=exc.pos + 1,
                ),
            )
            continue
        except (RecursionError, ValueError):
            # Nested too deep, or an integer over Python's digit limit: not a 500.
            yield number, None, "Not valid JSON: nested too deeply or a number too long."
            continue
        if not isinstance(data, dict):
            yield number, None, N_("Not a JSON object.")
            continue
        yield number, data, None


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from enumerate(csv.reader(wrapper), 1)
    except UnicodeDecodeError:
        message = N_("The CSV file is not UTF-8 text; save it as “CSV UTF-8”.")
        raise Invalid({"file": message}, message) from None
    finally:
        wrapper.detach()


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    if not stream.seekable():
        stream = io.BytesIO(stream.read())
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, InvalidFileException…
        message = Message(N_("Not a readable .xlsx workbook: %(error)s"), error=exc)
        raise Invalid({"file": message}, message) from None
    try:
        for number, row in enumerate(workbook.active.iter_rows(values_only=True), 1):
            yield number, list(row)
    finally:
        workbook.close()


def _table(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[Line]:
    """Rows of a sheet with a header row → records; list cells split, empty cells null."""
    header: list[str] | None = None
    for number, row in rows:
        if header is None:
            header = [str(c or "").strip().removeprefix("\ufeff") for c in row]
            continue
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        extra = row[len(header) :]
        if any(c not in (None, "") for c in extra):
            yield (
                number,
                None,
                Message(
                    N_("The row has %(cells)s cells but the header names %(names)s."),
                    cells=len(row),
                    names=len(header),
                ),
            )
            continue
        try:
            record = {
                name: _cell(name, value) for name, value in zip(header, row, strict=False) if name
            }
        except ValueError as exc:
            yield number, None, exc.args[0]
            continue
        yield number, record, None


def _cell(name: str, value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if name in LIST_FIELDS:
        text_value = str(value)
        if text_value.startswith("["):
            try:
                items = json.loads(text_value)
            except (json.JSONDecodeError, RecursionError, ValueError):
                raise ValueError(
                    Message(N_("%(field)s: Not a valid JSON array."), field=name)
                ) from None
            return items
        return [part.strip() for part in _SEPARATORS.split(text_value) if part.strip()]
    if name in INT_FIELDS:
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            return int(value)
        return value
    return value if isinstance(value, str) else str(value)


def count_records(source_file: str | Path, filename: str | None = None) -> int:
    """About how many records a file holds (for a progress bar), without validating them."""
    fmt = file_format(filename or str(source_file))
    if fmt == "jsonl":
        with open(source_file, "rb") as fh:
            return sum(1 for raw in fh if raw.strip())
    if fmt == "csv":
        with open(source_file, "rb") as fh:
            return max(0, sum(1 for _, row in _csv_rows(fh) if any(row)) - 1)
    from openpyxl import load_workbook

    workbook = load_workbook(source_file, read_only=True)
    try:
        rows = workbook.active.max_row
        if rows is None:
            rows = sum(1 for _ in workbook.active.iter_rows(values_only=True))
        return max(0, rows - 1)
    finally:
        workbook.close()
