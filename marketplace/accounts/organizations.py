"""Organizations: directory, edits by members, verification by operators."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts.users import require_operator
from marketplace.core import audit
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.messages import N_
from marketplace.core.paging import Page, paginate
from marketplace.core.uow import unit_of_work
from marketplace.models import Demand, Listing, Organization, User

EDITABLE_FIELDS = ("name", "region", "credit_code")
VERIFICATION_ACTIONS = {"verify": "verified", "reject": "rejected", "request": "pending"}
PAYOUT_BANK_FIELDS = ("bank", "account_holder", "account_number")
STRIPE_ACCOUNT_ID = re.compile(r"^acct_[A-Za-z0-9]{1,59}$")


def get_organization(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(N_("No organization %(organization)s."), organization=org_id)
    return org


def list_organizations(
    session: Session,
    *,
    kind: str | None = None,
    region: str | None = None,
    verification_status: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    stmt = select(Organization).order_by(Organization.name)
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if region:
        stmt = stmt.where(Organization.region == region)
    if verification_status:
        stmt = stmt.where(Organization.verification_status == verification_status)
    if q:
        stmt = stmt.where(Organization.name.ilike(f"%{q.strip()}%"))
    return paginate(session, stmt, page, per_page)


@unit_of_work
def create_organization(session: Session, actor: User | None, data: dict[str, Any]) -> Organization:
    require_operator(actor)
    if session.scalar(select(Organization.id).where(Organization.name == data["name"])):
        raise Invalid({"name": N_("An organization with this name exists.")})
    _check_credit_code(session, data.get("credit_code"), other_than=None)
    org = Organization(**data)
    session.add(org)
    session.flush()
    return org


@unit_of_work
def update_organization(
    session: Session, actor: User | None, org_id: int, data: dict[str, Any]
) -> Organization:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    org = get_organization(session, org_id)
    if not (actor.is_operator or actor.organization_id == org.id):
        raise Forbidden(N_("Only members of this organization may edit it."))
    if "name" in data and data["name"] != org.name:
        if org.verification_status == "verified" and not actor.is_operator:
            raise Conflict(N_("A verified organization's name changes only through an operator."))
        taken = session.scalar(select(Organization.id).where(Organization.name == data["name"]))
        if taken:
            raise Invalid({"name": N_("An organization with this name exists.")})
    if "credit_code" in data and data["credit_code"] != org.credit_code:
        if org.verification_status == "verified" and not actor.is_operator:
            raise Conflict(
                N_("A verified organization's credit code changes only through an operator.")
            )
        _check_credit_code(session, data["credit_code"], other_than=org.id)
    for key in EDITABLE_FIELDS:
        if key in data:
            setattr(org, key, data[key])
    if "kind" in data and actor.is_operator:
        org.kind = data["kind"]
    session.flush()
    return org


def _check_credit_code(session: Session, code: str | None, *, other_than: int | None) -> None:
    """A 统一社会信用代码 names one organization (the unique index backs this check)."""
    if not code:
        return
    stmt = select(Organization.id).where(Organization.credit_code == code)
    if other_than is not None:
        stmt = stmt.where(Organization.id != other_than)
    if session.scalar(stmt) is not None:
        raise Invalid({"credit_code": N_("Another organization has this credit code.")})


@unit_of_work
def set_verification(
    session: Session, actor: User | None, org_id: int, action: str, note: str = ""
) -> Organization:
    """Members request verification; operators verify or reject it (with a note)."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    org = session.scalar(select(Organization).where(Organization.id == org_id).with_for_update())
    if org is None:
        raise NotFound(N_("No organization %(organization)s."), organization=org_id)
    if action not in VERIFICATION_ACTIONS:
        raise Invalid({"action": N_("Use request, verify or reject.")})
    if action == "request":
        if actor.organization_id != org.id:
            raise Forbidden(N_("Only members may request verification of their organization."))
        if org.verification_status not in ("unverified", "rejected"):
            raise Conflict(
                N_("The organization is already %(status)s."), status=org.verification_status
            )
    else:
        require_operator(actor)
        if action == "reject" and not note.strip():
            raise Invalid({"note": N_("Say why verification is refused.")})
    before = {"status": org.verification_status, "note": org.verification_note}
    org.verification_status = VERIFICATION_ACTIONS[action]
    org.verification_note = note.strip()
    session.flush()
    if action != "request":
        audit.record(
            session,
            actor,
            f"organization.{action}",
            "organization",
            org.id,
            before=before,
            after={"status": org.verification_status, "note": org.verification_note},
        )
    return org


