"""An organization's verification documents (营业执照, 事业单位法人证书): uploaded by its
admins, seen by its admins and by operators, nobody else (strangers get 404, the
organization's other members 403).

Files pass the same checks as deal attachments (core/uploads.py: the kind judged from the
bytes, markup refused, the extension agreeing), narrowed to scans: PDF, PNG, JPEG. They
are stored outside the web root under ``<storage>/organizations/<org id>/<random key>``.
"""

from __future__ import annotations

import hashlib
import os
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core import audit
from marketplace.core.errors import Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.core.uploads import DEFAULT_MAX_BYTES, SCANS, store_upload
from marketplace.models import Organization, OrganizationDocument, User
from marketplace.models.vocab import DOCUMENT_KINDS


def _folder(storage_dir: str, org_id: int) -> str:
    return os.path.join(storage_dir, "organizations", str(org_id))


def _organization(session: Session, actor: User | None, org_id: int) -> Organization:
    """The organization, for its admins and operators."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    org = session.get(Organization, org_id)
    if org is None or not (actor.is_operator or actor.organization_id == org.id):
        raise NotFound(N_("No organization %(org_id)s."), org_id=org_id)
    if not (actor.is_operator or actor.org_role == "admin"):
        raise Forbidden(N_("Only the organization's admins and operators see its documents."))
    return org


@unit_of_work
def add_document(
    session: Session,
    actor: User | None,
    org_id: int,
    stream: BinaryIO,
    filename: str,
    kind: str,
    *,
    storage_dir: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> OrganizationDocument:
    """An admin of the organization uploads a document (operators read, never upload)."""
    if kind not in DOCUMENT_KINDS:
        raise Invalid({"kind": N_("Choose business_licence, legal_person_certificate or other.")})
    org = _organization(session, actor, org_id)
    if actor.organization_id != org.id:
        raise Forbidden(N_("Only the organization's admins upload its documents."))
    name, mime, data, key = store_upload(
        stream, filename, _folder(storage_dir, org.id), max_bytes=max_bytes, allowed=SCANS
    )
    document = OrganizationDocument(
        organization_id=org.id,
        kind=kind,
        uploaded_by_id=actor.id,
        filename=name,
        content_type=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        actor,
        "organization.document_added",
        "organization",
        org.id,
        after={
            "document_id": document.id,
            "kind": kind,
            "filename": name,
            "sha256": document.sha256,
        },
    )
    return document


def list_documents(session: Session, actor: User | None, org_id: int) -> list[OrganizationDocument]:
    org = _organization(session, actor, org_id)
    return documents_of(session, org.id)


def documents_of(session: Session, org_id: int) -> list[OrganizationDocument]:
    """Without a permission check: for pages that checked already (the operators' queue)."""
    return list(
        session.scalars(
            select(OrganizationDocument)
            .where(OrganizationDocument.organization_id == org_id)
            .order_by(OrganizationDocument.id)
        )
    )


def open_document(
    session: Session, actor: User | None, org_id: int, document_id: int, *, storage_dir: str
) -> tuple[OrganizationDocument, str]:
    """The document and the path of its bytes, for the organization's admins and operators."""
    org = _organization(session, actor, org_id)
    document = session.get(OrganizationDocument, document_id)
    if document is None or document.organization_id != org.id:
        raise NotFound(
            N_("No document %(document_id)s of organization %(org_id)s."),
            document_id=document_id,
            org_id=org_id,
        )
    path = os.path.join(_folder(storage_dir, org.id), document.storage_key)
    if not os.path.exists(path):
        raise NotFound(N_("The file is missing from storage."))
    return document, path
