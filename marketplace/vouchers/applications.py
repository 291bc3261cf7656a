"""申领 and 审核: an enterprise applies to a programme, an operator grants or refuses.

Lifecycle (one table, applied under the application's row lock):

    submitted ─grant (operator)──▶ granted: budget → the enterprise's wallet
    submitted ─refuse (operator)─▶ refused, with the operator's reason

Caps, checked at the grant with the programme row locked (so that concurrent grants from
one budget are decided one after the other): the amount granted is at most the
programme's cap per application; the enterprise's grants from the programme in the
Asia/Shanghai calendar year of the grant stay within the cap per year; the budget pays it
(the ledger refuses to overdraw the budget account in any case). The applicant is told in
the inbox and by mail (notifications/events.py).
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from typing import Any, BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.core import audit, ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.core.lifecycle import Lifecycle
from marketplace.core.localtime import day_start, local_date
from marketplace.core.locking import lock_rows
from marketplace.core.messages import N_, Message
from marketplace.core.money import Amount
from marketplace.core.uow import unit_of_work
from marketplace.core.uploads import store_upload
from marketplace.models import Deal, User, VoucherApplication, VoucherProgramme
from marketplace.models.types import utcnow
from marketplace.notifications.events import members, notify
from marketplace.vouchers import money
from marketplace.vouchers.programmes import get, is_open, lock, require_operator, require_user

APPLICANT = "applicant"
OPERATOR = "operator"
MAX_DOCUMENTS = 5

TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("submitted", "grant", OPERATOR): "granted",
    ("submitted", "refuse", OPERATOR): "refused",
}
APPLICATION: Lifecycle[VoucherApplication] = Lifecycle(
    "voucher application",
    "state",
    TRANSITIONS,
    initial=("submitted",),
    code="voucher_application_state",
    words={
        "name": _l("voucher application"),
        "state": {"submitted": _l("submitted"), "granted": _l("granted"), "refused": _l("refused")},
        "action": {"grant": _l("grant"), "refuse": _l("refuse")},
        "role": {APPLICANT: _l("applicant"), OPERATOR: _l("operator")},
    },
)


def require_verified_enterprise(actor: User | None) -> User:
    actor = require_user(actor)
    org = actor.organization
    if org is None or org.kind != "enterprise" or org.verification_status != "verified":
        raise Forbidden(
            N_("Only members of verified enterprises apply for innovation vouchers."),
            code="not_verified_enterprise",
        )
    return actor


@unit_of_work
def apply(
    session: Session,
    actor: User | None,
    programme_id: int,
    *,
    amount: int,
    purpose: str,
    deal_id: int | None = None,
    files: list[tuple[BinaryIO, str]] = (),
    storage_dir: str = "",
    ip: str | None = None,
) -> VoucherApplication:
    """An enterprise member applies (with optional documents, checked like every upload)."""
    actor = require_verified_enterprise(actor)
    programme = get(session, programme_id)
    errors: dict[str, Any] = {}
    if not is_open(programme):
        raise Conflict(N_("The programme is not open today."), code="programme_closed")
    if amount <= 0:
        errors["amount"] = N_("Must be greater than zero.")
    elif amount > programme.per_application_cap:
        errors["amount"] = Message(
            N_("At most %(cap)s per application."),
            cap=Amount(programme.per_application_cap, programme.currency),
        )
    if not (purpose or "").strip():
        errors["purpose"] = N_("Say which deal or technology service the voucher is for.")
    if deal_id is not None:
        deal = session.get(Deal, deal_id)
        if deal is None or deal.buyer_org_id != actor.organization_id:
            errors["deal_id"] = N_("None of your organization's deals has this number.")
    if len(files) > MAX_DOCUMENTS:
        errors["documents"] = Message(N_("At most %(n)s documents."), n=MAX_DOCUMENTS)
    if errors:
        raise Invalid(errors)
    documents = []
    folder = os.path.join(storage_dir, "vouchers", str(actor.organization_id))
    for stream, filename in files:
        name, mime, data, key = store_upload(stream, filename, folder)
        documents.append(
            {
                "filename": name,
                "content_type": mime,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "storage_key": key,
            }
        )
    application = VoucherApplication(
        programme_id=programme.id,
        organization_id=actor.organization_id,
        applicant_id=actor.id,
        amount=amount,
        purpose=purpose.strip(),
        deal_id=deal_id,
        documents=documents,
        created_at=utcnow(),
    )
    session.add(application)
    session.flush()
    audit.record(
        session,
        actor,
        "voucher_application.submitted",
        "voucher_application",
        application.id,
        after={"programme_id": programme.id, "amount": amount},
        ip=ip,
    )
    return application


def _lock_application(session: Session, application_id: int) -> VoucherApplication:
    lock_rows(session, VoucherApplication, [application_id])
    application = session.get(VoucherApplication, application_id, populate_existing=True)
    if application is None:
        raise NotFound(N_("No voucher application %(application)s."), application=application_id)
    return application


def granted_in_year(
    session: Session, programme_id: int, org_id: int, moment: datetime, *, excluding: int = 0
) -> int:
    """What the enterprise was granted from the programme in the local (Asia/Shanghai)
    calendar year of ``moment``."""
    year = local_date(moment).year
    lo = day_start(local_date(moment).replace(month=1, day=1))
    hi = day_start(local_date(moment).replace(year=year + 1, month=1, day=1))
    total = session.scalar(
        select(func.coalesce(func.sum(VoucherApplication.granted_amount), 0)).where(
            VoucherApplication.programme_id == programme_id,
            VoucherApplication.organization_id == org_id,
            VoucherApplication.state == "granted",
            VoucherApplication.decided_at >= lo,
            VoucherApplication.decided_at < hi,
            VoucherApplication.id != excluding,
        )
    )
    return int(total)


@unit_of_work
def grant(
    session: Session,
    actor: User | None,
    application_id: int,
    *,
    amount: int | None = None,
    note: str = "",
    ip: str | None = None,
) -> VoucherApplication:
    """Grant the application (``amount``: less than applied for, or all of it)."""
    actor = require_operator(actor)
    application = session.get(VoucherApplication, application_id)
    if application is None:
        raise NotFound(N_("No voucher application %(application)s."), application=application_id)
    # The programme first, then the application: every grant takes them in this order.
    programme = lock(session, application.programme_id)
    application = _lock_application(session, application_id)
    role = APPLICATION.check(application, "grant", [OPERATOR])
    if not is_open(programme):
        raise Conflict(N_("The programme is not open today."), code="programme_closed")
    amount = application.amount if amount is None else amount
    now = utcnow()
    _check_caps(session, programme, application, amount, now)
    ledger.post(
        session,
        kind="voucher_grant",
        idempotency_key=f"voucher:application:{application.id}:grant",
        movements=[
            (money.budget_account(session, programme), -amount),
            (money.wallet_account(session, application.organization_id, programme), amount),
        ],
        actor_id=actor.id,
        description=f"Voucher application {application.id} granted",
    )
    APPLICATION.apply(application, "grant", role)
    application.granted_amount = amount
    application.reason = (note or "").strip()
    application.decided_by_id = actor.id
    application.decided_at = now
    _tell(session, actor, application, "voucher_granted")
    audit.record(
        session,
        actor,
        "voucher_application.granted",
        "voucher_application",
        application.id,
        before={"state": "submitted"},
        after={"state": application.state, "granted_amount": amount},
        ip=ip,
    )
    return application


def _check_caps(session, programme: VoucherProgramme, application, amount: int, now) -> None:
    cur = programme.currency
    if amount <= 0:
        raise Invalid({"amount": N_("Must be greater than zero.")})
    if amount > application.amount:
        raise Invalid({"amount": N_("At most what was applied for.")})
    if amount > programme.per_application_cap:
        raise Invalid(
            {
                "amount": Message(
                    N_("At most %(cap)s per application."),
                    cap=Amount(programme.per_application_cap, cur),
                )
            }
        )
    year = granted_in_year(session, programme.id, application.organization_id, now)
    if year + amount > programme.per_year_cap:
        raise Conflict(
            N_(
                "The enterprise was granted %(granted)s this year; the programme's cap per"
                " year is %(cap)s."
            ),
            code="year_cap",
            granted=Amount(year, cur),
            cap=Amount(programme.per_year_cap, cur),
        )
    left = money.budget_balance(session, programme)
    if amount > left:
        raise Conflict(
            N_("The programme's budget has %(left)s left."),
            code="budget_exhausted",
            left=Amount(left, cur),
        )


@unit_of_work
def refuse(
    session: Session, actor: User | None, application_id: int, *, reason: str, ip=None
) -> VoucherApplication:
    actor = require_operator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": N_("Say why the application is refused.")})
    application = _lock_application(session, application_id)
    role = APPLICATION.check(application, "refuse", [OPERATOR])
    APPLICATION.apply(application, "refuse", role)
    application.reason = reason
    application.decided_by_id = actor.id
    application.decided_at = utcnow()
    _tell(session, actor, application, "voucher_refused")
    audit.record(
        session,
        actor,
        "voucher_application.refused",
        "voucher_application",
        application.id,
        before={"state": "submitted"},
        after={"state": application.state, "reason": reason},
        ip=ip,
    )
    return application


def _tell(session: Session, actor: User, application: VoucherApplication, kind: str) -> None:
    notify(
        session,
        kind,
        members(session, [application.organization_id]),
        event_key=f"voucher_application:{application.id}",
        actor_id=actor.id,
        payload={
            "programme": application.programme.name,
            "application_id": application.id,
            "amount": application.granted_amount or 0,
            "currency": application.programme.currency,
            "text": application.reason,
        },
    )


def mine(session: Session, actor: User | None) -> list[VoucherApplication]:
    actor = require_user(actor)
    if actor.organization_id is None:
        return []
    return list(
        session.scalars(
            select(VoucherApplication)
            .where(VoucherApplication.organization_id == actor.organization_id)
            .order_by(VoucherApplication.id.desc())
        )
    )


def queue(session: Session, actor: User | None, state: str | None = "submitted"):
    require_operator(actor)
    stmt = select(VoucherApplication).order_by(VoucherApplication.id)
    if state:
        stmt = stmt.where(VoucherApplication.state == state)
    return list(session.scalars(stmt))


def wallets(session: Session, actor: User | None) -> list[dict[str, Any]]:
    """The actor's organization's wallet balance under every programme it was granted."""
    actor = require_user(actor)
    if actor.organization_id is None:
        return []
    ids = session.scalars(
        select(VoucherApplication.programme_id)
        .where(
            VoucherApplication.organization_id == actor.organization_id,
            VoucherApplication.state == "granted",
        )
        .distinct()
    )
    rows = []
    for programme in session.scalars(
        select(VoucherProgramme)
        .where(VoucherProgramme.id.in_(list(ids)))
        .order_by(VoucherProgramme.id)
    ):
        rows.append(
            {
                "programme_id": programme.id,
                "programme": programme.name,
                "currency": programme.currency,
                "balance": money.wallet_balance(session, actor.organization_id, programme),
                "valid_to": programme.valid_to,
                "open": is_open(programme),
            }
        )
    return rows
