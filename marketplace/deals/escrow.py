"""Money on a deal: funding the escrow, releases and refunds, payouts, the statement.

Every money event is one ledger posting with an idempotency key derived from the event,
posted in the same database transaction as the deal's state change. Accounts:

    deal:{id}:funding   buyer_funding      credited with what the buyer paid in
    deal:{id}:escrow    escrow             held until released or refunded
    deal:{id}:refunds   refunds            owed back to the buyer until paid out
    org:{id}:payable    supplier_payable   owed to a supplier until paid out
    platform:revenue    platform_revenue   platform fees
    broker:{id}:commission  broker_commission  owed to the deal's broker (a user id), until paid out
    external:payouts    external           money that left the platform (executed payouts)

Rounding rule for a release of ``amount``: fee = floor(amount × fee_bp / 10000),
commission = floor(amount × commission_bp / 10000), and the supplier gets the rest, so
fee + commission + supplier share == amount exactly: nothing is lost or created.

Each release produces payouts: the supplier's share, and the commission (to the broker's
organization, kind "commission"); each leaves its account (payable, commission) for
``external:payouts`` only when executed. Payment providers are asked to pay out (they may
only produce an instruction); they never touch the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import payments
from marketplace.core import audit, ledger, signals
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.locking import flush_or_conflict, lock_rows
from marketplace.core.messages import N_, Message
from marketplace.core.money import Amount
from marketplace.core.uow import unit_of_work
from marketplace.deals import machine as deals
from marketplace.deals.machine import OPERATOR, SYSTEM
from marketplace.models import (
    Deal,
    Funding,
    JournalTransaction,
    LedgerAccount,
    LedgerEntry,
    Milestone,
    Organization,
    PayoutInstruction,
    User,
)
from marketplace.models.types import utcnow

BASIS = 10_000
FORFEIT = "forfeit"  # the journal kind of a forfeited deposit (forfeit_to_supplier)
# What a buyer is told while the platform has no way to take money (no escrow account).
PAYMENT_NOT_CONFIGURED = "Payment is not set up yet; please contact the platform."


def split_release(amount: int, fee_bp: int, commission_bp: int) -> tuple[int, int, int]:
    """(supplier share, platform fee, commission) of a released amount; see the module doc."""
    fee = amount * fee_bp // BASIS
    commission = amount * commission_bp // BASIS
    return amount - fee - commission, fee, commission


# Accounts -----------------------------------------------------------------------------


def _account(session: Session, code: str, kind: str, currency: str, **kw) -> LedgerAccount:
    return ledger.get_account(session, code, kind, currency, **kw)


def funding_account(session: Session, deal: Deal, currency: str) -> LedgerAccount:
    return _account(session, f"deal:{deal.id}:funding", "buyer_funding", currency, deal_id=deal.id)


def escrow_account(session: Session, deal: Deal, currency: str) -> LedgerAccount:
    return _account(session, f"deal:{deal.id}:escrow", "escrow", currency, deal_id=deal.id)


def refunds_account(session: Session, deal: Deal, currency: str) -> LedgerAccount:
    return _account(session, f"deal:{deal.id}:refunds", "refunds", currency, deal_id=deal.id)


def payable_account(session: Session, org_id: int, currency: str) -> LedgerAccount:
    return _account(session, f"org:{org_id}:payable", "supplier_payable", currency, owner_id=org_id)


def revenue_account(session: Session, currency: str) -> LedgerAccount:
    return _account(session, "platform:revenue", "platform_revenue", currency)


def commission_account(session: Session, broker_id: int, currency: str) -> LedgerAccount:
    return _account(
        session, f"broker:{broker_id}:commission", "broker_commission", currency, owner_id=broker_id
    )


def external_account(session: Session, currency: str) -> LedgerAccount:
    return _account(session, "external:payouts", "external", currency)


# Funding ------------------------------------------------------------------------------


def contract(deal: Deal):
    terms = deal.agreed_terms
    if terms is None:
        raise Conflict(N_("The deal has no agreed terms."))
    return terms


@unit_of_work
def request_funding(
    session: Session,
    actor: User | None,
    deal_id: int,
    *,
    gateway: payments.Gateway | None = None,
    ip: str | None = None,
) -> Funding:
    """The buyer asks how to pay; asking again returns the same pending instructions."""
    gateway = gateway or payments.default_gateway()
    deal = deals.lock_deal(session, actor, deal_id)
    role = deals.check(deal, "request_funding", actor)
    terms = contract(deal)
    provider = gateway.funding_provider()
    if not gateway.funding_configured():
        raise Conflict(PAYMENT_NOT_CONFIGURED)
    pending = session.scalar(
        select(Funding).where(
            Funding.deal_id == deal.id,
            Funding.terms_id == terms.id,
            Funding.provider == provider.name,
            Funding.status == "pending",
        )
    )
    if pending is not None:
        return pending
    # Escrow may already hold part of the price (an auction winner's deposit, applied at
    # the close): the buyer pays the rest.
    due = terms.price - ledger.balance(session, escrow_account(session, deal, terms.currency))
    if due <= 0:
        raise Conflict(N_("Escrow already holds the contract amount."))
    instruction = provider.create_funding(
        deal, due, terms.currency, f"deal:{deal.id}:funding:{terms.terms_hash}"
    )
    funding = Funding(
        deal_id=deal.id,
        terms_id=terms.id,
        provider=instruction.provider,
        reference=instruction.reference,
        amount=instruction.amount,
        currency=instruction.currency,
        instructions=instruction.instructions,
        client_data=instruction.client_data,
        created_at=utcnow(),
    )
    session.add(funding)
    session.flush()
    deals.apply(
        session,
        deal,
        "request_funding",
        role,
        actor,
        ip=ip,
        detail={"provider": funding.provider, "reference": funding.reference},
    )
    return funding


@unit_of_work
def confirm_bank_transfer(
    session: Session,
    actor: User | None,
    deal_id: int,
    *,
    reference: str,
    amount: int,
    ip: str | None = None,
) -> Deal:
    """An operator saw the buyer's transfer arrive: exactly the contract amount funds escrow.
    Confirming the same reference again changes nothing."""
    deal = deals.lock_deal(session, actor, deal_id)
    if not actor.is_operator:
        raise Forbidden(N_("Only operators confirm bank transfers."))
    before = {"state": deal.state}
    deal = _fund(session, deal, reference, amount, actor, OPERATOR, ip)
    audit.record(
        session,
        actor,
        "deal.bank_transfer_confirmed",
        "deal",
        deal.id,
        before=before,
        after={"state": deal.state, "reference": reference, "amount": amount},
        ip=ip,
    )
    return deal


def funding_succeeded(
    session: Session, deal_id: int, *, reference: str, amount: int, ip: str | None = None
) -> Deal:
    """The provider reports that the payment under ``reference`` succeeded (system role)."""
    lock_rows(session, Deal, [deal_id])
    deal = session.get(Deal, deal_id, populate_existing=True)
    if deal is None:
        raise NotFound(N_("No deal %(deal)s."), deal=deal_id)
    return _fund(session, deal, reference, amount, None, SYSTEM, ip)


def _fund(
    session: Session,
    deal: Deal,
    reference: str,
    amount: int,
    actor: User | None,
    role: str,
    ip: str | None,
) -> Deal:
    funding = session.scalar(
        select(Funding).where(Funding.deal_id == deal.id, Funding.reference == reference.strip())
    )
    if funding is None:
        raise Invalid({"reference": N_("No funding request of this deal has this reference.")})
    if funding.status == "confirmed":
        return deal  # the same money, reported twice: posted once
    if (deal.state, "confirm_funding", role) not in deals.TRANSITIONS:
        raise deals.state_conflict(deal, "confirm_funding")
    if amount != funding.amount:
        raise Invalid(
            {
                "amount": Message(
                    N_(
                        "The contract amount is %(expected)s %(currency)s; %(given)s does not"
                        " fund it. Return the transfer or ask for the difference."
                    ),
                    expected=Amount(funding.amount, funding.currency),
                    currency=funding.currency,
                    given=Amount(amount, funding.currency),
                )
            }
        )
    _, created = ledger.post(
        session,
        kind="fund",
        idempotency_key=f"deal:{deal.id}:fund:{funding.reference}",
        movements=[
            (funding_account(session, deal, funding.currency), -amount),
            (escrow_account(session, deal, funding.currency), amount),
        ],
        deal_id=deal.id,
        actor_id=actor.id if actor else None,
        description=f"Funding {funding.reference} ({funding.provider})",
    )
    funding.status = "confirmed"
    funding.confirmed_at = utcnow()
    funding.confirmed_by_id = actor.id if actor else None
    detail = {"reference": funding.reference, "amount": amount, "currency": funding.currency}
    deals.apply(session, deal, "confirm_funding", role, actor, ip=ip, detail=detail)
    return deal


# Releases and refunds (the delivery service decides when) ------------------------


def _provider(session: Session, deal: Deal, gateway: payments.Gateway):
    funding = session.scalar(
        select(Funding).where(Funding.deal_id == deal.id, Funding.status == "confirmed")
    )
    if funding is None:
        raise Conflict(N_("The deal has no confirmed funding."))
    return gateway.get(funding.provider), funding


def release(
    session: Session,
    deal: Deal,
    milestone: Milestone,
    gross: int,
    actor: User | None,
    gateway: payments.Gateway,
) -> dict[str, int]:
    """Escrow → supplier payable (less fee and commission) and the payout instruction."""
    terms = contract(deal)
    currency = terms.currency
    net, fee, commission = split_release(gross, terms.platform_fee_bp, terms.commission_bp)
    key = f"deal:{deal.id}:milestone:{milestone.id}:release"
    payable = payable_account(session, deal.supplier_org_id, currency)
    moves = [
        (escrow_account(session, deal, currency), -gross),
        (payable, net),
        (revenue_account(session, currency), fee),
    ]
    if commission:
        moves.append((commission_account(session, terms.broker_id, currency), commission))
    ledger.post(
        session,
        kind="release",
        idempotency_key=key,
        movements=moves,
        deal_id=deal.id,
        actor_id=actor.id if actor else None,
        description=f"Milestone {milestone.position} released",
    )
    milestone.released_amount += gross
    milestone.fee_amount += fee
    milestone.commission_amount += commission
    if net:
        provider, _ = _provider(session, deal, gateway)
        beneficiary = beneficiary_of(deal.supplier)
        result = provider.release(deal, net, currency, key, beneficiary)
        _payout(session, deal, milestone, "release", payable, net, key, result, beneficiary)
    if commission:
        _commission_payout(session, deal, milestone, terms.broker_id, commission, currency, gateway)
    signals.escrow_released.send(session, deal=deal, milestone=milestone, amount=gross)
    return {"released": gross, "supplier_share": net, "fee": fee, "commission": commission}


def _commission_payout(
    session: Session,
    deal: Deal,
    milestone: Milestone,
    broker_id: int,
    amount: int,
    currency: str,
    gateway: payments.Gateway,
) -> None:
    """The commission a release credited, owed to the broker's organization: a Stripe
    Connect transfer where that organization is connected (through the provider that took
    the funding), otherwise a payout instruction an operator executes by bank transfer.
    Either way the money leaves the broker's commission account only on execution."""
    broker = session.get(User, broker_id)
    if broker is None or broker.organization is None:
        return  # nobody to pay yet: the commission stays on the broker's account
    key = f"deal:{deal.id}:milestone:{milestone.id}:commission"
    provider, _ = _provider(session, deal, gateway)
    beneficiary = beneficiary_of(broker.organization)
    result = provider.release(deal, amount, currency, key, beneficiary)
    account = commission_account(session, broker_id, currency)
    _payout(session, deal, milestone, "commission", account, amount, key, result, beneficiary)


