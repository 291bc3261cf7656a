"""Deal attachments API: upload (multipart), list, download — parties and operators only."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from marketplace.api.spec import login_required
from marketplace.core.errors import Invalid
from marketplace.core.messages import N_
from marketplace.deals import files as deal_files
from marketplace.extensions import db
from marketplace.schemas.common import ApiError, RowId
from marketplace.web.auth import current_actor
from marketplace.web.downloads import attachment_download, storage_dir


class AttachmentUpload(Schema):
    file = Upload(required=True)


class AttachmentForm(Schema):
    message_id = RowId(load_default=None, allow_none=True)


class AttachmentOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    message_id = fields.Integer(allow_none=True)
    uploaded_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


# The file is served with the type its content was checked to be at upload.
DOWNLOAD_RESPONSE = {
    "description": "The file, as an attachment (Content-Disposition)",
    "content": {
        mimetype: {"schema": {"type": "string", "format": "binary"}}
        for mimetype in deal_files.ALLOWED
    },
}


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "deal_files", __name__, url_prefix="/api/v1/deals", description="Deal attachments"
    )

    @blp.route("/<int:deal_id>/attachments", methods=["POST"])
    @login_required(blp)
    @blp.arguments(AttachmentUpload, location="files")
    @blp.arguments(AttachmentForm, location="form")
    @blp.response(201, AttachmentOut)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def upload(files, form, deal_id: int):
        """Attach a file (PDF, PNG, JPEG, OOXML, text; checked by content; size-limited)."""
        upload = files["file"]
        if not upload or not upload.filename:
            raise Invalid({"file": N_("Choose a file.")})
        attachment = deal_files.add_attachment(
            db.session,
            current_actor(),
            deal_id,
            upload.stream,
            upload.filename,
            storage_dir=storage_dir(),
            max_bytes=current_app.config.get("MAX_ATTACHMENT_BYTES", deal_files.DEFAULT_MAX_BYTES),
            message_id=form.get("message_id"),
            ip=request.remote_addr,
        )
        return attachment

    @blp.route("/<int:deal_id>/attachments", methods=["GET"])
    @login_required(blp)
    @blp.response(200, AttachmentOut(many=True))
    @blp.alt_response(404, schema=ApiError)
    def list_attachments(deal_id: int):
        return deal_files.list_attachments(db.session, current_actor(), deal_id)

    @blp.route("/<int:deal_id>/attachments/<int:attachment_id>", methods=["GET"])
    @login_required(blp)
    @blp.doc(responses={200: DOWNLOAD_RESPONSE})
    @blp.alt_response(404, schema=ApiError)
    def download(deal_id: int, attachment_id: int):
        """The file itself, as a download (never rendered inline)."""
        return attachment_download(deal_id, attachment_id)

    return blp
