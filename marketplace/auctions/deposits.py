"""Bidder registration and the deposit (保证金): paid into escrow by bank transfer that
an operator confirms (the payment gateway's offline provider gives the instructions),
then applied to the winner's deal or refunded at the close. Every movement is one ledger
posting with a key derived from the event, so a repeated confirmation or close posts once.

Accounts:
    auction:registration:{id}:funding   buyer_funding   what the bidder paid in
    auction:lot:{id}:deposits           escrow          deposits held for the lot
    auction:registration:{id}:refunds   refunds         owed back to the bidder
and the winner's deposit goes to the deal's escrow (``deal:{id}:escrow``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import payments
from marketplace.auctions.lots import lock_lot, require_operator, require_user
from marketplace.auctions.rules import DEPOSIT, OPERATOR, SYSTEM
from marketplace.core import audit, ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.core.locking import lock_rows
from marketplace.core.messages import N_, Message
from marketplace.core.money import Amount
from marketplace.core.uow import unit_of_work
from marketplace.deals import escrow as deal_money
from marketplace.models import AuctionLot, AuctionRegistration, Deal, User
from marketplace.models.types import utcnow


@dataclass(frozen=True)
class _Payee:
    """What the payment provider knows of a deposit (payments.DealLike)."""

    id: int
    title: str


def funding_account(session: Session, reg: AuctionRegistration):
    return ledger.get_account(
        session,
        f"auction:registration:{reg.id}:funding",
        "buyer_funding",
        reg.currency,
        owner_id=reg.organization_id,
    )


def deposits_account(session: Session, lot: AuctionLot):
    return ledger.get_account(session, f"auction:lot:{lot.id}:deposits", "escrow", lot.currency)


def refunds_account(session: Session, reg: AuctionRegistration):
    return ledger.get_account(
        session,
        f"auction:registration:{reg.id}:refunds",
        "refunds",
        reg.currency,
        owner_id=reg.organization_id,
    )


def registration_of(
    session: Session, lot_id: int, org_id: int | None
) -> AuctionRegistration | None:
    if org_id is None:
        return None
    return session.scalar(
        select(AuctionRegistration).where(
            AuctionRegistration.lot_id == lot_id, AuctionRegistration.organization_id == org_id
        )
    )


@unit_of_work
def register(
    session: Session,
    actor: User | None,
    lot_id: int,
    *,
    gateway: payments.Gateway | None = None,
    now: datetime | None = None,
    ip: str | None = None,
) -> AuctionRegistration:
    """A verified organization registers to bid and is told how to pay the deposit;
    registering again returns the same registration."""
    actor = require_user(actor)
    now = now or utcnow()
    org = actor.organization
    if org is None or org.verification_status != "verified":
        raise Forbidden(
            N_("Only members of a verified organization bid in auctions."), code="not_verified"
        )
    if not actor.has_role("enterprise_member"):
        raise Forbidden(N_("Only enterprise members open a deal on a listing."))
    lot = lock_lot(session, lot_id)
    if lot.state in ("applied", "rejected", "withdrawn"):
        raise NotFound(N_("No auction lot %(lot)s."), lot=lot_id)
    if lot.state != "admitted":
        raise Conflict(N_("Bidding on this lot has closed."), code="bidding_closed")
    if org.id == lot.owner_org_id:
        raise Forbidden(N_("You cannot bid on your own organization's lot."))
    existing = registration_of(session, lot.id, org.id)
    if existing is not None:
        return existing
    if now >= lot.ends_at:
        raise Conflict(N_("Bidding on this lot has closed."), code="bidding_closed")
    gateway = gateway or payments.default_gateway()
    provider = gateway.get("offline")
    if not getattr(provider, "configured", True):
        raise Conflict(deal_money.PAYMENT_NOT_CONFIGURED)
    ordinal = 1 + (
        session.scalar(
            select(func.count())
            .select_from(AuctionRegistration)
            .where(AuctionRegistration.lot_id == lot.id)
        )
        or 0
    )
    instruction = provider.create_funding(
        _Payee(lot.id, lot.listing.title),
        lot.deposit,
        lot.currency,
        f"auction:lot:{lot.id}:org:{org.id}:deposit",
    )
    reg = AuctionRegistration(
        lot_id=lot.id,
        organization_id=org.id,
        user_id=actor.id,
        ordinal=ordinal,
        deposit_state="pending",
        deposit_amount=instruction.amount,
        currency=instruction.currency,
        provider=instruction.provider,
        reference=instruction.reference,
        instructions=instruction.instructions,
        created_at=now,
    )
    session.add(reg)
    session.flush()
    return reg


def lock_registration(session: Session, registration_id: int) -> AuctionRegistration:
    lock_rows(session, AuctionRegistration, [registration_id])
    reg = session.get(AuctionRegistration, registration_id, populate_existing=True)
    if reg is None:
        raise NotFound(
            N_("No auction registration %(registration)s."), registration=registration_id
        )
    return reg


@unit_of_work
def confirm_deposit(
    session: Session,
    actor: User | None,
    registration_id: int,
    *,
    reference: str,
    amount: int,
    now: datetime | None = None,
    ip: str | None = None,
) -> AuctionRegistration:
    """An operator saw the deposit arrive: exactly the deposit amount, under the
    registration's reference. Confirming again changes nothing."""
    actor = require_operator(actor)
    reg = lock_registration(session, registration_id)
    if reference.strip() != reg.reference:
        raise Invalid({"reference": N_("This is not the registration's reference.")})
    if reg.deposit_state == "held":
        return reg
    _hold(session, reg, amount, actor, OPERATOR, now or utcnow())
    audit.record(
        session,
        actor,
        "auction.deposit_confirmed",
        "auction_registration",
        reg.id,
        before={"deposit_state": "pending"},
        after={"deposit_state": reg.deposit_state, "amount": amount},
        ip=ip,
    )
    return reg


