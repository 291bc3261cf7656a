"""Organizations, users, their roles and personal API tokens."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.files import StoredFile
from marketplace.models.types import TZDateTime, in_list, utcnow
from marketplace.models.vocab import (
    DOCUMENT_KINDS,
    INVITATION_STATUSES,
    JOIN_REQUEST_STATUSES,
    MEMBER_ROLES,
    ORGANIZATION_KINDS,
    ROLES,
    VERIFICATION_STATUSES,
)


class Organization(db.Model):
    __tablename__ = "organization"
    __table_args__ = (
        CheckConstraint(in_list("kind", ORGANIZATION_KINDS), name="kind"),
        CheckConstraint(
            in_list("verification_status", VERIFICATION_STATUSES), name="verification_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    region: Mapped[str] = mapped_column(String(100), default="")
    verification_status: Mapped[str] = mapped_column(String(20), default="unverified")
    verification_note: Mapped[str] = mapped_column(Text, default="")
    # 统一社会信用代码 (GB 32100-2015, 18 characters, checked by core/validators.py); it
    # names the organization on contracts and on the 技术合同登记 form.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True, default=None)
    # The organization's Stripe Connect account: releases to it are Connect transfers.
    # Set by an operator (money goes there), unique so two organizations never share one.
    stripe_account_id: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    # The bank account payouts to the organization go to when an operator pays by transfer
    # (releases, refunds, a broker agency's commission). Set by an operator, like the above.
    payout_bank: Mapped[str] = mapped_column(String(200), default="", server_default="")
    payout_account_holder: Mapped[str] = mapped_column(String(200), default="", server_default="")
    payout_account_number: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organization")

    @property
    def is_supply_side(self) -> bool:
        return self.kind in ("university", "institute")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: the unique constraint is therefore case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # When the owner of the address opened the registration link (None: not yet, and no
    # login). Accounts made by operators, imports and tests are confirmed when made.
    confirmed_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=utcnow)

    # The person's role inside their organization (MEMBER_ROLES): an admin invites,
    # approves join requests, sets roles, removes members and uploads the verification
    # documents. The first person of an organization is its admin (accounts/users.py).
    org_role: Mapped[str] = mapped_column(String(10), default="member", server_default="member")

    organization: Mapped[Organization | None] = relationship(back_populates="members")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint(in_list("org_role", MEMBER_ROLES), name="org_role"),
    )

    @property
    def is_org_admin(self) -> bool:
        return self.organization_id is not None and self.org_role == "admin"

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_operator(self) -> bool:
        return self.has_role("operator")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def password_fingerprint(self) -> str:
        """A digest of the password hash (not the hash: it goes into signed, readable
        tokens and cookies). It changes whenever the password does."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:32]

    def get_id(self) -> str:
        """Flask-Login's session id: "<user id>:<login session key>:<password fingerprint>".

        The key names a row of ``login_session`` (ended on logout, password change and
        "log out everywhere"); the fingerprint ends the session when the password changes
        in any other way. ``login_key`` is set by whoever starts or loads the session."""
        return f"{self.id}:{getattr(self, 'login_key', '')}:{self.password_fingerprint}"


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(in_list("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))


class ApiToken(db.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # The address the token was last used from (IPv6 at most 45 characters).
    last_used_ip: Mapped[str] = mapped_column(String(45), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # Space-separated scopes (accounts/tokens.py SCOPES) and the end of its life.
    scopes: Mapped[str] = mapped_column(String(200), default="read")
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)

    user: Mapped[User] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class OrganizationInvitation(db.Model):
    """An organization admin's invitation of an e-mail address to join, with a role.

    The mailed link is a signature of the row's id (accounts/members.py); the row says
    whether it is still good: pending and not past ``expires_at``. At most one pending
    invitation per (organization, address)."""

    __tablename__ = "organization_invitation"
    __table_args__ = (
        CheckConstraint(in_list("status", INVITATION_STATUSES), name="status"),
        CheckConstraint(in_list("role", MEMBER_ROLES), name="role"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        Index(
            "uq_organization_invitation_pending",
            "organization_id",
            "email",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(10), default="member")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(  # who accepted it
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def effective_status(self, now: datetime | None = None) -> str:
        """The status as people see it: a pending invitation past its expiry is expired
        (the row records it when the address is invited again)."""
        if self.status == "pending" and self.expires_at <= (now or utcnow()):
            return "expired"
        return self.status


class JoinRequest(db.Model):
    """A person without an organization asks to join one; its admins approve or decline
    (with a reason). At most one pending request per person."""

    __tablename__ = "organization_join_request"
    __table_args__ = (
        CheckConstraint(in_list("status", JOIN_REQUEST_STATUSES), name="status"),
        Index(
            "uq_organization_join_request_pending",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was declined
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    organization: Mapped[Organization] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class OrganizationDocument(StoredFile, db.Model):
    """A verification document (营业执照, 法人证书) uploaded by an organization's admin,
    stored outside the web root under a random key, shown to the organization's admins and
    to operators (accounts/documents.py)."""

    __tablename__ = "organization_document"
    __table_args__ = (
        CheckConstraint(in_list("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    uploaded_by: Mapped[User | None] = relationship()
