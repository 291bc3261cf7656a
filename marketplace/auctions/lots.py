"""Sessions (专场) and lots: an operator schedules a session; a listing's owner applies
to auction a published listing in it; an operator admits or rejects the lot; the owner
may withdraw an application not yet decided. Reading: sessions, lots, a lot for a reader
(the reserve only for its owner and operators)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts import users
from marketplace.auctions.rules import (
    DEFAULT_EXTENSION_MINUTES,
    DEFAULT_FORFEIT_SELLER_BP,
    LOT,
    OPERATOR,
    OWNER,
    validate_ladder,
)
from marketplace.catalog.publication import PUBLICATION, get_visible
from marketplace.core import audit
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.core.locking import lock_rows
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.models import AuctionLot, AuctionSession, Listing, User
from marketplace.models.auctions import AUCTION_TRANSFER_MODES
from marketplace.models.types import utcnow
from marketplace.models.vocab import DOMAINS

require_user = users.require_user


def require_operator(actor: User | None) -> User:
    return users.require_operator(actor, N_("Only operators manage auction sessions."))


def is_owner(actor: User | None, lot: AuctionLot) -> bool:
    return actor is not None and actor.organization_id == lot.owner_org_id


def may_see_reserve(actor: User | None, lot: AuctionLot) -> bool:
    return actor is not None and (actor.is_operator or is_owner(actor, lot))


# Sessions -----------------------------------------------------------------------------


@unit_of_work
def schedule_session(
    session: Session,
    actor: User | None,
    *,
    title: str,
    domain: str,
    starts_at: datetime,
    ends_at: datetime,
    rules: str = "",
    now: datetime | None = None,
    ip: str | None = None,
) -> AuctionSession:
    actor = require_operator(actor)
    now = now or utcnow()
    errors: dict[str, Any] = {}
    if not title.strip():
        errors["title"] = N_("Give the session a title.")
    if domain not in DOMAINS:
        errors["domain"] = N_("Choose a technology domain.")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        errors["starts_at"] = N_("Give times with their time zone.")
    elif ends_at <= starts_at:
        errors["ends_at"] = N_("The session ends after it starts.")
    elif ends_at <= now:
        errors["ends_at"] = N_("The session ends in the future.")
    if errors:
        raise Invalid(errors)
    row = AuctionSession(
        title=title.strip(),
        domain=domain,
        rules=rules.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "auction.session_scheduled",
        "auction_session",
        row.id,
        ip=ip,
        after={
            "title": row.title,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    return row


def list_sessions(session: Session) -> list[AuctionSession]:
    return list(session.scalars(select(AuctionSession).order_by(AuctionSession.starts_at.desc())))


def get_session(session: Session, session_id: int) -> AuctionSession:
    row = session.get(AuctionSession, session_id)
    if row is None:
        raise NotFound(N_("No auction session %(session)s."), session=session_id)
    return row


# Lots ---------------------------------------------------------------------------------

PUBLIC_STATES = ("admitted", "sold", "unsold", "defaulted")


def _money(errors: dict[str, Any], data: dict[str, Any], key: str, required: bool = True):
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        errors[key] = N_("A positive amount in minor units.")
        return None
    return value


@unit_of_work
def apply_lot(
    session: Session,
    actor: User | None,
    session_id: int,
    data: dict[str, Any],
    *,
    now: datetime | None = None,
    ip: str | None = None,
) -> AuctionLot:
    """The listing's owner applies to auction it in a session that has not started."""
    actor = require_user(actor)
    now = now or utcnow()
    auction = get_session(session, session_id)
    listing = get_visible(session, Listing, data.get("listing_id") or 0, actor)
    if actor.organization_id != listing.organization_id:
        raise Forbidden(N_("Only members of the listing's organization apply to auction it."))
    if listing.status != "published":
        raise Conflict(
            N_("Only published listings are auctioned; this one is %(status)s."),
            code="item_state",
            status=PUBLICATION.term("state", listing.status),
        )
    if auction.starts_at <= now:
        raise Conflict(
            N_("The session has started: lots are admitted before it starts."),
            code="session_started",
        )
    errors: dict[str, Any] = {}
    mode = data.get("transfer_mode")
    if mode not in AUCTION_TRANSFER_MODES:
        errors["transfer_mode"] = N_("An assignment or an exclusive licence.")
    elif mode not in (listing.transfer_modes or []):
        errors["transfer_mode"] = N_("The listing does not offer this transfer mode.")
    start = _money(errors, data, "start_price")
    deposit = _money(errors, data, "deposit")
    reserve = _money(errors, data, "reserve_price", required=False)
    if start and deposit and deposit > start:
        errors["deposit"] = N_("The deposit is at most the starting price.")
    if start and reserve and reserve < start:
        errors["reserve_price"] = N_("The reserve price is at least the starting price.")
    extension = data.get("extension_minutes") or DEFAULT_EXTENSION_MINUTES
    if not isinstance(extension, int) or not 1 <= extension <= 60:
        errors["extension_minutes"] = N_("Between 1 and 60 minutes.")
    split = data.get("forfeit_seller_bp", DEFAULT_FORFEIT_SELLER_BP)
    if not isinstance(split, int) or isinstance(split, bool) or not 0 <= split <= 10_000:
        errors["forfeit_seller_bp"] = N_("Between 0 and 10000 basis points.")
    try:
        ladder = validate_ladder(data.get("ladder") or [])
    except Invalid as exc:
        errors.update(exc.fields)
    if errors:
        raise Invalid(errors)
    exists = session.scalar(
        select(AuctionLot.id).where(
            AuctionLot.session_id == auction.id, AuctionLot.listing_id == listing.id
        )
    )
    if exists:
        raise Conflict(N_("This listing is already a lot of this session."), code="lot_exists")
    lot = AuctionLot(
        session_id=auction.id,
        listing_id=listing.id,
        owner_org_id=listing.organization_id,
        applicant_id=actor.id,
        state="applied",
        transfer_mode=mode,
        currency=listing.currency,
        start_price=start,
        ladder=ladder,
        reserve_price=reserve,
        deposit=deposit,
        extension_minutes=extension,
        forfeit_seller_bp=split,
        ends_at=auction.ends_at,
        created_at=now,
    )
    session.add(lot)
    session.flush()
    return lot