def refund(
    session: Session,
    deal: Deal,
    milestone: Milestone | None,
    amount: int,
    key: str,
    actor: User | None,
    gateway: payments.Gateway,
) -> dict[str, int]:
    """Escrow → the deal's refunds account, and the payout instruction back to the buyer.

    The part of it that was not the buyer's money (an innovation voucher) is posted back
    where it came from by the receivers of ``escrow_refunding``, never to the buyer."""
    currency = contract(deal).currency
    returned = sum(
        int(taken or 0)
        for _, taken in signals.escrow_refunding.send(
            session, deal=deal, milestone=milestone, amount=amount, key=key
        )
    )
    amount -= returned
    if amount <= 0:
        return {"refunded": 0, "returned": returned}
    refunds = refunds_account(session, deal, currency)
    ledger.post(
        session,
        kind="refund",
        idempotency_key=key,
        movements=[(escrow_account(session, deal, currency), -amount), (refunds, amount)],
        deal_id=deal.id,
        actor_id=actor.id if actor else None,
        description="Refund to the buyer",
    )
    provider, funding = _provider(session, deal, gateway)
    beneficiary = beneficiary_of(deal.buyer, connected=False)  # refunds go back the way they came
    result = provider.refund(deal, amount, currency, key, beneficiary, funding.reference)
    _payout(session, deal, milestone, "refund", refunds, amount, key, result, beneficiary)
    return {"refunded": amount} | ({"returned": returned} if returned else {})


