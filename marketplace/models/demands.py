"""Enterprise technology demands (技术需求)."""

from __future__ import annotations

from datetime import date

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.listings import PublicationMixin
from marketplace.models.organizations import Organization, User
from marketplace.models.types import JSONList, in_list
from marketplace.models.vocab import DOMAINS, LANGUAGES, PUBLICATION_STATUSES


class Demand(PublicationMixin, db.Model):
    __tablename__ = "demand"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint(in_list("status", PUBLICATION_STATUSES), name="status"),
        CheckConstraint(in_list("domain", DOMAINS), name="domain"),
        CheckConstraint(in_list("language", LANGUAGES), name="language"),
        CheckConstraint("budget_min IS NULL OR budget_min >= 0", name="budget_min_nonnegative"),
        CheckConstraint(
            "budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max",
            name="budget_order",
        ),
        Index("ix_demand_status_published", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    domain: Mapped[str] = mapped_column(String(40), index=True)
    # Minor units (fen for CNY).
    budget_min: Mapped[int | None] = mapped_column(BigInteger)
    budget_max: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    cooperation_modes: Mapped[list[str]] = mapped_column(JSONList, default=list)
    deadline: Mapped[date | None] = mapped_column(Date)
    region: Mapped[str] = mapped_column(String(100), default="", index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    organization: Mapped[Organization] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
