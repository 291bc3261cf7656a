"""The lot's bid log as a hash chain anyone can verify.

``hash = SHA-256(prev_hash ‖ canonical JSON of the bid)``, where the first bid's
``prev_hash`` is 64 zeros and the canonical JSON is the published fields of the bid
(lot, seq, bidder pseudonym, amount in minor units, currency, kind, time in UTC ISO 8601
with microseconds), keys sorted, no spaces, UTF-8. The hidden proxy maximum is not part of
it. A verifier needs only the published log (GET /api/v1/auctions/lots/{id}/bids):

    import hashlib, json
    prev = "0" * 64
    for bid in log["bids"]:
        fields = {k: bid[k] for k in ("lot", "seq", "bidder", "amount", "currency", "kind", "at")}
        data = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert bid["prev_hash"] == prev
        prev = hashlib.sha256((prev + data).encode()).hexdigest()
        assert bid["hash"] == prev
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.models import AuctionBid

GENESIS = "0" * 64


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def published(bid: AuctionBid) -> dict[str, Any]:
    """The hashed (and published) fields of a bid."""
    return {
        "lot": bid.lot_id,
        "seq": bid.seq,
        "bidder": bid.bidder,
        "amount": bid.amount,
        "currency": bid.currency,
        "kind": bid.kind,
        "at": timestamp(bid.created_at),
    }


def canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode()).hexdigest()


def seal(bid: AuctionBid, prev_hash: str) -> None:
    """Set the bid's ``prev_hash`` and ``hash``."""
    bid.prev_hash = prev_hash
    bid.hash = link(prev_hash, published(bid))


@dataclass
class Broken:
    seq: int
    reason: str


def verify(session: Session, lot_id: int, last_hash: str | None = None) -> list[Broken]:
    """Recompute the lot's chain; every place where it does not hold (empty: intact).
    ``last_hash`` (the lot's stored head) catches a bid removed from the end."""
    problems: list[Broken] = []
    prev, expected_seq = GENESIS, 1
    for bid in session.scalars(
        select(AuctionBid).where(AuctionBid.lot_id == lot_id).order_by(AuctionBid.seq)
    ):
        if bid.seq != expected_seq:
            problems.append(Broken(bid.seq, f"expected sequence number {expected_seq}"))
        if bid.prev_hash != prev:
            problems.append(Broken(bid.seq, "prev_hash does not match the previous bid's hash"))
        recomputed = link(bid.prev_hash, published(bid))
        if recomputed != bid.hash:
            problems.append(Broken(bid.seq, "hash does not match the bid's contents"))
        prev, expected_seq = bid.hash, bid.seq + 1
    if last_hash is not None and last_hash != (prev if prev != GENESIS else ""):
        problems.append(Broken(expected_seq - 1, "the log does not end at the lot's last hash"))
    return problems
