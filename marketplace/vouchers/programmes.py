"""Voucher programmes (创新券项目): an operator, acting for the bureau, defines one and
funds its budget; enterprises see the programmes open today.

Funding the budget is one ledger posting from the bureau's (external) account into the
programme's budget account; a top-up is another, each with the operator's reference as
its idempotency key, so a repeated submission funds once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts import users
from marketplace.core import audit, ledger
from marketplace.core.errors import Conflict, Invalid, NotFound
from marketplace.core.localtime import today
from marketplace.core.locking import begin_write, lock_rows
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.models import User, VoucherProgramme
from marketplace.vouchers import money

FIELDS = (
    "name",
    "issuing_body",
    "currency",
    "per_application_cap",
    "per_year_cap",
    "valid_from",
    "valid_to",
    "transfer_modes",
    "domains",
    "supplier_kinds",
    "max_share_bp",
)


require_user = users.require_user


def require_operator(actor: User | None) -> User:
    return users.require_operator(actor, N_("Only operators manage innovation voucher programmes."))


def get(session: Session, programme_id: int) -> VoucherProgramme:
    programme = session.get(VoucherProgramme, programme_id)
    if programme is None:
        raise NotFound(N_("No voucher programme %(programme)s."), programme=programme_id)
    return programme


def lock(session: Session, programme_id: int) -> VoucherProgramme:
    """The programme row, locked (SELECT … FOR UPDATE): grants from its budget and the
    caps per enterprise are decided one at a time."""
    lock_rows(session, VoucherProgramme, [programme_id])
    programme = session.get(VoucherProgramme, programme_id, populate_existing=True)
    if programme is None:
        raise NotFound(N_("No voucher programme %(programme)s."), programme=programme_id)
    return programme


def is_open(programme: VoucherProgramme, day: date | None = None) -> bool:
    day = day or today()
    return programme.valid_from <= day <= programme.valid_to


def listing(session: Session, *, open_only: bool = False) -> list[VoucherProgramme]:
    programmes = list(session.scalars(select(VoucherProgramme).order_by(VoucherProgramme.id)))
    return [p for p in programmes if is_open(p)] if open_only else programmes


def view(session: Session, programme: VoucherProgramme) -> dict[str, Any]:
    """The programme with its budget figures (from the ledger)."""
    return {
        **{f: getattr(programme, f) for f in FIELDS},
        "id": programme.id,
        "open": is_open(programme),
        "funded": money.funded(session, programme),
        "budget_left": money.budget_balance(session, programme),
    }


@unit_of_work
def create(
    session: Session,
    actor: User | None,
    data: dict[str, Any],
    *,
    budget: int,
    reference: str,
    ip: str | None = None,
) -> VoucherProgramme:
    """Define a programme and fund its budget (``budget`` minor units, the bureau's
    ``reference`` for the money)."""
    actor = require_operator(actor)
    _check(data, budget)
    programme = VoucherProgramme(**{f: data[f] for f in FIELDS if f in data})
    programme.created_by_id = actor.id
    begin_write(session)
    try:
        with session.begin_nested():
            session.add(programme)
            session.flush()
    except IntegrityError:
        raise Invalid({"name": N_("A programme with this name exists.")}) from None
    _fund(session, actor, programme, budget, reference)
    audit.record(
        session,
        actor,
        "voucher_programme.created",
        "voucher_programme",
        programme.id,
        after={"name": programme.name, "budget": budget, "reference": reference},
        ip=ip,
    )
    return programme


@unit_of_work
def top_up(
    session: Session,
    actor: User | None,
    programme_id: int,
    *,
    amount: int,
    reference: str,
    ip: str | None = None,
) -> VoucherProgramme:
    """The bureau added ``amount`` to the budget (its transfer ``reference``)."""
    actor = require_operator(actor)
    if amount <= 0:
        raise Invalid({"amount": N_("Must be greater than zero.")})
    programme = lock(session, programme_id)
    _fund(session, actor, programme, amount, reference)
    audit.record(
        session,
        actor,
        "voucher_programme.topped_up",
        "voucher_programme",
        programme.id,
        after={"amount": amount, "reference": reference},
        ip=ip,
    )
    return programme


def _fund(session, actor, programme, amount: int, reference: str) -> None:
    reference = (reference or "").strip()
    if not reference:
        raise Invalid({"reference": N_("The bureau's transfer reference.")})
    key = f"voucher:programme:{programme.id}:fund:{reference}"
    _, created = ledger.post(
        session,
        kind="voucher_budget",
        idempotency_key=key,
        movements=[
            (money.bureau_account(session, programme), -amount),
            (money.budget_account(session, programme), amount),
        ],
        actor_id=actor.id,
        description=f"Voucher programme {programme.name} funded ({reference})",
    )
    if not created:
        raise Conflict(
            N_("The transfer %(reference)s already funded this programme."),
            code="duplicate_reference",
            reference=reference,
        )


def _check(data: dict[str, Any], budget: int) -> None:
    errors: dict[str, str] = {}
    if budget <= 0:
        errors["budget"] = N_("Must be greater than zero.")
    if data["per_year_cap"] < data["per_application_cap"]:
        errors["per_year_cap"] = N_("At least the cap per application.")
    if data["valid_to"] < data["valid_from"]:
        errors["valid_to"] = N_("On or after the first valid day.")
    if errors:
        raise Invalid(errors)
