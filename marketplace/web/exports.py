"""Tables as downloads (CSV or XLSX), for the API and the pages alike."""

from __future__ import annotations

from datetime import date

from flask import Response

from marketplace.brokers import earnings as broker_earnings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(name: str, header, rows, fmt: str) -> Response:
    """A CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX download."""
    if fmt == "xlsx":
        body = broker_earnings.to_xlsx(header, rows, name)
        mimetype, ext = XLSX, "xlsx"
    else:
        body = ("\ufeff" + broker_earnings.to_csv(header, rows)).encode("utf-8")
        mimetype, ext = "text/csv; charset=utf-8", "csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def period_name(prefix: str, start: date | None, end: date | None) -> str:
    return "-".join([prefix] + [d.isoformat() for d in (start, end) if d])
