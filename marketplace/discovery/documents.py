"""Search documents from the database: each listing's or demand's current state for the
index (its version, and its document when published) and the bulk action that puts it
there. The outbox and the reindex both send exactly this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.models import Demand, Listing, Organization, Patent
from search.documents import BUILDERS, demand_embedding_text, listing_embedding_text

MODELS: dict[str, Any] = {"listings": Listing, "demands": Demand}


# Documents are built from plain column rows (one query for the rows with their
# organization's name, one for a chunk's patents), not from ORM objects: at reindex scale
# loading mapped objects cost as much as segmenting the text.
_COLUMNS: dict[str, tuple[Any, ...]] = {
    "listings": (
        Listing.id, Listing.version, Listing.status, Listing.title, Listing.summary,
        Listing.description, Listing.tags, Listing.domain, Listing.region, Listing.language,
        Listing.organization_id, Listing.published_at, Listing.currency, Listing.trl,
        Listing.transfer_modes, Listing.price_type, Listing.price_amount,
    ),
    "demands": (
        Demand.id, Demand.version, Demand.status, Demand.title, Demand.description,
        Demand.domain, Demand.region, Demand.language, Demand.organization_id,
        Demand.published_at, Demand.currency, Demand.cooperation_modes, Demand.budget_min,
        Demand.budget_max, Demand.deadline,
    ),
}  # fmt: skip
_PATENT_COLUMNS = (
    Patent.listing_id, Patent.patent_number, Patent.patent_type, Patent.legal_status,
    Patent.ipc_codes, Patent.abstract, Patent.first_claim,
)  # fmt: skip


@dataclass(frozen=True)
class Current:
    """A row's state for the index: its version, and its document when published (with
    the text its vector is computed from: vectors.attach_vectors puts the vector in)."""

    id: int
    version: int
    source: dict[str, Any] | None
    embedding_text: str | None = None


def _embedding_text(doc_type: str, row, patents: list) -> str:
    if doc_type == "listings":
        return listing_embedding_text(row, patents)
    return demand_embedding_text(row)


def current_rows(
    session: Session, doc_type: str, condition, limit: int | None = None
) -> list[Current]:
    model = MODELS[doc_type]
    stmt = (
        select(*_COLUMNS[doc_type], Organization.name.label("organization_name"))
        .outerjoin(Organization, Organization.id == model.organization_id)
        .where(condition)
        .order_by(model.id)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    published = [row.id for row in rows if row.status == "published"]
    patents: dict[int, list] = {i: [] for i in published}
    if doc_type == "listings" and published:
        for patent in session.execute(
            select(*_PATENT_COLUMNS)
            .where(Patent.listing_id.in_(published))
            .order_by(Patent.listing_id, Patent.id)
        ):
            patents[patent.listing_id].append(patent)
    build = BUILDERS[doc_type]
    return [
        Current(
            row.id,
            row.version,
            build(row, patents[row.id]),
            _embedding_text(doc_type, row, patents[row.id]),
        )
        if row.id in patents
        else Current(row.id, row.version, None)
        for row in rows
    ]


def load_current(session: Session, doc_type: str, ids: list[int]) -> dict[int, Current]:
    return {c.id: c for c in current_rows(session, doc_type, MODELS[doc_type].id.in_(ids))}


def bulk_action(doc_id: int, row: Current | None) -> dict[str, Any]:
    if row is not None and row.source is not None:
        return {
            "_op_type": "index",
            "_id": str(doc_id),
            "_version": row.version,
            "_source": row.source,
        }
    if row is not None:
        # Unpublished: remove it, versioned so that it cannot undo a later re-publication.
        return {"_op_type": "delete", "_id": str(doc_id), "_version": row.version}
    # Deleted from the database (only drafts can be, so it was never published): a plain
    # delete, since a versioned tombstone could block a SQLite row that reuses the id.
    return {"_op_type": "delete", "_id": str(doc_id)}
