"""The audit log for operators: search it, export it (CSV or XLSX)."""

from __future__ import annotations

from flask_smorest import Blueprint

from marketplace.api.spec import login_required
from marketplace.core import audit
from marketplace.extensions import db
from marketplace.schemas.audit import AuditEntryOut, AuditQuery
from marketplace.schemas.common import ApiError
from marketplace.web.auth import current_actor
from marketplace.web.exports import XLSX, export

# ``format=csv|xlsx`` answers with a file instead of JSON: the document says so.
EXPORT_DOC = {
    "responses": {
        "200": {
            "description": "OK",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/AuditEntryOut"},
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }
}


def create_blueprint() -> Blueprint:
    blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit log")

    @blp.route("", methods=["GET"])
    @login_required(blp)
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditEntryOut(many=True))
    @blp.doc(**EXPORT_DOC)
    @blp.alt_response(403, schema=ApiError)
    def search(args):
        """Operator and money actions, newest first (operators). ``format=csv`` or
        ``format=xlsx`` downloads the same entries."""
        fmt = args.pop("format")
        entries = audit.search(db.session, current_actor(), **args)
        if fmt == "json":
            return entries
        return export("audit-log", audit.COLUMNS, audit.rows(entries), fmt)

    return blp
