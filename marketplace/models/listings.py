"""Technology listings (技术成果) and the patents behind them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.organizations import Organization, User
from marketplace.models.types import JSONList, TZDateTime, in_list, utcnow
from marketplace.models.vocab import (
    DOMAINS,
    LANGUAGES,
    LEGAL_STATUSES,
    PATENT_TYPES,
    PRICE_TYPES,
    PUBLICATION_STATUSES,
)


class PublicationMixin:
    """Columns of the publication workflow shared by listings and demands."""

    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(50), default="web")
    external_id: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(2), default="zh")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    # Optimistic concurrency: every UPDATE checks and bumps it, so two writers that read
    # the same row cannot both win (PostgreSQL also locks rows; SQLite relies on this).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}


class Listing(PublicationMixin, db.Model):
    __tablename__ = "listing"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint("trl BETWEEN 1 AND 9", name="trl_range"),
        CheckConstraint(in_list("status", PUBLICATION_STATUSES), name="status"),
        CheckConstraint(in_list("domain", DOMAINS), name="domain"),
        CheckConstraint(in_list("price_type", PRICE_TYPES), name="price_type"),
        CheckConstraint(in_list("language", LANGUAGES), name="language"),
        CheckConstraint("price_amount IS NULL OR price_amount >= 0", name="price_nonnegative"),
        CheckConstraint(
            "price_type = 'negotiable' OR price_amount IS NOT NULL", name="price_required"
        ),
        Index("ix_listing_status_published", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    domain: Mapped[str] = mapped_column(String(40), index=True)
    tags: Mapped[list[str]] = mapped_column(JSONList, default=list)
    trl: Mapped[int]
    transfer_modes: Mapped[list[str]] = mapped_column(JSONList, default=list)
    price_type: Mapped[str] = mapped_column(String(20))
    # Minor units (fen for CNY); NULL for negotiable prices.
    price_amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    region: Mapped[str] = mapped_column(String(100), default="", index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    organization: Mapped[Organization] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    patents: Mapped[list[Patent]] = relationship(
        back_populates="listing",
        cascade="all, delete-orphan",
        order_by="Patent.id",
        lazy="selectin",
    )


class Patent(db.Model):
    __tablename__ = "patent"
    __table_args__ = (
        UniqueConstraint("listing_id", "patent_number"),
        CheckConstraint(in_list("patent_type", PATENT_TYPES), name="patent_type"),
        CheckConstraint(in_list("legal_status", LEGAL_STATUSES), name="legal_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    patent_number: Mapped[str] = mapped_column(String(20), index=True)
    patent_type: Mapped[str] = mapped_column(String(20))
    legal_status: Mapped[str] = mapped_column(String(20))
    ipc_codes: Mapped[list[str]] = mapped_column(JSONList, default=list)
    applicant: Mapped[str] = mapped_column(String(200), default="")
    inventors: Mapped[list[str]] = mapped_column(JSONList, default=list)
    filing_date: Mapped[date | None] = mapped_column(Date)
    abstract: Mapped[str] = mapped_column(Text, default="")
    first_claim: Mapped[str] = mapped_column(Text, default="")

    listing: Mapped[Listing] = relationship(back_populates="patents")
