"""Stored files as downloads, for the API and the pages alike: where files live, and a
download that is never rendered inline and never cached on the way."""

from __future__ import annotations

import os

from flask import current_app, send_file

from marketplace.accounts import documents as organization_documents
from marketplace.brokers import records as brokerage_records
from marketplace.challenges import files as proposal_files
from marketplace.deals import files as deal_files
from marketplace.extensions import db
from marketplace.web.auth import current_actor


def storage_dir() -> str:
    return current_app.config.get("ATTACHMENTS_DIR") or os.path.join(
        current_app.instance_path, "attachments"
    )


def send_download(attachment, path):
    """A stored file as a download: never rendered inline, never cached by the way."""
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def attachment_download(deal_id: int, attachment_id: int):
    """A deal attachment, with the deal's visibility."""
    attachment, path = deal_files.open_attachment(
        db.session, current_actor(), deal_id, attachment_id, storage_dir=storage_dir()
    )
    return send_download(attachment, path)


def record_download(record_id: int, attachment_id: int):
    """A brokerage record's file, with the record's visibility."""
    attachment, path = brokerage_records.open_attachment(
        db.session, current_actor(), record_id, attachment_id, storage_dir=storage_dir()
    )
    return send_download(attachment, path)


def organization_document_download(org_id: int, document_id: int):
    """An organization's verification document, for its admins and operators."""
    document, path = organization_documents.open_document(
        db.session, current_actor(), org_id, document_id, storage_dir=storage_dir()
    )
    return send_download(document, path)


def proposal_file_download(proposal_id: int, file_id: int):
    """A proposal's file, with the proposal's confidentiality."""
    row, path = proposal_files.open_file(
        db.session, current_actor(), proposal_id, file_id, storage_dir=storage_dir()
    )
    return send_download(row, path)
