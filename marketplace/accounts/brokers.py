"""Broker profiles: a broker's own profile, operator verification, the public directory.

A profile is created and edited by a user with the ``broker`` role. It starts
``pending``; an operator verifies it or rejects it with a reason. Editing a rejected
profile, or changing the certificate number of any profile, puts it back to ``pending``.
Only verified brokers appear in the directory, can be invited to a deal or offer
mediation (services/broker_assignment.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts.users import require_operator
from marketplace.core import audit
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.locking import begin_write, flush_or_conflict, lock_rows
from marketplace.core.messages import N_, Message
from marketplace.core.paging import Page, paginate
from marketplace.core.uow import unit_of_work
from marketplace.models import BrokerDomain, BrokerProfile, BrokerRegion, User
from marketplace.models.types import utcnow
from marketplace.models.vocab import DOMAINS


def _require_user(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    return actor


def profile_of(session: Session, user_id: int) -> BrokerProfile | None:
    return session.scalar(select(BrokerProfile).where(BrokerProfile.user_id == user_id))


def verified_profile(session: Session, broker_id: int) -> BrokerProfile:
    """The verified profile of user ``broker_id``; Conflict when there is none."""
    profile = profile_of(session, broker_id)
    if profile is None:
        raise NotFound(N_("No broker %(broker)s."), broker=broker_id)
    if profile.status != "verified" or not profile.user.has_role("broker"):
        raise Conflict(N_("Only brokers verified by the platform can mediate deals."))
    return profile


def _clean_list(values: list[str] | None, limit: int, field: str) -> list[str]:
    out: list[str] = []
    for value in values or []:
        value = (value or "").strip()
        if value and value not in out:
            out.append(value)
    if len(out) > limit:
        raise Invalid({field: Message(N_("At most %(limit)s."), limit=limit)})
    return out


@unit_of_work
def save_profile(session: Session, actor: User | None, data: dict[str, Any]) -> BrokerProfile:
    """Create or update the actor's own profile."""
    actor = _require_user(actor)
    if not actor.has_role("broker"):
        raise Forbidden(N_("Only users with the broker role keep a broker profile."))
    domains = _clean_list(data.get("domains"), 10, "domains")
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown:
        raise Invalid(
            {"domains": Message(N_("Unknown domain: %(domains)s."), domains=", ".join(unknown))}
        )
    if not domains:
        raise Invalid({"domains": N_("Choose at least one domain.")})
    regions = _clean_list(data.get("regions"), 10, "regions")
    if not regions:
        raise Invalid({"regions": N_("Name at least one region.")})
    certificate = (data.get("certificate_number") or "").strip().upper()
    if not certificate:
        raise Invalid({"certificate_number": N_("The certificate number is required.")})
    profile = profile_of(session, actor.id)
    if profile is None:
        profile = BrokerProfile(
            user_id=actor.id, status="pending", created_at=utcnow(), domain_rows=[], region_rows=[]
        )
    else:
        lock_rows(session, BrokerProfile, [profile.id])
        session.refresh(profile)
        if profile.status == "rejected" or profile.certificate_number != certificate:
            profile.status = "pending"
    profile.certificate_number = certificate
    profile.display_name = (data.get("display_name") or actor.display_name).strip()[:100]
    profile.languages = _clean_list(data.get("languages"), 10, "languages")
    profile.bio = (data.get("bio") or "").strip()
    profile.updated_at = utcnow()
    with session.no_autoflush:
        _set_rows(profile, domains, regions)
    begin_write(session)
    try:
        with session.begin_nested():
            session.add(profile)
            session.flush()
    except IntegrityError:
        taken = session.scalar(
            select(BrokerProfile.id).where(
                BrokerProfile.certificate_number == certificate,
                BrokerProfile.user_id != actor.id,
            )
        )
        if taken is None:  # the same user's profile, saved twice at the same moment
            raise Conflict(
                N_("Someone else changed this at the same time; reload and try again."),
                code="concurrent_change",
            ) from None
        raise Invalid(
            {"certificate_number": N_("Another broker registered this certificate number.")}
        ) from None
    return profile


