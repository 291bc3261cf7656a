"""科技创新券 innovation vouchers: programmes the bureau funds, enterprises' applications,
the vouchers spent on deals and what those deals released to suppliers (兑付).

Money is on the ledger (marketplace/vouchers/money.py): a programme's budget account, one
wallet per (enterprise, programme); these rows record the decisions and the attribution
of a deal's escrow outflows to its voucher part.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.organizations import Organization
from marketplace.models.types import JSONList, TZDateTime, in_list, utcnow

APPLICATION_STATES = ("submitted", "granted", "refused")
# Who may be paid with a voucher: verified universities and institutes.
SUPPLIER_KINDS = ("university", "institute")


class VoucherProgramme(db.Model):
    __tablename__ = "voucher_programme"
    __table_args__ = (
        CheckConstraint("per_application_cap > 0", name="per_application_cap_positive"),
        CheckConstraint("per_year_cap >= per_application_cap", name="per_year_cap"),
        CheckConstraint("max_share_bp > 0 AND max_share_bp <= 10000", name="max_share_bp"),
        CheckConstraint("valid_to >= valid_from", name="validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    issuing_body: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # Minor units. The budget's money is on the ledger; these are the programme's rules.
    per_application_cap: Mapped[int] = mapped_column(BigInteger)
    per_year_cap: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    # Empty: any. Transfer modes and domains a voucher may pay for.
    transfer_modes: Mapped[list[str]] = mapped_column(JSONList, default=list)
    domains: Mapped[list[str]] = mapped_column(JSONList, default=list)
    supplier_kinds: Mapped[list[str]] = mapped_column(JSONList, default=list)
    # The largest share of a deal's price a voucher may pay, in basis points (5000 = 50 %).
    max_share_bp: Mapped[int] = mapped_column(Integer, default=5000)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class VoucherApplication(db.Model):
    """申领: an enterprise asks a programme for an amount; an operator grants (possibly
    less) or refuses with a reason (vouchers/applications.py has the lifecycle)."""

    __tablename__ = "voucher_application"
    __table_args__ = (
        CheckConstraint(in_list("state", APPLICATION_STATES), name="state"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "granted_amount IS NULL OR (granted_amount > 0 AND granted_amount <= amount)",
            name="granted_amount",
        ),
        Index("ix_voucher_application_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("voucher_programme.id", ondelete="RESTRICT"), index=True
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    applicant_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    # The deal or technology service the enterprise intends to buy.
    purpose: Mapped[str] = mapped_column(Text, default="")
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deal.id", ondelete="SET NULL"))
    # [{"filename", "content_type", "size", "sha256", "storage_key"}]
    documents: Mapped[list[dict]] = mapped_column(JSONList, default=list)
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    granted_amount: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    programme: Mapped[VoucherProgramme] = relationship(lazy="joined")
    organization: Mapped[Organization] = relationship(lazy="joined")


class VoucherSpend(db.Model):
    """A voucher paid into a deal's escrow (one per deal), and how much of the escrow's
    outflows since then were its part: ``released`` to the supplier, ``returned`` to the
    wallet or the budget (see vouchers/spending.py for the pro-rata rule)."""

    __tablename__ = "voucher_spend"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("released + returned <= amount", name="settled_within"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="RESTRICT"), unique=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("voucher_programme.id", ondelete="RESTRICT"), index=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[int] = mapped_column(BigInteger)  # the contract amount it was spent on
    currency: Mapped[str] = mapped_column(String(3))
    # Everything that left the deal's escrow since (releases and refunds, all parts).
    settled_gross: Mapped[int] = mapped_column(BigInteger, default=0)
    released: Mapped[int] = mapped_column(BigInteger, default=0)
    returned: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    programme: Mapped[VoucherProgramme] = relationship(lazy="joined")


class VoucherRedemption(db.Model):
    """兑付: the voucher part of one release to a supplier, for the bureau to pay."""

    __tablename__ = "voucher_redemption"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_voucher_redemption_programme", "programme_id", "released_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    spend_id: Mapped[int] = mapped_column(
        ForeignKey("voucher_spend.id", ondelete="RESTRICT"), index=True
    )
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("voucher_programme.id", ondelete="RESTRICT")
    )
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="RESTRICT"))
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestone.id", ondelete="RESTRICT")
    )
    supplier_org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    released_gross: Mapped[int] = mapped_column(BigInteger)  # the whole release it is part of
    currency: Mapped[str] = mapped_column(String(3))
    released_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    programme: Mapped[VoucherProgramme] = relationship(lazy="joined")
    supplier: Mapped[Organization] = relationship(lazy="joined")
