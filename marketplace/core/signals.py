"""Signals a lower domain sends for a higher one to act on in the same transaction.

``catalog`` may not import ``notifications`` (ARCHITECTURE.md: the arrows point down), yet
an operator's review must reach the item's owners. The reviewing service sends
``item_reviewed`` inside its unit of work; notifications/events.py receives it and writes
its rows in that same transaction. Receivers must not commit. (blinker: Flask's own
signal library.)
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the session; item=Listing | Demand, action="publish" | "reject",
# actor_id=the operator, review_id=the review's audit entry.
item_reviewed = _signals.signal("item-reviewed")

# sender: the session; deal=the Deal (locked, just cancelled before it was funded),
# role=who cancelled it ("buyer", "supplier", "operator"), gateway=the payment gateway.
# Escrow may still hold money
# that is not the buyer's funding (an auction deposit applied at the close); its owner
# (auctions/settlement.py) refunds or forfeits it in the same transaction.
deal_cancelled_unfunded = _signals.signal("deal-cancelled-unfunded")

# sender: the session; deal=the Deal (locked), milestone=the Milestone or None (a whole
# cancellation), amount=what leaves escrow as a refund, key=the refund's idempotency key.
# Money in escrow that is not the buyer's own (an innovation voucher) goes back where it
# came from: a receiver posts its part out of escrow itself and returns that amount; the
# rest goes back to the buyer (deals/escrow.py refund).
escrow_refunding = _signals.signal("escrow-refunding")

# sender: the session; deal=the Deal (locked), milestone=the Milestone, amount=the gross
# amount just released from escrow to the supplier (vouchers attribute their part: 兑付).
escrow_released = _signals.signal("escrow-released")
