"""Notifications (通知), each user's notification preferences, saved searches (保存的搜索)
and the alert jobs that the outbox worker runs for newly published items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.organizations import User
from marketplace.models.outbox import DOC_TYPES, BigId
from marketplace.models.types import TZDateTime, in_list, utcnow

# match_listing: a new listing matches one of your demands;
# match_demand: a new demand matches one of your listings;
# saved_search: a new result of one of your saved searches.
ALERT_KINDS = ("match_listing", "match_demand", "saved_search")
# Events of a deal (deal_id set), by preference group; each names the event it is about
# in ``event_key`` (a deal event, a message, an offer's decision, a review), so that one
# event reaches one reader once (notifications/events.py says who and when).
DEAL_KINDS = (
    "deal_opened",
    "deal_message",
    "terms_proposed",
    "terms_confirmed",
    "terms_agreed",
    "deal_funded",
    "milestone_delivered",
    "milestone_rejected",
    "milestone_accepted",
    "acceptance_due",
    "dispute_opened",
    "dispute_resolved",
    "cancel_proposed",
    "cancel_accepted",
    "cancel_declined",
    "deal_cancelled",
    "deal_completed",
    "payout_executed",
)
BROKER_KINDS = ("broker_invited", "broker_joined", "mediation_offered", "mediation_answered")
PUBLICATION_KINDS = ("item_approved", "item_rejected")
# A bidder stopped leading an auction lot (listing_id: the lot's listing; the lot in the
# payload); once per lot and bid that took the lead (auctions/bidding.py).
AUCTION_KINDS = ("outbid",)
# 揭榜挂帅: a challenge reviewed (to its poster), a question or answer on a proposal, a
# proposal's outcome with its reason (to every solver). About no item: the payload names
# the challenge, the event_key the event (challenges/notices.py). challenge_match: a new
# challenge that the reader's organization's listings could answer (您可能能揭此榜; a
# match alert, under the match_alerts switch; discovery/challenge_matching.py).
CHALLENGE_KINDS = (
    "challenge_approved",
    "challenge_rejected",
    "challenge_question",
    "challenge_answer",
    "challenge_outcome",
    "challenge_match",
)
# 科技创新券: an enterprise's voucher application granted or refused (the payload names
# the programme and the application; vouchers/applications.py). Their switch is the
# publication one: both tell an applicant what an operator decided on what they submitted.
VOUCHER_KINDS = ("voucher_granted", "voucher_refused")
NOTIFICATION_KINDS = (
    ALERT_KINDS
    + DEAL_KINDS
    + BROKER_KINDS
    + PUBLICATION_KINDS
    + AUCTION_KINDS
    + CHALLENGE_KINDS
    + VOUCHER_KINDS
)
HAS_SUBJECT = (
    "listing_id IS NOT NULL OR demand_id IS NOT NULL OR deal_id IS NOT NULL OR "
    + in_list("kind", CHALLENGE_KINDS)
    + " OR "
    + in_list("kind", VOUCHER_KINDS)
)
EMAIL_STATES = ("none", "pending", "sent", "failed")


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(in_list("kind", NOTIFICATION_KINDS), name="kind"),
        CheckConstraint(in_list("email_state", EMAIL_STATES), name="email_state"),
        CheckConstraint(HAS_SUBJECT, name="has_subject"),
        # Once per (user, kind, listing, demand, deal, event), as a database constraint.
        # NULLs are distinct in a plain unique constraint, so the index reads them as 0.
        # Alerts leave event_key empty: a pair is announced once, whatever happens.
        Index(
            "uq_notification_once",
            "user_id",
            "kind",
            func.coalesce(text("listing_id"), 0),
            func.coalesce(text("demand_id"), 0),
            func.coalesce(text("deal_id"), 0),
            "event_key",
            unique=True,
        ),
        # The bell and the list: a user's newest first, unread ones counted.
        Index("ix_notification_user", "user_id", "read_at", "id"),
        Index("ix_notification_email_pending", "email_state", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    demand_id: Mapped[int | None] = mapped_column(
        ForeignKey("demand.id", ondelete="CASCADE"), index=True
    )
    saved_search_id: Mapped[int | None] = mapped_column(
        ForeignKey("saved_search.id", ondelete="SET NULL"), index=True
    )
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deal.id", ondelete="CASCADE"), index=True
    )
    # The event announced ("deal_event:17", "deal_message:4", "offer:3:accepted", …);
    # empty for match and saved-search alerts.
    event_key: Mapped[str] = mapped_column(String(80), default="")
    # What the message says, as data (titles, score, matched terms, the search's name);
    # the text is rendered in the reader's language when shown or mailed.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    email_state: Mapped[str] = mapped_column(String(10), default="none")
    email_error: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()

    @property
    def target(self) -> tuple[str, int]:
        """What the notification points at: the deal, or the item that is new to the
        reader (or was reviewed, or is mediated)."""
        if self.kind in CHALLENGE_KINDS:
            return "challenges", int((self.payload or {}).get("challenge_id") or 0) or None
        if self.kind in VOUCHER_KINDS:
            return "vouchers", int((self.payload or {}).get("application_id") or 0) or None
        if self.deal_id is not None:
            return "deals", self.deal_id
        if self.kind == "match_demand" or (self.kind == "saved_search" and self.listing_id is None):
            return "demands", self.demand_id  # type: ignore[return-value]
        return "listings", self.listing_id  # type: ignore[return-value]


class NotificationPreference(db.Model):
    """One row per user who changed a default; no row means every alert is on."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    match_alerts: Mapped[bool] = mapped_column(default=True)
    saved_search_alerts: Mapped[bool] = mapped_column(default=True)
    deal_events: Mapped[bool] = mapped_column(default=True)
    broker_events: Mapped[bool] = mapped_column(default=True)
    publication_events: Mapped[bool] = mapped_column(default=True)
    auction_events: Mapped[bool] = mapped_column(default=True, server_default=true())
    challenge_events: Mapped[bool] = mapped_column(default=True, server_default=true())
    email: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class SavedSearch(db.Model):
    __tablename__ = "saved_search"
    __table_args__ = (
        UniqueConstraint("user_id", "name"),
        CheckConstraint(in_list("doc_type", DOC_TYPES), name="doc_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    doc_type: Mapped[str] = mapped_column(String(20))
    # The validated search arguments: q and the facet filters (no paging).
    query: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    alerts: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    # Watermark: publication time of the newest result the owner was alerted about.
    # "New results" are those published after it (after created_at before any alert).
    last_notified_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    user: Mapped[User] = relationship()


# What an alert job announces: a published listing or demand, or a challenge gone live.
ALERT_DOC_TYPES = DOC_TYPES + ("challenges",)


class AlertJob(db.Model):
    """One alert run per publication of a listing or demand, written by the outbox
    dispatcher in the commit that marks the item's outbox rows done (so the item is in
    the index), or per challenge, written in the commit that opens it for proposals
    (its bounty confirmed in escrow); run by the worker, retried with back-off when it
    fails."""

    __tablename__ = "alert_job"
    __table_args__ = (
        UniqueConstraint("doc_type", "doc_id", "published_at"),
        CheckConstraint(in_list("doc_type", ALERT_DOC_TYPES), name="doc_type"),
        Index("ix_alert_job_pending", "done_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    doc_id: Mapped[int] = mapped_column()
    published_at: Mapped[datetime] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    done_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