def _set_rows(profile: BrokerProfile, domains: list[str], regions: list[str]) -> None:
    profile.domain_rows = [
        next((r for r in profile.domain_rows if r.domain == d), None) or BrokerDomain(domain=d)
        for d in domains
    ]
    profile.region_rows = [
        next((r for r in profile.region_rows if r.region == g), None) or BrokerRegion(region=g)
        for g in regions
    ]


@unit_of_work
def review(
    session: Session, actor: User | None, profile_id: int, decision: str, reason: str = ""
) -> BrokerProfile:
    """An operator verifies a profile, or rejects it with a reason the broker reads."""
    actor = require_operator(actor)
    if decision not in ("verify", "reject"):
        raise Invalid({"decision": N_("verify or reject.")})
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise Invalid({"reason": N_("Say why, so the broker can correct the profile.")})
    lock_rows(session, BrokerProfile, [profile_id])
    profile = session.get(BrokerProfile, profile_id, populate_existing=True)
    if profile is None:
        raise NotFound(N_("No broker profile %(profile)s."), profile=profile_id)
    if profile.status != "pending":
        raise Conflict(N_("The profile is not waiting for review."))
    profile.status = "verified" if decision == "verify" else "rejected"
    profile.rejection_reason = reason if decision == "reject" else ""
    profile.reviewed_by_id = actor.id
    profile.reviewed_at = utcnow()
    flush_or_conflict(session)
    audit.record(
        session,
        actor,
        f"broker_profile.{decision}",
        "broker_profile",
        profile.id,
        before={"status": "pending"},
        after={"status": profile.status, "reason": profile.rejection_reason},
    )
    return profile


def pending_profiles(session: Session, actor: User | None) -> list[BrokerProfile]:
    require_operator(actor)
    return list(
        session.scalars(
            select(BrokerProfile)
            .where(BrokerProfile.status == "pending")
            .order_by(BrokerProfile.updated_at, BrokerProfile.id)
        )
    )


def get_profile(session: Session, actor: User | None, broker_id: int) -> BrokerProfile:
    """The profile of user ``broker_id``: public once verified; before that only its
    owner and operators see it."""
    profile = profile_of(session, broker_id)
    if profile is None:
        raise NotFound(N_("No broker %(broker)s."), broker=broker_id)
    if profile.status != "verified":
        if actor is None or not (actor.id == broker_id or actor.is_operator):
            raise NotFound(N_("No broker %(broker)s."), broker=broker_id)
    return profile


def verified_profiles(*, domain: str | None = None, region: str | None = None) -> Select:
    """The query for verified brokers working in ``domain`` and ``region`` (exact)."""
    stmt = select(BrokerProfile).where(BrokerProfile.status == "verified")
    if domain:
        stmt = stmt.where(
            BrokerProfile.id.in_(
                select(BrokerDomain.profile_id).where(BrokerDomain.domain == domain)
            )
        )
    if region and region.strip():
        stmt = stmt.where(
            BrokerProfile.id.in_(
                select(BrokerRegion.profile_id).where(BrokerRegion.region == region.strip())
            )
        )
    return stmt


def directory(
    session: Session,
    *,
    domain: str | None = None,
    region: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """Verified brokers, filtered by domain, region (exact) and free text (name,
    certificate number, biography, region)."""
    stmt = verified_profiles(domain=domain, region=region).order_by(
        BrokerProfile.display_name, BrokerProfile.id
    )
    for word in (q or "").split()[:5]:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                BrokerProfile.display_name.ilike(pattern),
                BrokerProfile.certificate_number.ilike(pattern),
                BrokerProfile.bio.ilike(pattern),
                BrokerProfile.id.in_(
                    select(BrokerRegion.profile_id).where(BrokerRegion.region.ilike(pattern))
                ),
            )
        )
    return paginate(session, stmt, page, per_page)


def known_regions(session: Session) -> list[str]:
    """Regions verified brokers serve (the directory's region filter)."""
    return list(
        session.scalars(
            select(BrokerRegion.region)
            .join(BrokerProfile, BrokerProfile.id == BrokerRegion.profile_id)
            .where(BrokerProfile.status == "verified")
            .distinct()
            .order_by(BrokerRegion.region)
        )
    )