def _hold(
    session: Session,
    reg: AuctionRegistration,
    amount: int,
    actor: User | None,
    role: str,
    now: datetime,
) -> None:
    """The deposit arrived (a bank transfer an operator saw, or a card payment Stripe
    reported): funding → the lot's deposits, once per registration."""
    DEPOSIT.check(reg, "confirm", [role])
    if amount != reg.deposit_amount:
        raise Invalid(
            {
                "amount": Message(
                    N_("The deposit is %(expected)s %(currency)s; %(given)s does not pay it."),
                    expected=Amount(reg.deposit_amount, reg.currency),
                    currency=reg.currency,
                    given=Amount(amount, reg.currency),
                )
            }
        )
    lot = session.get(AuctionLot, reg.lot_id)
    ledger.post(
        session,
        kind="auction_deposit",
        idempotency_key=f"auction:registration:{reg.id}:deposit",
        movements=[
            (funding_account(session, reg), -amount),
            (deposits_account(session, lot), amount),
        ],
        actor_id=actor.id if actor else None,
        description=f"Deposit {reg.reference} for auction lot {lot.id}",
    )
    DEPOSIT.apply(reg, "confirm", role)
    reg.confirmed_at = now


# By card (Stripe) -----------------------------------------------------------------

CARD_PURPOSE = "auction_deposit"  # the PaymentIntent's metadata "purpose"
CARD_UNAVAILABLE = N_("Card payment is not available.")


@unit_of_work
def request_card_deposit(
    session: Session,
    actor: User | None,
    lot_id: int,
    *,
    gateway: payments.Gateway | None = None,
) -> tuple[AuctionRegistration, dict[str, str]]:
    """The registered bidder pays its pending deposit by card: a Stripe PaymentIntent
    whose metadata names the registration (asking again returns the same intent). The
    verified payment_intent.succeeded webhook holds the deposit (``card_succeeded``).
    Returns the registration and what Stripe.js needs (payment_intent, client_secret)."""
    actor = require_user(actor)
    reg = registration_of(session, lot_id, actor.organization_id)
    if reg is None:
        raise NotFound(N_("Register for this lot first."))
    reg = lock_registration(session, reg.id)
    if reg.deposit_state != "pending":
        raise Conflict(N_("The deposit is not awaiting payment."), code="deposit_state")
    gateway = gateway or payments.default_gateway()
    provider = gateway.providers.get("stripe")
    if provider is None:
        raise Conflict(CARD_UNAVAILABLE, code="card_unavailable")
    lot = session.get(AuctionLot, reg.lot_id)
    instruction = provider.create_funding(
        _Payee(reg.id, lot.listing.title),
        reg.deposit_amount,
        reg.currency,
        f"auction:registration:{reg.id}:card",
        purpose={"purpose": CARD_PURPOSE, "registration_id": str(reg.id)},
    )
    reg.payment_intent = instruction.reference
    session.flush()
    return reg, dict(instruction.client_data)


def card_succeeded(session: Session, intent: dict) -> tuple[str, str]:
    """A verified payment_intent.succeeded for a deposit (deals/stripe_events.py calls it
    by the intent's purpose): the same postings as a confirmed bank transfer, once per
    registration (a repeated event changes nothing)."""
    registration_id = int((intent.get("metadata") or {})["registration_id"])
    reg = lock_registration(session, registration_id)
    if reg.payment_intent != intent["id"]:
        raise Invalid({"payment_intent": N_("Not this registration's card payment.")})
    if reg.deposit_state == "held":
        return "processed", "Already held."
    amount = intent.get("amount_received") or intent["amount"]
    _hold(session, reg, amount, None, SYSTEM, utcnow())
    return "processed", f"Deposit {reg.reference} held."


