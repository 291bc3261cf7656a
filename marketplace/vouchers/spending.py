"""使用: an innovation voucher pays part of a deal, at checkout.

When the buyer asks how to pay (deals/escrow.py ``request_funding``), an eligible buyer
may first move part of the price from its voucher wallet into the deal's escrow (journal
kind ``voucher``); the payment asked for is then the price less what escrow holds, as for
an auction deposit. Eligible: the programme is valid today, the supplier is a verified
organization of a kind the programme pays (universities, institutes), the deal's transfer
mode and domain are among the programme's (if it names any), same currency. The voucher
pays at most the programme's share of the price (``max_share_bp``) and at most the wallet;
it never pays the whole price (the rest is paid by transfer or card, whose confirmation
funds the deal).

Where the voucher's money goes when escrow pays out — the rule, pro rata: every amount
that leaves the deal's escrow (a release or a refund, in posting order) carries the
voucher's share of it, cumulatively rounded down:
    part = floor((S + A) × V / P) − floor(S × V / P)
with S what left escrow before, A this outflow, V the voucher amount and P the price it was
spent on, so that when the whole price has left escrow exactly V has been attributed. A
release's part is listed for 兑付 (vouchers/redemption.py); a refund's part goes back to
the wallet (or to the programme's budget once the programme has expired), never to the
buyer's bank. Both arrive through signals from ``deals`` (core/signals.py), which knows
nothing of vouchers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import payments
from marketplace.core import ledger, signals
from marketplace.core.errors import Conflict, Forbidden, Invalid, Unauthorized
from marketplace.core.localtime import today
from marketplace.core.messages import N_, Message
from marketplace.core.money import Amount
from marketplace.core.uow import unit_of_work
from marketplace.deals import escrow
from marketplace.deals import machine as deal_machine
from marketplace.models import (
    Challenge,
    Deal,
    Demand,
    Funding,
    Listing,
    Milestone,
    User,
    VoucherApplication,
    VoucherProgramme,
    VoucherRedemption,
    VoucherSpend,
)
from marketplace.models.types import utcnow
from marketplace.vouchers import money
from marketplace.vouchers.programmes import get, is_open

BASIS = 10_000


def deal_domain(session: Session, deal: Deal) -> str | None:
    for model, item_id in ((Listing, deal.listing_id), (Demand, deal.demand_id)):
        if item_id is not None:
            return session.get(model, item_id).domain
    if deal.challenge_id is not None:
        return session.get(Challenge, deal.challenge_id).domain
    return None


def refusal(session: Session, deal: Deal, programme: VoucherProgramme) -> str | None:
    """Why this programme's vouchers cannot pay for this deal (a message), or None."""
    terms = deal.agreed_terms
    if terms is None:
        return N_("The deal has no agreed terms.")
    if not is_open(programme):
        return N_("The programme is not open today.")
    if terms.currency != programme.currency:
        return N_("The programme pays in another currency.")
    supplier = deal.supplier
    if supplier.verification_status != "verified" or supplier.kind not in (
        programme.supplier_kinds or ()
    ):
        return N_("The programme does not pay this supplier.")
    if programme.transfer_modes and terms.transfer_mode not in programme.transfer_modes:
        return N_("The programme does not pay for this transfer mode.")
    if programme.domains and deal_domain(session, deal) not in programme.domains:
        return N_("The programme does not pay for this domain.")
    return None


def cap_for(session: Session, deal: Deal, programme: VoucherProgramme) -> int:
    """The most this buyer may pay for this deal from its wallet under this programme."""
    terms = deal.agreed_terms
    # Read without creating the account: the deal's page asks this on every view.
    held = money.peek(session, f"deal:{deal.id}:escrow", terms.currency)
    share = terms.price * programme.max_share_bp // BASIS
    wallet = money.wallet_balance(session, deal.buyer_org_id, programme)
    return max(0, min(share, wallet, terms.price - held - 1))


def options(session: Session, actor: User | None, deal: Deal) -> list[dict[str, Any]]:
    """The vouchers the actor's organization may spend on this deal now: programme and the
    most it may pay (nothing when the actor is not the buyer or the deal is not agreed)."""
    if (
        actor is None
        or actor.organization_id != deal.buyer_org_id
        or deal.state != "agreed"
        or deal.agreed_terms is None
        or session.scalar(select(VoucherSpend.id).where(VoucherSpend.deal_id == deal.id))
        or _pending_funding(session, deal)
    ):
        return []
    ids = session.scalars(
        select(VoucherApplication.programme_id)
        .where(
            VoucherApplication.organization_id == deal.buyer_org_id,
            VoucherApplication.state == "granted",
        )
        .distinct()
    )
    found = []
    for programme in session.scalars(
        select(VoucherProgramme).where(VoucherProgramme.id.in_(list(ids)))
    ):
        if refusal(session, deal, programme) is None:
            cap = cap_for(session, deal, programme)
            if cap > 0:
                found.append(
                    {"programme_id": programme.id, "programme": programme.name, "max": cap}
                )
    return found


