"""Listings (技术成果): create, edit, list, and the publication workflow."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from marketplace.catalog import publication
from marketplace.core.errors import Conflict, Forbidden, Invalid, Unauthorized
from marketplace.core.locking import flush_or_conflict
from marketplace.core.messages import N_
from marketplace.core.paging import Page, paginate
from marketplace.core.uow import unit_of_work
from marketplace.models import Listing, Patent, User

LISTING_FIELDS = (
    "title",
    "summary",
    "description",
    "domain",
    "tags",
    "trl",
    "transfer_modes",
    "price_type",
    "price_amount",
    "currency",
    "region",
    "language",
)
PATENT_FIELDS = (
    "patent_number",
    "patent_type",
    "legal_status",
    "ipc_codes",
    "applicant",
    "inventors",
    "filing_date",
    "abstract",
    "first_claim",
)


def check_price(data: dict[str, Any]) -> None:
    """Cross-field rule: fixed and auction prices need an amount; negotiable has none."""
    if data.get("price_type") in ("fixed", "auction") and data.get("price_amount") is None:
        raise Invalid({"price_amount": N_("A fixed or auction price needs an amount.")})
    if data.get("price_type") == "negotiable":
        data["price_amount"] = None


def _require_author(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    if actor.organization_id is None:
        raise Forbidden(N_("Only members of an organization can list technology."))
    return actor


def set_patents(session: Session, listing: Listing, patents: list[dict[str, Any]]) -> bool:
    """Replace the listing's patents with ``patents``, keeping rows whose number is unchanged."""
    numbers = [p["patent_number"] for p in patents]
    if len(numbers) != len(set(numbers)):
        raise Invalid({"patents": N_("The same patent number appears twice.")})
    existing = {p.patent_number: p for p in listing.patents}
    changed = set(existing) != set(numbers)
    keep = []
    for data in patents:
        row = existing.get(data["patent_number"])
        if row is None:
            row = Patent(**{k: data.get(k) for k in PATENT_FIELDS if k in data})
        else:
            for key in PATENT_FIELDS:
                if key in data and getattr(row, key) != data[key]:
                    setattr(row, key, data[key])
                    changed = True
        keep.append(row)
    if changed or [p.patent_number for p in listing.patents] != numbers:
        listing.patents = keep
        changed = True
    return changed


@unit_of_work
def create_listing(session: Session, actor: User | None, data: dict[str, Any]) -> Listing:
    actor = _require_author(actor)
    data = dict(data)
    check_price(data)
    listing = Listing(
        **{k: data[k] for k in LISTING_FIELDS if k in data},
        organization_id=actor.organization_id,
        created_by_id=actor.id,
        status="draft",
    )
    session.add(listing)
    set_patents(session, listing, data.get("patents") or [])
    session.flush()
    return listing


@unit_of_work
def update_listing(
    session: Session, actor: User | None, listing_id: int, data: dict[str, Any]
) -> Listing:
    actor = _require_author(actor)
    listing = publication.lock_owned(session, Listing, listing_id, actor, "edit")
    if listing.status not in publication.EDITABLE_STATES:
        raise Conflict(
            N_("A %(status)s %(kind)s can no longer be edited."),
            code="item_state",
            status=listing.status,
            kind="listing",
        )
    merged = {k: getattr(listing, k) for k in LISTING_FIELDS} | dict(data)
    check_price(merged)
    changes = {k: merged[k] for k in LISTING_FIELDS if k in data or k == "price_amount"}
    changed = publication.apply_changes(listing, changes)
    if "patents" in data:
        changed = set_patents(session, listing, data["patents"] or []) or changed
    if changed:
        publication.after_edit(listing)
    flush_or_conflict(session)
    return listing


@unit_of_work
def delete_listing(session: Session, actor: User | None, listing_id: int) -> None:
    """Owners may delete drafts outright; anything that was submitted is withdrawn instead."""
    actor = _require_author(actor)
    listing = publication.lock_owned(session, Listing, listing_id, actor, "delete")
    if listing.status != "draft":
        raise Conflict(
            N_("Only drafts can be deleted; withdraw a submitted listing instead."),
            code="item_state",
        )
    session.delete(listing)
    session.flush()


def list_listings(
    session: Session,
    actor: User | None,
    *,
    page: int = 1,
    per_page: int = 20,
    min_price: int | None = None,
    max_price: int | None = None,
    sort: str = "newest",
    **filters: Any,
) -> Page:
    stmt = publication.base_query(Listing, actor, **filters)
    if min_price is not None:
        stmt = stmt.where(Listing.price_amount >= min_price)
    if max_price is not None:
        stmt = stmt.where(Listing.price_amount <= max_price)
    order = {
        "newest": (Listing.published_at.desc().nulls_last(), Listing.id.desc()),
        "updated": (Listing.updated_at.desc(), Listing.id.desc()),
        "price_asc": (Listing.price_amount.asc().nulls_last(), Listing.id),
        "price_desc": (Listing.price_amount.desc().nulls_last(), Listing.id),
    }[sort]
    stmt = stmt.order_by(*order)
    return paginate(session, stmt, page, per_page)


def get_listing(session: Session, actor: User | None, listing_id: int) -> Listing:
    return publication.get_visible(session, Listing, listing_id, actor)
