"""Timed online auctions (网上竞价): sessions (专场), their lots, bidder registrations
with a deposit (保证金), and each lot's hash-chained bid log.

Money is in minor units (fen for CNY), like everywhere else. A lot's increment ladder is
a JSON list of tiers ``[{"below": 500000000, "step": 10000000}, {"below": null, "step":
20000000}]``: the increment at a price is the step of the first tier whose ``below`` is
above that price (``null``: no upper bound).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.listings import Listing
from marketplace.models.organizations import Organization, User
from marketplace.models.types import JSONList, TZDateTime, in_list, utcnow
from marketplace.models.vocab import DOMAINS

# applied → admitted (public, bid on by the clock) → sold | unsold; or rejected/withdrawn.
# A sold lot whose buyer (the winner, then perhaps the runner-up) never funds the deal,
# or whose seller backs out, ends defaulted.
LOT_STATES = ("applied", "admitted", "rejected", "withdrawn", "sold", "unsold", "defaulted")
# pending (instructions given) → held (in escrow) → applied (to the deal) | refunded;
# an applied deposit is forfeited (the winner did not fund) or refunded (the deal fell
# through by no fault of the bidder); a deposit never paid lapses when the lot closes.
DEPOSIT_STATES = ("pending", "held", "applied", "refunded", "lapsed", "forfeited")
# Transfer modes a lot may be auctioned under (an assignment or an exclusive licence).
AUCTION_TRANSFER_MODES = ("assignment", "license_exclusive")
BID_KINDS = ("bid", "proxy")


class AuctionSession(db.Model):
    """A session (专场) scheduled by an operator: its lots open together and close by
    the clock (each lot's end may be extended by late bids)."""

    __tablename__ = "auction_session"
    __table_args__ = (
        CheckConstraint(in_list("domain", DOMAINS), name="domain"),
        CheckConstraint("ends_at > starts_at", name="times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(40))
    rules: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    lots: Mapped[list[AuctionLot]] = relationship(
        back_populates="session", order_by="AuctionLot.id"
    )


class AuctionLot(db.Model):
    __tablename__ = "auction_lot"
    __table_args__ = (
        UniqueConstraint("session_id", "listing_id"),
        CheckConstraint(in_list("state", LOT_STATES), name="state"),
        CheckConstraint(in_list("transfer_mode", AUCTION_TRANSFER_MODES), name="transfer_mode"),
        CheckConstraint("start_price > 0", name="start_price_positive"),
        CheckConstraint("deposit > 0", name="deposit_positive"),
        CheckConstraint("reserve_price IS NULL OR reserve_price >= start_price", name="reserve"),
        CheckConstraint("extension_minutes BETWEEN 1 AND 60", name="extension"),
        CheckConstraint("current_price IS NULL OR current_price >= start_price", name="price"),
        CheckConstraint("forfeit_seller_bp BETWEEN 0 AND 10000", name="forfeit_split"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("auction_session.id", ondelete="RESTRICT"), index=True
    )
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listing.id", ondelete="RESTRICT"), index=True
    )
    owner_org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    applicant_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(20), default="applied", index=True)
    transfer_mode: Mapped[str] = mapped_column(String(30))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    start_price: Mapped[int] = mapped_column(BigInteger)
    ladder: Mapped[list[dict[str, Any]]] = mapped_column(JSONList, default=list)
    # Hidden from everyone but the owner and operators: below it, the lot is unsold.
    reserve_price: Mapped[int | None] = mapped_column(BigInteger)
    deposit: Mapped[int] = mapped_column(BigInteger)
    extension_minutes: Mapped[int] = mapped_column(Integer, default=5)
    # Starts as the session's end; late bids push it (anti-sniping).
    ends_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    # The bidding state, changed only under the lot's row lock (auctions/bidding.py).
    current_price: Mapped[int | None] = mapped_column(BigInteger)
    # The registration leading now (no foreign key: the registration table refers here).
    leader_id: Mapped[int | None] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deal.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # A forfeited deposit's split (the lot's rules): the seller's share in basis points,
    # the platform keeps the rest.
    forfeit_seller_bp: Mapped[int] = mapped_column(Integer, default=5000, server_default="5000")
    # After the close (auctions/settlement.py): the registration buying now (the winner,
    # or the runner-up once the winner forfeited), at what price, by when the deal must
    # be funded; the runner-up whose deposit stays held until then; and whose offer this
    # is (0: the winner at the hammer, 1: the runner-up's second chance).
    buyer_id: Mapped[int | None] = mapped_column(Integer)
    sale_price: Mapped[int | None] = mapped_column(BigInteger)
    funding_due_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    runner_up_id: Mapped[int | None] = mapped_column(Integer)
    offer_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    session: Mapped[AuctionSession] = relationship(back_populates="lots", lazy="joined")
    # Loaded when read (bidding, which locks the lot row, needs neither).
    listing: Mapped[Listing] = relationship()
    owner: Mapped[Organization] = relationship()
    applicant: Mapped[User | None] = relationship()


class AuctionRegistration(db.Model):
    """An organization's registration to bid on one lot, and its deposit."""

    __tablename__ = "auction_registration"
    __table_args__ = (
        UniqueConstraint("lot_id", "organization_id"),
        UniqueConstraint("lot_id", "ordinal"),
        CheckConstraint(in_list("deposit_state", DEPOSIT_STATES), name="deposit_state"),
        CheckConstraint("deposit_amount > 0", name="deposit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("auction_lot.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # 1, 2, 3… in order of registration: the public pseudonym 竞买人 A, B, C…
    ordinal: Mapped[int] = mapped_column(Integer)
    deposit_state: Mapped[str] = mapped_column(String(20), default="pending")
    deposit_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    provider: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    instructions: Mapped[str] = mapped_column(Text, default="")
    # The Stripe PaymentIntent when the deposit is paid by card ("" by bank transfer).
    payment_intent: Mapped[str] = mapped_column(String(255), default="")
    # The bidder's proxy maximum: hidden from everyone else.
    proxy_max: Mapped[int | None] = mapped_column(BigInteger)
    proxy_seq: Mapped[int | None] = mapped_column(BigInteger)  # when it was set (ties)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # The deal the deposit was applied to, kept when it is later refunded or forfeited.
    deal_id: Mapped[int | None] = mapped_column(Integer)

    organization: Mapped[Organization] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship()


class AuctionBid(db.Model):
    """One accepted bid, appended to its lot's log: ``hash = SHA-256(prev_hash ‖
    canonical JSON of the bid)`` (auctions/chain.py)."""

    __tablename__ = "auction_bid"
    __table_args__ = (
        UniqueConstraint("lot_id", "seq"),
        UniqueConstraint("lot_id", "amount"),
        CheckConstraint(in_list("kind", BID_KINDS), name="kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("auction_lot.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("auction_registration.id", ondelete="RESTRICT")
    )
    bidder: Mapped[str] = mapped_column(String(10))  # the pseudonym, as hashed
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(10))  # bid (typed) or proxy (automatic)
    # The bidder's maximum when this bid was made: hidden, not hashed.
    proxy_max: Mapped[int | None] = mapped_column(BigInteger)
    # The member who placed it (a proxy answer: the one who set the maximum); not hashed,
    # so chains sealed before it was recorded still verify. None on those older bids.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
