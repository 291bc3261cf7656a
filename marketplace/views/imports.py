"""导入: members upload a JSONL, CSV or XLSX file of listings or demands and read the report.

Uploaded records wait in the review queue (never published directly); their source is
``upload-<organization id>``, so uploading the same file again updates instead of duplicating.
"""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.catalog import imports
from marketplace.core.errors import Forbidden
from marketplace.core.messages import N_
from marketplace.extensions import db
from marketplace.views.base import actor, attempt, bp, require_login

IMPORT_KINDS = {"listings": _l("Listings"), "demands": _l("Demands")}


def upload_source(organization_id: int) -> str:
    return f"upload-{organization_id}"


@bp.route("/import", methods=["GET", "POST"])
@require_login
def import_records():
    user = actor()
    if user.organization_id is None:
        raise Forbidden(N_("Only members of an organization can import."))
    if request.method == "GET":
        return render_template("import/form.html", kinds=IMPORT_KINDS, values={}, errors={})

    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    errors: dict[str, list[str]] = {}
    if kind not in IMPORT_KINDS:
        errors["kind"] = [_("Choose listings or demands.")]
    if upload is None or not upload.filename:
        errors["file"] = [_("Choose a file to upload.")]
    if errors:
        return _form_again(kind, errors)

    imported = attempt(
        lambda: imports.import_file(
            db.session,
            kind,
            upload.stream,
            upload.filename,
            source=upload_source(user.organization_id),
            publish=False,
            actor=user,
        ),
        flashed=(),
    )
    if not imported.ok:
        return _form_again(kind, imported.errors)
    report = imported.value
    if report.created or report.updated:
        flash(_("The imported records wait in the review queue."), "info")
    return render_template(
        "import/form.html",
        kinds=IMPORT_KINDS,
        values={"kind": kind},
        errors={},
        report=report,
        filename=upload.filename,
    )


def _form_again(kind: str, errors: dict[str, list[str]]):
    return render_template(
        "import/form.html", kinds=IMPORT_KINDS, values={"kind": kind}, errors=errors
    ), 422