def lock_lot(session: Session, lot_id: int) -> AuctionLot:
    """The lot, its row locked until the transaction ends (SELECT … FOR UPDATE)."""
    lock_rows(session, AuctionLot, [lot_id])
    lot = session.get(AuctionLot, lot_id, populate_existing=True)
    if lot is None:
        raise NotFound(N_("No auction lot %(lot)s."), lot=lot_id)
    return lot


@unit_of_work
def decide_lot(
    session: Session, actor: User | None, lot_id: int, action: str, *, ip: str | None = None
) -> AuctionLot:
    """admit / reject (an operator) or withdraw (the owner) an application."""
    actor = require_user(actor)
    lot = lock_lot(session, lot_id)
    roles = [OPERATOR] if actor.is_operator else []
    if is_owner(actor, lot):
        roles.append(OWNER)
    if not roles and not lot_visible(actor, lot):
        raise NotFound(N_("No auction lot %(lot)s."), lot=lot_id)
    role = LOT.check(lot, action, roles)
    before = lot.state
    LOT.apply(lot, action, role)
    audit.record(
        session,
        actor,
        f"auction.lot_{action}",
        "auction_lot",
        lot.id,
        ip=ip,
        before={"state": before},
        after={"state": lot.state},
    )
    return lot


def lot_visible(actor: User | None, lot: AuctionLot) -> bool:
    return lot.state in PUBLIC_STATES or may_see_reserve(actor, lot)


def get_lot(session: Session, actor: User | None, lot_id: int) -> AuctionLot:
    lot = session.get(AuctionLot, lot_id)
    if lot is None or not lot_visible(actor, lot):
        raise NotFound(N_("No auction lot %(lot)s."), lot=lot_id)
    return lot


def list_lots(session: Session, actor: User | None, session_id: int) -> list[AuctionLot]:
    get_session(session, session_id)
    lots = session.scalars(
        select(AuctionLot).where(AuctionLot.session_id == session_id).order_by(AuctionLot.id)
    )
    return [lot for lot in lots if lot_visible(actor, lot)]