def forfeit_to_supplier(
    session: Session,
    deal: Deal,
    amount: int,
    currency: str,
    supplier_bp: int,
    key: str,
    provider: payments.PaymentProvider,
) -> dict[str, int]:
    """Money escrow holds that the buyer forfeits (an auction winner's deposit, the deal
    never funded): ``supplier_bp`` of it to the supplier's payable with its payout
    instruction, the rest (rounding included) to platform revenue. The deal is locked."""
    share = amount * supplier_bp // BASIS
    payable = payable_account(session, deal.supplier_org_id, currency)
    moves = [(escrow_account(session, deal, currency), -amount), (payable, share)]
    if amount - share:
        moves.append((revenue_account(session, currency), amount - share))
    ledger.post(
        session,
        kind=FORFEIT,
        idempotency_key=key,
        movements=moves,
        deal_id=deal.id,
        description="Deposit forfeited by the buyer",
    )
    if share:
        beneficiary = beneficiary_of(deal.supplier)
        result = provider.release(deal, share, currency, key, beneficiary)
        _payout(session, deal, None, "release", payable, share, key, result, beneficiary)
    return {"forfeited": amount, "supplier_share": share, "fee": amount - share}


def beneficiary_of(org: Organization, *, connected: bool = True) -> payments.Beneficiary:
    """Who a payout goes to: the organization, its connected provider account (if any and
    ``connected``) and the bank account an operator transfers to."""
    return payments.Beneficiary(
        org.id,
        org.name,
        provider_account=(org.stripe_account_id or "") if connected else "",
        bank=org.payout_bank,
        account_holder=org.payout_account_holder,
        account_number=org.payout_account_number,
    )


