"""Deals (交易): the negotiation thread, terms versions, milestones, funding, payouts and
the timeline. Money itself lives in the ledger (models/ledger.py); these rows say what
was agreed and what was asked of the payment provider."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.files import StoredFile
from marketplace.models.organizations import Organization
from marketplace.models.outbox import BigId
from marketplace.models.types import JSONList, TZDateTime, in_list, utcnow
from marketplace.models.vocab import CURRENCIES, TRANSFER_MODES

DEAL_STATES = (
    "inquiry",
    "negotiating",
    "agreed",
    "funded",
    "in_progress",
    "disputed",
    "resolved",
    "completed",
    "cancelled",
)
PARTY_ROLES = ("buyer", "supplier")
# The deal's assigned broker proposes terms, writes in the thread and may arbitrate.
PROPOSER_ROLES = ("buyer", "supplier", "broker")
ACTOR_ROLES = ("buyer", "supplier", "operator", "system", "broker")
# pending → delivered (supplier) → accepted (buyer, or the platform once the acceptance
# period has passed) or back to pending (rejected); disputed → resolved; cancelled.
MILESTONE_STATES = ("pending", "delivered", "accepted", "disputed", "resolved", "cancelled")
DEFAULT_ACCEPTANCE_DAYS = 14
FUNDING_STATUSES = ("pending", "confirmed")
# How an operator settles a disputed milestone.
RESOLUTIONS = ("release", "refund", "split")
# A release pays the supplier, a refund the buyer, a commission the broker's organization.
PAYOUT_KINDS = ("release", "refund", "commission")
PAYOUT_STATUSES = ("pending", "executed")
# A proposal to cancel a funded deal: open until the other party accepts or declines it,
# its proposer withdraws it, it lapses, or a release, an acceptance or a dispute clears it.
CANCELLATION_STATUSES = ("open", "accepted", "declined", "withdrawn", "lapsed", "cleared")
ONE_ITEM = (
    "(CASE WHEN listing_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN demand_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN challenge_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class Deal(db.Model):
    __tablename__ = "deal"
    __table_args__ = (
        CheckConstraint(in_list("state", DEAL_STATES), name="state"),
        # Opened on exactly one item: a listing (buyer asks), a demand (supplier answers)
        # or an awarded challenge (challenges/award.py).
        CheckConstraint(ONE_ITEM, name="one_item"),
        CheckConstraint("buyer_org_id <> supplier_org_id", name="two_parties"),
        CheckConstraint(in_list("opened_by_role", PARTY_ROLES), name="opened_by_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default="inquiry", index=True)
    title: Mapped[str] = mapped_column(String(200))
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listing.id", ondelete="RESTRICT"), index=True
    )
    demand_id: Mapped[int | None] = mapped_column(
        ForeignKey("demand.id", ondelete="RESTRICT"), index=True
    )
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenge.id", ondelete="RESTRICT"), index=True
    )
    buyer_org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    supplier_org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    opened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    opened_by_role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic concurrency, as on listings: a lost update becomes a Conflict.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    buyer: Mapped[Organization] = relationship(foreign_keys=[buyer_org_id], lazy="joined")
    supplier: Mapped[Organization] = relationship(foreign_keys=[supplier_org_id], lazy="joined")
    terms_versions: Mapped[list[DealTerms]] = relationship(
        back_populates="deal", foreign_keys="DealTerms.deal_id", order_by="DealTerms.number"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="deal", order_by="Milestone.position"
    )
    events: Mapped[list[DealEvent]] = relationship(order_by="DealEvent.id")
    # Every broker invited or assigned (models/brokers.py); see ``active_broker_id``.
    broker_assignments: Mapped[list[BrokerAssignment]] = relationship(  # noqa: F821
        "BrokerAssignment", viewonly=True, order_by="BrokerAssignment.id", lazy="selectin"
    )

    cancellation_proposals: Mapped[list[CancellationProposal]] = relationship(
        viewonly=True, order_by="CancellationProposal.id"
    )

    @property
    def active_broker_id(self) -> int | None:
        """The user id of the broker mediating the deal now (at most one, by constraint)."""
        return next((a.broker_id for a in self.broker_assignments if a.status == "active"), None)

    @property
    def current_terms(self) -> DealTerms | None:
        return self.terms_versions[-1] if self.terms_versions else None

    @property
    def agreed_terms(self) -> DealTerms | None:
        """The contract: the version both parties confirmed (at most one per deal)."""
        return next((t for t in self.terms_versions if t.agreed_at is not None), None)


class DealTerms(db.Model):
    """One version of the proposed terms (an offer or a counter-offer). Never edited:
    a change is a new version, which voids the confirmations of earlier ones."""

    __tablename__ = "deal_terms"
    __table_args__ = (
        UniqueConstraint("deal_id", "number"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint(in_list("currency", CURRENCIES), name="currency"),
        CheckConstraint(in_list("transfer_mode", TRANSFER_MODES), name="transfer_mode"),
        CheckConstraint(
            "platform_fee_bp >= 0 AND commission_bp >= 0 AND platform_fee_bp + commission_bp <= 10000",
            name="rates",
        ),
        CheckConstraint(in_list("proposed_by_role", PROPOSER_ROLES), name="proposed_by_role"),
        CheckConstraint("broker_id IS NOT NULL OR commission_bp = 0", name="commission_has_broker"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    proposed_by_role: Mapped[str] = mapped_column(String(10))
    price: Mapped[int] = mapped_column(BigInteger)  # minor units
    currency: Mapped[str] = mapped_column(String(3))
    transfer_mode: Mapped[str] = mapped_column(String(30))
    # [{"title": str, "amount": int, "due_date": "YYYY-MM-DD" | null}], amounts sum to price
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSONList)
    platform_fee_bp: Mapped[int] = mapped_column(Integer)  # basis points: 300 = 3 %
    commission_bp: Mapped[int] = mapped_column(Integer, default=0)
    broker_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The contract lets the assigned broker arbitrate a disputed milestone.
    broker_may_arbitrate: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Days the buyer has to accept or reject a delivered milestone before it is accepted
    # automatically.
    acceptance_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_ACCEPTANCE_DAYS, server_default=str(DEFAULT_ACCEPTANCE_DAYS)
    )
    note: Mapped[str] = mapped_column(Text, default="")
    terms_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # Set when buyer and supplier have both confirmed this version: it is the contract.
    agreed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    deal: Mapped[Deal] = relationship(back_populates="terms_versions", foreign_keys=[deal_id])
    confirmations: Mapped[list[TermsConfirmation]] = relationship(
        order_by="TermsConfirmation.id", lazy="selectin"
    )


class TermsConfirmation(db.Model):
    """A party's confirmation of one exact terms version (by its hash)."""

    __tablename__ = "terms_confirmation"
    __table_args__ = (
        UniqueConstraint("terms_id", "role"),
        CheckConstraint(in_list("role", PARTY_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    terms_id: Mapped[int] = mapped_column(ForeignKey("deal_terms.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    terms_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class Milestone(db.Model):
    """A deliverable of the agreed contract; created from the terms when the deal is agreed."""

    __tablename__ = "milestone"
    __table_args__ = (
        UniqueConstraint("deal_id", "position"),
        CheckConstraint(in_list("state", MILESTONE_STATES), name="state"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "released_amount >= 0 AND refunded_amount >= 0 "
            "AND released_amount + refunded_amount <= amount",
            name="settled_within_amount",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    # Gross amount released from escrow (fees included) and amount refunded to the buyer.
    released_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    dispute_reason: Mapped[str] = mapped_column(Text, default="")
    resolution: Mapped[str] = mapped_column(String(20), default="")  # "" or a RESOLUTIONS value
    # The latest delivery: when, the supplier's note, its files ([{"id", "filename"}] of
    # deal attachments), and until when the buyer answers before it is accepted
    # automatically (and when the buyer was reminded of that).
    delivered_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    delivery_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    delivery_files: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONList, default=list, server_default="[]"
    )
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    acceptance_due_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    acceptance_notice_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    deal: Mapped[Deal] = relationship(back_populates="milestones")

    @property
    def settled(self) -> bool:
        return self.state in ("accepted", "resolved", "cancelled")


class CancellationProposal(db.Model):
    """One party's proposal to cancel a funded deal (deals/cancellation.py). At most one is
    open per deal; the other party's acceptance cancels the deal and refunds what escrow
    still holds, nothing else does (besides an operator's arbitration)."""

    __tablename__ = "cancellation_proposal"
    __table_args__ = (
        CheckConstraint(in_list("status", CANCELLATION_STATUSES), name="status"),
        CheckConstraint(in_list("proposed_by_role", PARTY_ROLES), name="proposed_by_role"),
        Index(
            "uq_cancellation_proposal_open",
            "deal_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    proposed_by_role: Mapped[str] = mapped_column(String(10))
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # Unanswered by then, it lapses (DEAL_CANCELLATION_LAPSE_DAYS after it was made).
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Why it closed: the decline's reason, or what cleared it ("release", "dispute" …).
    closing_note: Mapped[str] = mapped_column(Text, default="")

    def answerable(self, now: datetime) -> bool:
        return self.status == "open" and self.expires_at > now


class DealMessage(db.Model):
    """One message of the negotiation thread. Attachments come later (a separate table
    with size/type limits, stored outside the web root, served only to the deal's parties)."""

    __tablename__ = "deal_message"
    __table_args__ = (CheckConstraint(in_list("role", ACTOR_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    role: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class DealEvent(db.Model):
    """The timeline: every transition and every money event of a deal."""

    __tablename__ = "deal_event"
    __table_args__ = (
        CheckConstraint(in_list("role", ACTOR_ROLES), name="role"),
        Index("ix_deal_event_deal", "deal_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONList, default=dict)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class Funding(db.Model):
    """What the buyer was asked to pay, through which provider, under which reference."""

    __tablename__ = "deal_funding"
    __table_args__ = (
        CheckConstraint(in_list("status", FUNDING_STATUSES), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    terms_id: Mapped[int] = mapped_column(ForeignKey("deal_terms.id", ondelete="RESTRICT"))
    provider: Mapped[str] = mapped_column(String(20))
    # The bank-transfer reference (offline) or the provider's payment id (stripe).
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    instructions: Mapped[str] = mapped_column(Text, default="")
    client_data: Mapped[dict[str, Any]] = mapped_column(JSONList, default=dict)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class PayoutInstruction(db.Model):
    """Money owed out of the platform (a release to the supplier, a refund to the buyer, a
    commission to the broker's organization), pending until an operator (or the provider)
    executes it."""

    __tablename__ = "payout_instruction"
    __table_args__ = (
        CheckConstraint(in_list("kind", PAYOUT_KINDS), name="kind"),
        CheckConstraint(in_list("status", PAYOUT_STATUSES), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payout_instruction_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The deal the money belongs to, or none: a refund of money paid in without a deal
    # (an auction deposit, a challenge's bounty), named by ``subject``.
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deal.id", ondelete="CASCADE"), index=True
    )
    # What the money was paid for: "deal:7", "auction_registration:12", "challenge:5".
    subject: Mapped[str] = mapped_column(String(60), default="")
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestone.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(10))
    provider: Mapped[str] = mapped_column(String(20))
    beneficiary_org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT")
    )
    # The ledger account the money leaves on execution (supplier payable, deal refunds or
    # the broker's commission account).
    account_code: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # One instruction per money event (the ledger transaction's idempotency key).
    source_key: Mapped[str] = mapped_column(String(200), unique=True)
    instructions: Mapped[str] = mapped_column(Text, default="")
    # The provider's data for a person to pay it (payee, bank, account, amount, remark:
    # payments.base.bank_transfer_details); the page renders it in the reader's language.
    details: Mapped[dict[str, Any]] = mapped_column(JSONList, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reference: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    executed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    executed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    beneficiary: Mapped[Organization] = relationship(lazy="joined")


class DealAttachment(StoredFile, db.Model):
    """A file shared in a deal's thread. Stored outside the web root under a random key;
    served only to the deal's parties and operators (services/deal_files.py)."""

    __tablename__ = "deal_attachment"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        Index("ix_deal_attachment_deal", "deal_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("deal_message.id", ondelete="SET NULL")
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
