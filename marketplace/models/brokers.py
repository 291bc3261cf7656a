"""Brokers (技术经纪人): profiles verified by operators, their assignment to deals,
mediation offers on listings and demands, brokerage records and ratings.

A broker is a user with the ``broker`` role; every broker reference below is the
user's id (the same id the contract terms carry in ``deal_terms.broker_id`` and the
ledger in ``broker:{id}:commission``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.files import StoredFile
from marketplace.models.organizations import User
from marketplace.models.outbox import BigId
from marketplace.models.types import JSONList, TZDateTime, in_list, utcnow

PROFILE_STATUSES = ("pending", "verified", "rejected")
# invited: a deal party asked the broker; active: mediating; declined: the broker said no;
# withdrawn: the inviter took the invitation back; released: both parties let the broker go.
ASSIGNMENT_STATUSES = ("invited", "active", "declined", "withdrawn", "released")
ASSIGNMENT_SOURCES = ("invitation", "offer")
OFFER_STATUSES = ("pending", "accepted", "declined", "withdrawn")
RECORD_KINDS = ("call", "meeting", "site_visit", "evaluation", "document", "negotiation_note")
# shared: the deal's parties, the broker and operators; private: the broker and operators.
RECORD_VISIBILITIES = ("shared", "private")
RATING_ROLES = ("buyer", "supplier")


class BrokerProfile(db.Model):
    __tablename__ = "broker_profile"
    __table_args__ = (
        CheckConstraint(in_list("status", PROFILE_STATUSES), name="status"),
        CheckConstraint(
            "status <> 'rejected' OR rejection_reason <> ''", name="rejection_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    # The national technology broker certificate (技术经纪人证书) number.
    certificate_number: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    languages: Mapped[list[str]] = mapped_column(JSONList, default=list)
    bio: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    domain_rows: Mapped[list[BrokerDomain]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="BrokerDomain.domain"
    )
    region_rows: Mapped[list[BrokerRegion]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="BrokerRegion.region"
    )

    @property
    def domains(self) -> list[str]:
        return [r.domain for r in self.domain_rows]

    @property
    def regions(self) -> list[str]:
        return [r.region for r in self.region_rows]


class BrokerDomain(db.Model):
    """One specialty of a broker (a row each, so the directory filters with an index)."""

    __tablename__ = "broker_domain"
    __table_args__ = (UniqueConstraint("profile_id", "domain"), Index("ix_broker_domain", "domain"))

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("broker_profile.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(40))


class BrokerRegion(db.Model):
    __tablename__ = "broker_region"
    __table_args__ = (UniqueConstraint("profile_id", "region"), Index("ix_broker_region", "region"))

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("broker_profile.id", ondelete="CASCADE"))
    region: Mapped[str] = mapped_column(String(100))


class BrokerAssignment(db.Model):
    """A broker on a deal. At most one active assignment per deal, enforced by a partial
    unique index; one open invitation per (deal, broker) likewise."""

    __tablename__ = "broker_assignment"
    __table_args__ = (
        CheckConstraint(in_list("status", ASSIGNMENT_STATUSES), name="status"),
        CheckConstraint(in_list("source", ASSIGNMENT_SOURCES), name="source"),
        Index(
            "uq_broker_assignment_one_active",
            "deal_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_broker_assignment_one_invitation",
            "deal_id",
            "broker_id",
            unique=True,
            sqlite_where=text("status = 'invited'"),
            postgresql_where=text("status = 'invited'"),
        ),
        Index("ix_broker_assignment_broker", "broker_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    broker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default="invited")
    source: Mapped[str] = mapped_column(String(20), default="invitation")
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    invited_by_role: Mapped[str] = mapped_column(String(10), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    # Releasing an active broker takes both parties' consent.
    buyer_release_consent: Mapped[bool] = mapped_column(default=False)
    supplier_release_consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    broker: Mapped[User] = relationship(foreign_keys=[broker_id], lazy="joined")


class MediationOffer(db.Model):
    """A broker offers to mediate a published listing or demand; its owner accepts or
    declines. Deals opened on an item with an accepted offer start with that broker."""

    __tablename__ = "mediation_offer"
    __table_args__ = (
        CheckConstraint(in_list("status", OFFER_STATUSES), name="status"),
        CheckConstraint("(listing_id IS NULL) <> (demand_id IS NULL)", name="one_item"),
        Index(
            "uq_mediation_offer_accepted_listing",
            "listing_id",
            unique=True,
            sqlite_where=text("status = 'accepted' AND listing_id IS NOT NULL"),
            postgresql_where=text("status = 'accepted' AND listing_id IS NOT NULL"),
        ),
        Index(
            "uq_mediation_offer_accepted_demand",
            "demand_id",
            unique=True,
            sqlite_where=text("status = 'accepted' AND demand_id IS NOT NULL"),
            postgresql_where=text("status = 'accepted' AND demand_id IS NOT NULL"),
        ),
        Index("ix_mediation_offer_broker", "broker_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    demand_id: Mapped[int | None] = mapped_column(
        ForeignKey("demand.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    broker: Mapped[User] = relationship(foreign_keys=[broker_id], lazy="joined")


class BrokerageRecord(db.Model):
    """One entry of a broker's log on a deal. Editable by its author for 24 hours after
    creation; every edit first copies the previous content to brokerage_record_version."""

    __tablename__ = "brokerage_record"
    __table_args__ = (
        CheckConstraint(in_list("kind", RECORD_KINDS), name="kind"),
        CheckConstraint(in_list("visibility", RECORD_VISIBILITIES), name="visibility"),
        Index("ix_brokerage_record_deal", "deal_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"))
    broker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(TZDateTime)
    participants: Mapped[list[str]] = mapped_column(JSONList, default=list)
    notes: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10), default="shared")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    versions: Mapped[list[BrokerageRecordVersion]] = relationship(
        order_by="BrokerageRecordVersion.revision", lazy="selectin"
    )
    attachments: Mapped[list[BrokerageAttachment]] = relationship(
        order_by="BrokerageAttachment.id", lazy="selectin"
    )


class BrokerageRecordVersion(db.Model):
    """An earlier content of a record, kept when it was edited (never changed)."""

    __tablename__ = "brokerage_record_version"
    __table_args__ = (UniqueConstraint("record_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("brokerage_record.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(TZDateTime)
    participants: Mapped[list[str]] = mapped_column(JSONList, default=list)
    notes: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10))
    # When this content was written (the record's created_at or its previous edit).
    written_at: Mapped[datetime] = mapped_column(TZDateTime)
    replaced_at: Mapped[datetime] = mapped_column(TZDateTime)


class BrokerageAttachment(StoredFile, db.Model):
    """A file of a brokerage record: the same checks and storage as deal attachments
    (services/deal_files.py), served with the record's visibility."""

    __tablename__ = "brokerage_attachment"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("brokerage_record.id", ondelete="CASCADE"), index=True
    )


class BrokerRating(db.Model):
    """A party's rating of the deal's broker after completion: one per party per deal."""

    __tablename__ = "broker_rating"
    __table_args__ = (
        UniqueConstraint("deal_id", "role"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        CheckConstraint(in_list("role", RATING_ROLES), name="role"),
        Index("ix_broker_rating_broker", "broker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"))
    broker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))
    rater_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
