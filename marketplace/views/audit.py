"""The audit log page for operators: filter, read, export."""

from __future__ import annotations

from flask import render_template, request
from marshmallow import ValidationError

from marketplace.core import audit
from marketplace.extensions import db
from marketplace.schemas.audit import AuditQuery
from marketplace.views.base import actor, bp, field_errors, require_login
from marketplace.web.exports import export

FILTERS = ("action", "actor_id", "target_type", "target_id")

bp.add_app_template_filter(audit.as_text, "audit_json")


@bp.route("/operator/audit")
@require_login
def operator_audit():
    values = {k: v.strip() for k in (*FILTERS, "format") if (v := request.args.get(k, ""))}
    try:
        args = AuditQuery().load(values)
    except ValidationError as exc:
        args, errors = {"format": "json"}, field_errors(exc.messages)
    else:
        errors = {}
    fmt = args.pop("format")
    entries = audit.search(db.session, actor(), **args)
    if fmt != "json":
        return export("audit-log", audit.COLUMNS, audit.rows(entries), fmt)
    return render_template(
        "operator/audit.html",
        entries=entries,
        values=values,
        errors=errors,
        columns=audit.COLUMNS,
    ), (422 if errors else 200)
