"""揭榜挂帅 challenges: a posted technical problem with an escrowed bounty, its measurable
indicators, the confidential proposals (揭榜申请) of solvers, their question threads and
scores. The lifecycles live in marketplace/challenges/lifecycle.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.files import StoredFile
from marketplace.models.organizations import Organization, User
from marketplace.models.types import JSONList, TZDateTime, in_list, utcnow
from marketplace.models.vocab import DOMAINS

CHALLENGE_STATES = (
    "draft",
    "pending_review",
    "rejected",
    "awaiting_funding",
    "open",
    "evaluating",
    "awarded",
    "not_awarded",
    "withdrawn",
)
PROPOSAL_STATES = ("submitted", "shortlisted", "awarded", "not_awarded")
# How the bounty reaches the winner: all at the award, or by the deal's milestones.
PAYMENT_MODES = ("on_award", "milestones")
# Who may propose: any verified organization, or verified universities and institutes.
ELIGIBILITIES = ("verified_org", "research_only")
# Public, or a public summary with the details shown after an NDA click-through.
VISIBILITIES = ("public", "summary_public")


class Challenge(db.Model):
    __tablename__ = "challenge"
    __table_args__ = (
        CheckConstraint(in_list("state", CHALLENGE_STATES), name="state"),
        CheckConstraint(in_list("domain", DOMAINS), name="domain"),
        CheckConstraint(in_list("payment_mode", PAYMENT_MODES), name="payment_mode"),
        CheckConstraint(in_list("eligibility", ELIGIBILITIES), name="eligibility"),
        CheckConstraint(in_list("visibility", VISIBILITIES), name="visibility"),
        CheckConstraint("bounty > 0", name="bounty_positive"),
        CheckConstraint("delivery_days > 0", name="delivery_days_positive"),
        Index("ix_challenge_state_deadline", "state", "proposal_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")  # public even behind an NDA
    statement: Mapped[str] = mapped_column(Text, default="")
    domain: Mapped[str] = mapped_column(String(40), index=True)
    # Minor units (fen for CNY), like every amount.
    bounty: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    payment_mode: Mapped[str] = mapped_column(String(20), default="on_award")
    allow_split: Mapped[bool] = mapped_column(Boolean, default=False)
    ip_terms: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(String(20), default="verified_org")
    visibility: Mapped[str] = mapped_column(String(20), default="public")
    # The published evaluation criteria, scored per proposal (ChallengeScore.criterion).
    criteria: Mapped[list[str]] = mapped_column(JSONList, default=list)
    proposal_deadline: Mapped[datetime] = mapped_column(TZDateTime)
    delivery_days: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    review_note: Mapped[str] = mapped_column(Text, default="")
    # The bank transfer (or provider payment) that funded the escrow.
    funding_reference: Mapped[str] = mapped_column(String(100), default="")
    funded_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # Why nobody was awarded or the challenge was withdrawn (told to every solver).
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    indicators: Mapped[list[ChallengeIndicator]] = relationship(
        back_populates="challenge",
        cascade="all, delete-orphan",
        order_by="ChallengeIndicator.position",
        lazy="selectin",
    )


# A target value that starts with one of these states its own comparison.
COMPARISONS = frozenset("≥≤><=≈~±")


class ChallengeIndicator(db.Model):
    """One measurable technical indicator the solution must reach."""

    __tablename__ = "challenge_indicator"
    __table_args__ = (UniqueConstraint("challenge_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenge.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    target_value: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(40), default="")
    test_method: Mapped[str] = mapped_column(Text, default="")

    challenge: Mapped[Challenge] = relationship(back_populates="indicators")

    @property
    def target(self) -> str:
        """The target as people read it: "≥ 20 kOe" for a bare value (a target is reached
        at or above it), or the value as written when it states its own comparison
        ("≤ 1 次/年", "< 0.5 %")."""
        value = f"{self.target_value} {self.unit}".strip()
        if self.target_value.lstrip()[:1] in COMPARISONS:
            return value
        return f"≥ {value}"


class ChallengeProposal(db.Model):
    """A 揭榜申请: confidential to the poster, operators and the proposing organization."""

    __tablename__ = "challenge_proposal"
    __table_args__ = (
        # One proposal per organization per challenge.
        UniqueConstraint("challenge_id", "organization_id"),
        CheckConstraint(in_list("state", PROPOSAL_STATES), name="state"),
        CheckConstraint("price > 0", name="price_positive"),
        # A decided proposal carries its written reason.
        CheckConstraint(
            "state IN ('submitted', 'shortlisted') OR outcome_reason <> ''", name="reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenge.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    approach: Mapped[str] = mapped_column(Text)
    # [{"name": …, "role": …}]
    team: Mapped[list[dict]] = mapped_column(JSONList, default=list)
    # [{"indicator_id": …, "plan": …}], one per indicator of the challenge.
    plan: Mapped[list[dict]] = mapped_column(JSONList, default=list)
    # The proposing organization's own published listings (prior results).
    listing_ids: Mapped[list[int]] = mapped_column(JSONList, default=list)
    price: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    # The winner agrees to be named in the public hall.
    disclose_win: Mapped[bool] = mapped_column(Boolean, default=False)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deal.id", ondelete="SET NULL"))
    # What the award gave this proposal (its deal's price); None until awarded.
    awarded_amount: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    challenge: Mapped[Challenge] = relationship()
    organization: Mapped[Organization] = relationship(lazy="joined")
    questions: Mapped[list[ProposalQuestion]] = relationship(
        back_populates="proposal", order_by="ProposalQuestion.id", cascade="all, delete-orphan"
    )
    scores: Mapped[list[ChallengeScore]] = relationship(
        cascade="all, delete-orphan", order_by="ChallengeScore.criterion"
    )
    files: Mapped[list[ProposalFile]] = relationship(
        cascade="all, delete-orphan", order_by="ProposalFile.id"
    )


class ProposalFile(StoredFile, db.Model):
    """A file attached to a proposal by its team (a test report, a drawing): checked by
    content like deal files (core/uploads.py), stored outside the web root under a random
    key, served only to those who may read the proposal (challenges/files.py)."""

    __tablename__ = "challenge_proposal_file"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        Index("ix_challenge_proposal_file_proposal", "proposal_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_proposal.id", ondelete="CASCADE")
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class ProposalQuestion(db.Model):
    """The poster's question on one proposal and the proposing team's answer."""

    __tablename__ = "challenge_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_proposal.id", ondelete="CASCADE"), index=True
    )
    asked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    asked_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    proposal: Mapped[ChallengeProposal] = relationship(back_populates="questions")


class ChallengeScore(db.Model):
    """The poster's score of one proposal on one published criterion (0–100)."""

    __tablename__ = "challenge_score"
    __table_args__ = (
        UniqueConstraint("proposal_id", "criterion"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_proposal.id", ondelete="CASCADE"), index=True
    )
    criterion: Mapped[str] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    scored_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    scored_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class ChallengeNdaAcceptance(db.Model):
    """A user clicked through the challenge's confidentiality terms (visibility
    ``summary_public``) and may read its details; recorded once per user."""

    __tablename__ = "challenge_nda_acceptance"
    __table_args__ = (UniqueConstraint("challenge_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenge.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    accepted_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
