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


def voucher_redemption(lines, period: str, fmt: str) -> Response:
    """兑付: one row per voucher part released to a supplier, the columns a bureau files
    (amounts in yuan, as on a transfer order)."""
    from flask_babel import gettext as _

    header = [
        _("Programme"),
        _("Issuing body"),
        _("Supplier"),
        _("Unified social credit code"),
        _("Deal number"),
        _("Contract amount (yuan)"),
        _("Voucher amount (yuan)"),
        _("Release date"),
    ]
    rows = [
        [
            line["programme"],
            line["issuing_body"],
            line["supplier"],
            line["credit_code"],
            line["deal_id"],
            f"{line['contract_amount'] / 100:.2f}",
            f"{line['voucher_amount'] / 100:.2f}",
            line["released_on"].isoformat(),
        ]
        for line in lines
    ]
    return export(f"voucher-redemption-{period}", header, rows, fmt)