def organization_counts(session: Session, org_id: int) -> dict[str, dict[str, int]]:
    """Listing and demand counts per status for one organization."""
    result: dict[str, dict[str, int]] = {}
    for name, model in (("listings", Listing), ("demands", Demand)):
        rows = session.execute(
            select(model.status, func.count())
            .where(model.organization_id == org_id)
            .group_by(model.status)
        )
        result[name] = {status: count for status, count in rows}
    return result


def market_counts(session: Session) -> dict[str, int]:
    """Counts for the home page: what the market shows."""
    return {
        "listings": session.scalar(
            select(func.count()).select_from(Listing).where(Listing.status == "published")
        )
        or 0,
        "demands": session.scalar(
            select(func.count()).select_from(Demand).where(Demand.status == "published")
        )
        or 0,
        "organizations": session.scalar(select(func.count()).select_from(Organization)) or 0,
    }


def domain_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Listing.domain, func.count())
        .where(Listing.status == "published")
        .group_by(Listing.domain)
    )
    return {domain: count for domain, count in rows}


def _account_owner(session: Session, account: str, *, other_than: int) -> int | None:
    """The other organization connected to ``account``, as far as this transaction sees."""
    return session.scalar(
        select(Organization.id).where(
            Organization.stripe_account_id == account, Organization.id != other_than
        )
    )


@unit_of_work
def set_payout_account(
    session: Session, actor: User | None, org_id: int, stripe_account_id: str
) -> Organization:
    """Operators connect an organization's Stripe account (or clear it with "").

    Releases to a connected organization become Stripe Connect transfers; without one
    they stay payout instructions that an operator executes by bank transfer."""
    require_operator(actor)
    org = session.scalar(select(Organization).where(Organization.id == org_id).with_for_update())
    if org is None:
        raise NotFound(N_("No organization %(organization)s."), organization=org_id)
    value = stripe_account_id.strip()
    if value and not STRIPE_ACCOUNT_ID.match(value):
        raise Invalid({"stripe_account_id": N_("A Stripe account id looks like acct_1AbC….")})
    taken = Conflict(N_("This Stripe account is already connected to another organization."))
    if value and _account_owner(session, value, other_than=org.id) is not None:
        raise taken
    before = {"stripe_account_id": org.stripe_account_id}
    org.stripe_account_id = value or None
    try:
        with session.begin_nested():  # the unique index decides between concurrent operators
            session.flush()
    except IntegrityError:
        raise taken from None
    audit.record(
        session,
        actor,
        "organization.payout_account",
        "organization",
        org.id,
        before=before,
        after={"stripe_account_id": org.stripe_account_id},
    )
    return org


@unit_of_work
def set_payout_bank_account(
    session: Session, actor: User | None, org_id: int, data: dict[str, str]
) -> Organization:
    """Operators record the bank account payouts to an organization are transferred to
    (bank, holder, number; all three, or all empty to clear it). Money goes there, so, as
    for the Stripe account, only an operator sets it, from the organization's documents."""
    require_operator(actor)
    org = session.scalar(select(Organization).where(Organization.id == org_id).with_for_update())
    if org is None:
        raise NotFound(N_("No organization %(organization)s."), organization=org_id)
    values = {key: (data.get(key) or "").strip() for key in PAYOUT_BANK_FIELDS}
    if any(values.values()) and not all(values.values()):
        raise Invalid(
            {
                key: N_("Give the bank, the account holder and the account number.")
                for key, v in values.items()
                if not v
            }
        )
    org.payout_bank = values["bank"]
    org.payout_account_holder = values["account_holder"]
    org.payout_account_number = values["account_number"]
    session.flush()
    return org
