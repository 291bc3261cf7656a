"""The double-entry ledger: accounts, journal transactions, entries (append-only).

Every money event is one journal transaction whose entries sum to zero per currency.
Balances are derived from entries. Entries are never updated or deleted: database
triggers (migration 0003) refuse it on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.outbox import BigId
from marketplace.models.types import TZDateTime, in_list, utcnow

# What each account holds. Sign convention: an entry's amount is a debit when positive
# and a credit when negative; an account's balance is the sum of its entries.
ACCOUNT_KINDS = (
    "external",  # money outside the platform (the buyer's card or bank, the supplier's bank)
    "buyer_funding",  # what a buyer has paid in for a deal
    "escrow",  # held for a deal until release or refund
    "supplier_payable",  # owed to a supplier, until paid out
    "platform_revenue",  # platform fees earned
    "broker_commission",  # owed to a broker, until paid out
    "refunds",  # owed back to a buyer, until paid out
    "voucher_budget",  # an innovation voucher programme's unspent, ungranted budget
    "voucher_wallet",  # vouchers granted to an enterprise under one programme, unspent
)


class LedgerAccount(db.Model):
    __tablename__ = "ledger_account"
    __table_args__ = (
        UniqueConstraint("code", "currency"),
        CheckConstraint(in_list("kind", ACCOUNT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "deal:42:escrow", "platform:revenue", "org:7:payable"
    code: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    currency: Mapped[str] = mapped_column(String(3))
    deal_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class JournalTransaction(db.Model):
    __tablename__ = "journal_transaction"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    deal_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # The same money event posted twice (a retried request, a repeated webhook) is one row.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", lazy="selectin", order_by="LedgerEntry.id"
    )


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="nonzero"),
        Index("ix_ledger_entry_account", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("journal_transaction.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units; debit > 0, credit < 0
    currency: Mapped[str] = mapped_column(String(3))

    transaction: Mapped[JournalTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship(lazy="joined")