def pending_deposits(session: Session, actor: User | None) -> list[AuctionRegistration]:
    require_operator(actor)
    return list(
        session.scalars(
            select(AuctionRegistration)
            .join(AuctionLot, AuctionLot.id == AuctionRegistration.lot_id)
            .where(AuctionRegistration.deposit_state == "pending", AuctionLot.state == "admitted")
            .order_by(AuctionRegistration.id)
        )
    )


# At the close (the caller holds the lot's lock) ------------------------------------


def refund(session: Session, lot: AuctionLot, reg: AuctionRegistration, now: datetime) -> None:
    """A held deposit back to its bidder (owed on the refunds account until paid out);
    a deposit never paid lapses."""
    if reg.deposit_state == "pending":
        DEPOSIT.apply(reg, "lapse", SYSTEM)
        reg.settled_at = now
        return
    if reg.deposit_state != "held":
        return  # settled before: a repeated close
    ledger.post(
        session,
        kind="auction_deposit_refund",
        idempotency_key=f"auction:registration:{reg.id}:refund",
        movements=[
            (deposits_account(session, lot), -reg.deposit_amount),
            (refunds_account(session, reg), reg.deposit_amount),
        ],
        description=f"Deposit {reg.reference} refunded (auction lot {lot.id})",
    )
    _refund_payout(session, reg)
    DEPOSIT.apply(reg, "refund", SYSTEM)
    reg.settled_at = now


def _refund_payout(session: Session, reg: AuctionRegistration) -> None:
    """The payout instruction that pays a refunded deposit back to the bidder by bank
    transfer (an operator executes it: refunds → external)."""
    deal_money.refund_payout(
        session,
        subject=f"auction_registration:{reg.id}",
        remark_id=f"A{reg.id}",
        organization=reg.organization,
        account=refunds_account(session, reg),
        amount=reg.deposit_amount,
        key=f"auction:registration:{reg.id}:refund",
    )


def apply_to_deal(
    session: Session, lot: AuctionLot, reg: AuctionRegistration, deal: Deal, now: datetime
) -> None:
    """The winner's deposit moves into the deal's escrow: it counts toward the funding
    (deals/escrow.py asks the buyer for the contract price less what escrow holds)."""
    if reg.deposit_state != "held":
        raise Conflict(N_("The winner's deposit is not held."), code="deposit_state")
    ledger.post(
        session,
        kind="auction_deposit_applied",
        idempotency_key=f"auction:registration:{reg.id}:apply",
        movements=[
            (deposits_account(session, lot), -reg.deposit_amount),
            (deal_money.escrow_account(session, deal, reg.currency), reg.deposit_amount),
        ],
        deal_id=deal.id,
        description=f"Auction deposit {reg.reference} applied to the deal",
    )
    DEPOSIT.apply(reg, "apply", SYSTEM)
    reg.deal_id = deal.id
    reg.settled_at = now


def refund_applied(session: Session, reg: AuctionRegistration, deal: Deal, now: datetime) -> None:
    """The deal the deposit was applied to fell through, not by the bidder's fault: the
    deposit leaves the deal's escrow back to the bidder (owed on the refunds account)."""
    if reg.deposit_state != "applied":
        return  # settled before
    ledger.post(
        session,
        kind="auction_deposit_refund",
        idempotency_key=f"auction:registration:{reg.id}:refund",
        movements=[
            (deal_money.escrow_account(session, deal, reg.currency), -reg.deposit_amount),
            (refunds_account(session, reg), reg.deposit_amount),
        ],
        deal_id=deal.id,
        description=f"Auction deposit {reg.reference} refunded from the deal",
    )
    _refund_payout(session, reg)
    DEPOSIT.apply(reg, "refund", SYSTEM)
    reg.settled_at = now


def forfeit(
    session: Session,
    lot: AuctionLot,
    reg: AuctionRegistration,
    deal: Deal,
    now: datetime,
    gateway: payments.Gateway,
) -> None:
    """The winner did not fund the deal (or walked away): the deposit escrow holds is
    split by the lot's rules between the seller (its payable, with a payout instruction)
    and the platform's revenue."""
    if reg.deposit_state != "applied":
        return  # settled before
    deal_money.forfeit_to_supplier(
        session,
        deal,
        reg.deposit_amount,
        reg.currency,
        lot.forfeit_seller_bp,
        f"auction:registration:{reg.id}:forfeit",
        gateway.get(reg.provider),
    )
    DEPOSIT.apply(reg, "forfeit", SYSTEM)
    reg.settled_at = now