def _payout(session, deal, milestone, kind, account, amount, key, result, beneficiary) -> None:
    payout = PayoutInstruction(
        deal_id=deal.id,
        subject=f"deal:{deal.id}",
        milestone_id=milestone.id if milestone else None,
        kind=kind,
        provider=result.provider,
        beneficiary_org_id=beneficiary.organization_id,
        account_code=account.code,
        amount=amount,
        currency=account.currency,
        source_key=key,
        instructions=result.instructions,
        details=dict(result.details),
        created_at=utcnow(),
    )
    session.add(payout)
    session.flush()
    if result.status == "executed":  # the provider moved the money itself
        _mark_executed(session, deal, payout, result.reference, None, SYSTEM, None)


def refund_payout(
    session: Session,
    *,
    subject: str,
    remark_id: str,
    organization: Organization,
    account: LedgerAccount,
    amount: int,
    key: str,
) -> PayoutInstruction:
    """The payout instruction for money owed back on ``account`` (a refunds account) that
    was paid in without a deal: an auction deposit ("auction_registration:12"), a
    challenge's bounty ("challenge:5"). An operator pays it by bank transfer to the
    organization and marks it executed (refunds → external). One per ``key`` (the refund's
    ledger key): asking again returns the instruction made the first time."""
    existing = session.scalar(select(PayoutInstruction).where(PayoutInstruction.source_key == key))
    if existing is not None:
        return existing
    beneficiary = beneficiary_of(organization, connected=False)
    details = {
        "method": "bank_transfer",
        "subject": subject,
        "payee": beneficiary.name,
        "bank": beneficiary.bank,
        "account_holder": beneficiary.account_holder or beneficiary.name,
        "account_number": beneficiary.account_number,
        "amount": amount,
        "currency": account.currency,
        "remark": payments.payout_remark(remark_id, key),
        "reason": "",
    }
    payout = PayoutInstruction(
        deal_id=None,
        subject=subject,
        kind="refund",
        provider="offline",
        beneficiary_org_id=organization.id,
        account_code=account.code,
        amount=amount,
        currency=account.currency,
        source_key=key,
        instructions=(
            f"Refund {amount / 100:.2f} {account.currency} to {beneficiary.name} for {subject} "
            f"(remark {details['remark']}), then mark this payout executed."
        ),
        details=details,
        created_at=utcnow(),
    )
    session.add(payout)
    session.flush()
    return payout