def deal_options(session: Session, actor: User | None, deal_id: int) -> list[dict[str, Any]]:
    """``options`` of a deal the actor may see (NotFound otherwise)."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    return options(session, actor, deal_machine.get_deal(session, actor, deal_id))


def _pending_funding(session: Session, deal: Deal) -> bool:
    return bool(
        session.scalar(
            select(Funding.id).where(Funding.deal_id == deal.id, Funding.status == "pending")
        )
    )


@unit_of_work
def fund_with_voucher(
    session: Session,
    actor: User | None,
    deal_id: int,
    *,
    programme_id: int,
    amount: int,
    gateway: payments.Gateway | None = None,
    ip: str | None = None,
) -> Funding:
    """The buyer pays ``amount`` of the deal by voucher and asks how to pay the rest (the
    funding request for price − escrow): one transaction."""
    deal = deal_machine.lock_deal(session, actor, deal_id)
    role = deal_machine.check(deal, "request_funding", actor)
    if role != "buyer":
        raise Forbidden(N_("Only the buyer pays by voucher."))
    if session.scalar(select(VoucherSpend.id).where(VoucherSpend.deal_id == deal.id)):
        raise Conflict(N_("A voucher already pays part of this deal."), code="voucher_spent")
    if _pending_funding(session, deal):
        raise Conflict(
            N_("Payment instructions were already given for the whole amount."),
            code="funding_requested",
        )
    programme = get(session, programme_id)
    why = refusal(session, deal, programme)
    if why:
        raise Conflict(why, code="voucher_not_eligible")
    terms = escrow.contract(deal)
    cap = cap_for(session, deal, programme)
    if amount <= 0:
        raise Invalid({"voucher_amount": N_("Must be greater than zero.")})
    if amount > cap:
        raise Invalid(
            {
                "voucher_amount": Message(
                    N_("The voucher may pay at most %(cap)s of this deal."),
                    cap=Amount(cap, terms.currency),
                )
            }
        )
    ledger.post(
        session,
        kind="voucher",
        idempotency_key=f"voucher:deal:{deal.id}:spend",
        movements=[
            (money.wallet_account(session, deal.buyer_org_id, programme), -amount),
            (escrow.escrow_account(session, deal, terms.currency), amount),
        ],
        deal_id=deal.id,
        actor_id=actor.id,
        description=f"Innovation voucher ({programme.name}) paid into escrow",
    )
    session.add(
        VoucherSpend(
            deal_id=deal.id,
            programme_id=programme.id,
            organization_id=deal.buyer_org_id,
            amount=amount,
            price=terms.price,
            currency=terms.currency,
            settled_gross=0,
            released=0,
            returned=0,
            created_at=utcnow(),
        )
    )
    session.flush()
    return escrow.request_funding(session, actor, deal.id, gateway=gateway, ip=ip)


def spend_of(session: Session, deal_id: int) -> VoucherSpend | None:
    return session.scalar(select(VoucherSpend).where(VoucherSpend.deal_id == deal_id))


def _part(spend: VoucherSpend, outflow: int) -> int:
    """The voucher's part of ``outflow`` leaving escrow now (the module's rule)."""
    before = spend.settled_gross
    after = min(before + outflow, spend.price)
    part = after * spend.amount // spend.price - before * spend.amount // spend.price
    spend.settled_gross = before + outflow
    return max(0, min(part, spend.amount - spend.released - spend.returned))


def _return(session: Session, deal: Deal, spend: VoucherSpend, amount: int, key: str) -> None:
    """Escrow → the wallet, or the programme's budget once the programme has expired."""
    programme = spend.programme
    target = (
        money.budget_account(session, programme)
        if programme.valid_to < today()
        else money.wallet_account(session, spend.organization_id, programme)
    )
    ledger.post(
        session,
        kind="voucher_return",
        idempotency_key=f"{key}:voucher",
        movements=[
            (escrow.escrow_account(session, deal, spend.currency), -amount),
            (target, amount),
        ],
        deal_id=deal.id,
        description=f"Innovation voucher ({programme.name}) returned from the deal",
    )
    spend.returned += amount


def on_escrow_refunding(
    session: Session, *, deal: Deal, milestone: Milestone | None, amount: int, key: str
) -> int:
    spend = spend_of(session, deal.id)
    if spend is None:
        return 0
    part = _part(spend, amount)
    if part:
        _return(session, deal, spend, part, key)
    return part


def on_escrow_released(session: Session, *, deal: Deal, milestone: Milestone, amount: int) -> None:
    spend = spend_of(session, deal.id)
    if spend is None:
        return
    part = _part(spend, amount)
    if not part:
        return
    spend.released += part
    session.add(
        VoucherRedemption(
            spend_id=spend.id,
            programme_id=spend.programme_id,
            deal_id=deal.id,
            milestone_id=milestone.id,
            supplier_org_id=deal.supplier_org_id,
            amount=part,
            released_gross=amount,
            currency=spend.currency,
            released_at=utcnow(),
        )
    )
    session.flush()


def on_deal_cancelled_unfunded(session: Session, *, deal: Deal, **_: Any) -> None:
    """The deal was cancelled before the rest was paid: the whole voucher goes back."""
    spend = spend_of(session, deal.id)
    if spend is None or spend.returned + spend.released >= spend.amount:
        return
    _return(
        session,
        deal,
        spend,
        spend.amount - spend.returned - spend.released,
        f"deal:{deal.id}:cancel_unfunded",
    )


signals.escrow_refunding.connect(on_escrow_refunding)
signals.escrow_released.connect(on_escrow_released)
signals.deal_cancelled_unfunded.connect(on_deal_cancelled_unfunded)
