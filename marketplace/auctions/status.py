"""What API and pages show of auctions, built once: a lot's live status for a reader (by
the server's clock), its public bid log, and the results of closed sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.auctions import chain
from marketplace.auctions.bidding import bids, next_minimum
from marketplace.auctions.deposits import registration_of
from marketplace.auctions.lots import list_sessions, may_see_reserve
from marketplace.auctions.rules import increment, pseudonym
from marketplace.models import AuctionLot, AuctionRegistration, AuctionSession, User
from marketplace.models.types import utcnow


def phase(lot: AuctionLot, now: datetime) -> str:
    """upcoming (admitted, before the session starts), open, ended (awaiting the close),
    closed (sold or unsold), or the application's state (applied, rejected, withdrawn)."""
    if lot.state in ("sold", "unsold", "defaulted"):
        return "closed"
    if lot.state != "admitted":
        return lot.state
    if now < lot.session.starts_at:
        return "upcoming"
    return "open" if now < lot.ends_at else "ended"


def bidder_count(session: Session, lot_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(AuctionRegistration)
            .where(
                AuctionRegistration.lot_id == lot_id,
                AuctionRegistration.deposit_state != "pending",
                AuctionRegistration.deposit_state != "lapsed",
            )
        )
        or 0
    )


def lot_status(
    session: Session, actor: User | None, lot: AuctionLot, now: datetime | None = None
) -> dict[str, Any]:
    now = now or utcnow()
    current = lot.current_price
    out: dict[str, Any] = {
        "id": lot.id,
        "session_id": lot.session_id,
        "session_title": lot.session.title,
        "listing_id": lot.listing_id,
        "title": lot.listing.title,
        "seller": lot.owner.name,
        "state": lot.state,
        "phase": phase(lot, now),
        "transfer_mode": lot.transfer_mode,
        "currency": lot.currency,
        "start_price": lot.start_price,
        "current_price": current,
        "minimum_bid": next_minimum(lot),
        "increment": increment(lot.ladder, current if current is not None else lot.start_price),
        "ladder": lot.ladder,
        "deposit": lot.deposit,
        "extension_minutes": lot.extension_minutes,
        "starts_at": lot.session.starts_at,
        "ends_at": lot.ends_at,
        "server_time": now,
        # Nothing is left once the lot is closed (the worker may close it a moment early
        # by its own clock).
        "seconds_left": max(0, int((lot.ends_at - now).total_seconds()))
        if lot.state == "admitted"
        else 0,
        "extensions": lot.extensions,
        "bid_count": lot.last_seq,
        "bidder_count": bidder_count(session, lot.id),
        "reserve_set": lot.reserve_price is not None,
        "reserve_met": None
        if lot.reserve_price is None or current is None
        else current >= lot.reserve_price,
        "reserve_price": lot.reserve_price if may_see_reserve(actor, lot) else None,
        "leader": None,
        "deal_id": lot.deal_id if may_see_reserve(actor, lot) else None,
        # After the close: the price the lot is sold at (the hammer, or the runner-up's
        # bid once the winner forfeited), by when the buyer funds, the forfeit split.
        "sale_price": lot.sale_price,
        "funding_due_at": lot.funding_due_at,
        "offer_round": lot.offer_round,
        "forfeit_seller_bp": lot.forfeit_seller_bp,
        "me": None,
    }
    if lot.leader_id is not None:
        leader = session.get(AuctionRegistration, lot.leader_id)
        out["leader"] = pseudonym(leader.ordinal)
    reg = registration_of(session, lot.id, actor.organization_id if actor else None)
    if reg is not None:
        leading = lot.leader_id == reg.id
        out["me"] = {
            "registration_id": reg.id,
            "bidder": pseudonym(reg.ordinal),
            "deposit_state": reg.deposit_state,
            "deposit_amount": reg.deposit_amount,
            "reference": reg.reference,
            "instructions": reg.instructions,
            "proxy_max": reg.proxy_max,
            "status": "leading"
            if leading
            else "outbid"
            if reg.proxy_max is not None
            else "registered",
            "won": lot.state == "sold" and reg.id == lot.buyer_id,
            "runner_up": lot.state == "sold" and reg.id == lot.runner_up_id,
            "deal_id": lot.deal_id if lot.state == "sold" and reg.id == lot.buyer_id else None,
        }
    return out


def bid_log(session: Session, lot: AuctionLot) -> dict[str, Any]:
    return {
        "lot": lot.id,
        "algorithm": "sha256(prev_hash || canonical_json(bid))",
        "genesis": chain.GENESIS,
        "head": lot.last_hash,
        "bids": [
            chain.published(b) | {"prev_hash": b.prev_hash, "hash": b.hash}
            for b in bids(session, lot.id)
        ],
    }


def results(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Closed sessions (every admitted lot closed): each lot sold or unsold, the hammer
    price and its premium over the start, and the session's totals."""
    now = now or utcnow()
    out = []
    for auction in list_sessions(session):
        lots = [
            lot for lot in auction.lots if lot.state in ("admitted", "sold", "unsold", "defaulted")
        ]
        if not lots or any(lot.state == "admitted" for lot in lots):
            continue
        rows = []
        for lot in lots:
            sold = lot.state == "sold"
            hammer = (lot.sale_price or lot.current_price) if sold else None
            rows.append(
                {
                    "id": lot.id,
                    "title": lot.listing.title,
                    "state": lot.state,
                    "currency": lot.currency,
                    "start_price": lot.start_price,
                    "hammer_price": hammer,
                    "premium_pct": round(100 * (hammer - lot.start_price) / lot.start_price, 1)
                    if sold
                    else None,
                    "bid_count": lot.last_seq,
                    "closed_at": lot.closed_at,
                }
            )
        sold_rows = [r for r in rows if r["state"] == "sold"]
        start_total = sum(r["start_price"] for r in sold_rows)
        hammer_total = sum(r["hammer_price"] for r in sold_rows)
        out.append(
            {
                "id": auction.id,
                "title": auction.title,
                "domain": auction.domain,
                "starts_at": auction.starts_at,
                "ends_at": auction.ends_at,
                "lots": rows,
                "lot_count": len(rows),
                "sold_count": len(sold_rows),
                "currency": rows[0]["currency"],
                "hammer_total": hammer_total,
                "start_total": start_total,
                "premium_pct": round(100 * (hammer_total - start_total) / start_total, 1)
                if start_total
                else None,
            }
        )
    return out


def session_view(auction: AuctionSession, lots: list[AuctionLot], now: datetime) -> dict[str, Any]:
    state = (
        "upcoming"
        if now < auction.starts_at
        else "open"
        if any(lot.state == "admitted" for lot in lots)
        else "closed"
    )
    return {
        "id": auction.id,
        "title": auction.title,
        "domain": auction.domain,
        "rules": auction.rules,
        "starts_at": auction.starts_at,
        "ends_at": auction.ends_at,
        "phase": state,
        "lot_count": len(lots),
    }