# Payouts ------------------------------------------------------------------------------


def list_payouts(
    session: Session, actor: User | None, status: str | None = "pending"
) -> list[PayoutInstruction]:
    _require_operator(actor)
    stmt = select(PayoutInstruction).order_by(PayoutInstruction.id)
    if status:
        stmt = stmt.where(PayoutInstruction.status == status)
    return list(session.scalars(stmt))


@unit_of_work
def execute_payout(
    session: Session, actor: User | None, payout_id: int, reference: str, *, ip: str | None = None
) -> PayoutInstruction:
    """An operator paid the money out (bank transfer ``reference``): payable → external."""
    _require_operator(actor)
    reference = (reference or "").strip()
    if not reference:
        raise Invalid({"reference": N_("The bank transfer's reference.")})
    lock_rows(session, PayoutInstruction, [payout_id])
    payout = session.get(PayoutInstruction, payout_id, populate_existing=True)
    if payout is None:
        raise NotFound(N_("No payout %(payout)s."), payout=payout_id)
    if payout.status == "executed":
        if payout.reference == reference:
            return payout  # the same confirmation again
        raise Conflict(
            N_("Payout %(payout)s was already executed as %(reference)s."),
            code="payout_executed",
            payout=payout.id,
            reference=payout.reference,
        )
    deal = session.get(Deal, payout.deal_id) if payout.deal_id is not None else None
    _mark_executed(session, deal, payout, reference, actor, OPERATOR, ip)
    audit.record(
        session,
        actor,
        "payout.executed",
        "payout",
        payout.id,
        before={"status": "pending"},
        after={
            "status": payout.status,
            "reference": reference,
            "amount": payout.amount,
            "currency": payout.currency,
            "deal_id": payout.deal_id,
            "subject": payout.subject,
        },
        ip=ip,
    )
    return payout


def _mark_executed(session, deal, payout, reference, actor, role, ip) -> None:
    source = session.scalars(
        select(LedgerAccount).where(
            LedgerAccount.code == payout.account_code, LedgerAccount.currency == payout.currency
        )
    ).one()
    ledger.post(
        session,
        kind="payout",
        idempotency_key=f"payout:{payout.id}:executed",
        movements=[
            (source, -payout.amount),
            (external_account(session, payout.currency), payout.amount),
        ],
        deal_id=payout.deal_id,
        actor_id=actor.id if actor else None,
        description=f"{payout.kind} payout {reference}",
    )
    payout.status = "executed"
    payout.reference = reference
    payout.executed_at = utcnow()
    payout.executed_by_id = actor.id if actor else None
    detail = {
        "payout_id": payout.id,
        "kind": payout.kind,
        "amount": payout.amount,
        "reference": reference,
    }
    if deal is not None:  # a refund without a deal has no deal log to write to
        deals.record(session, deal, "payout_executed", role, actor, ip=ip, detail=detail)
    flush_or_conflict(session)


def _require_operator(actor: User | None) -> None:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    if not actor.is_operator:
        raise Forbidden(N_("Only operators handle payouts."))


# Statement ----------------------------------------------------------------------------


def statement(session: Session, deal: Deal) -> dict[str, Any]:
    """Every amount of the deal, derived from the ledger (and the milestones' split)."""
    sums: dict[str, int] = defaultdict(int)
    terms = deal.agreed_terms or deal.current_terms  # an auction deposit may precede agreement
    currency = terms.currency if terms else None
    rows = session.execute(
        select(
            LedgerAccount.kind, LedgerAccount.deal_id, LedgerEntry.amount, JournalTransaction.kind
        )
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .join(JournalTransaction, LedgerEntry.transaction_id == JournalTransaction.id)
        .where(JournalTransaction.deal_id == deal.id)
    )
    for kind, account_deal, amount, txn_kind in rows:
        amount = int(amount)
        if kind == "buyer_funding":
            sums["funded"] -= amount
        elif kind == "escrow" and account_deal == deal.id:
            sums["held"] += amount
        elif kind == "escrow":  # another escrow paid into this deal's: an auction deposit
            sums["funded"] -= amount
        elif kind == "voucher_wallet" and amount < 0:  # an innovation voucher paid in
            sums["funded"] -= amount
            sums["voucher"] -= amount
        elif kind in ("voucher_wallet", "voucher_budget"):  # its part of a refund
            sums["voucher_returned"] += amount
        elif txn_kind == FORFEIT:
            sums["forfeited"] += amount
        elif kind in ("supplier_payable", "platform_revenue", "broker_commission") and amount > 0:
            sums["released"] += amount
            key = {"supplier_payable": "supplier_share", "platform_revenue": "fees"}.get(
                kind, "commission"
            )
            sums[key] += amount
        elif kind == "refunds" and amount > 0:
            sums["refunded"] += amount
        elif kind == "external":
            sums["paid_out"] += amount
    pending = session.scalar(
        select(func.coalesce(func.sum(PayoutInstruction.amount), 0)).where(
            PayoutInstruction.deal_id == deal.id, PayoutInstruction.status == "pending"
        )
    )
    keys = (
        "funded",
        "held",
        "released",
        "refunded",
        "forfeited",
        "fees",
        "commission",
        "supplier_share",
        "voucher",
        "voucher_returned",
    )
    result: dict[str, Any] = {k: sums[k] for k in keys}
    result |= {"paid_out": sums["paid_out"], "payouts_pending": int(pending), "currency": currency}
    funded = deal.state in deals.FUNDED_STATES
    result["milestones"] = [
        {
            "id": m.id,
            "position": m.position,
            "title": m.title,
            "state": m.state,
            "amount": m.amount,
            "released": m.released_amount,
            "refunded": m.refunded_amount,
            "fee": m.fee_amount,
            "commission": m.commission_amount,
            "held": m.amount if funded and m.state in ("pending", "delivered", "disputed") else 0,
        }
        for m in deal.milestones
    ]
    return result


def fundings(session: Session, deal: Deal) -> list[Funding]:
    return list(
        session.scalars(select(Funding).where(Funding.deal_id == deal.id).order_by(Funding.id))
    )


def pending_bank_transfers(session: Session, actor: User | None) -> list[Funding]:
    """Bank transfers an operator has to confirm: offline requests of deals still waiting
    for their money."""
    _require_operator(actor)
    return list(
        session.scalars(
            select(Funding)
            .join(Deal, Deal.id == Funding.deal_id)
            .where(
                Funding.status == "pending", Funding.provider == "offline", Deal.state == "agreed"
            )
            .order_by(Funding.id)
        )
    )
