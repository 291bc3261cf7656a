"""Offers, counter-offers and the contract.

Each proposal is a new terms version with a hash of its canonical JSON. A party confirms
a version by its hash; the deal is agreed when buyer and supplier confirmed the same
version. Confirmations belong to a version, so proposing a new version voids them, and
confirming an older hash is a Conflict (the confirmer has not seen the current terms).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from marketplace.core import ledger
from marketplace.core.errors import Conflict, Invalid
from marketplace.core.messages import N_, Message
from marketplace.core.money import Amount
from marketplace.core.uow import unit_of_work
from marketplace.deals import escrow
from marketplace.deals import machine as deals
from marketplace.models import Deal, DealTerms, Milestone, TermsConfirmation, User
from marketplace.models.deals import DEFAULT_ACCEPTANCE_DAYS
from marketplace.models.types import utcnow

DEFAULT_PLATFORM_FEE_BP = 300  # 3 %; the app passes config PLATFORM_FEE_BP


def canonical_terms(terms: DealTerms) -> dict[str, Any]:
    """Everything both parties agree to, in a stable shape. The deal and version number
    are included so that a hash names exactly one version of one deal."""
    return {
        "deal": terms.deal_id,
        "version": terms.number,
        "price": terms.price,
        "currency": terms.currency,
        "transfer_mode": terms.transfer_mode,
        "milestones": [
            {"title": m["title"], "amount": m["amount"], "due_date": m.get("due_date")}
            for m in terms.milestones
        ],
        "platform_fee_bp": terms.platform_fee_bp,
        "commission_bp": terms.commission_bp,
        "broker": terms.broker_id,
        "broker_may_arbitrate": bool(terms.broker_may_arbitrate),
        "note": terms.note,
    } | (
        # The buyer's acceptance period: stated when it is not the default (so that the
        # hashes of versions made before it existed stay valid).
        {"acceptance_days": terms.acceptance_days}
        if terms.acceptance_days not in (None, DEFAULT_ACCEPTANCE_DAYS)
        else {}
    )


def hash_terms(terms: DealTerms) -> str:
    text = json.dumps(
        canonical_terms(terms), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _milestone_json(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for m in items:
        due = m.get("due_date")
        out.append(
            {
                "title": m["title"].strip(),
                "amount": int(m["amount"]),
                "due_date": due.isoformat() if isinstance(due, date) else due,
            }
        )
    return out


def validate_terms(data: dict[str, Any]) -> None:
    """Rules beyond the schema's shapes: milestones sum exactly to the price."""
    milestones = data.get("milestones") or []
    if not milestones:
        raise Invalid({"milestones": N_("At least one milestone.")})
    errors: dict[str, str] = {}
    if any(int(m["amount"]) <= 0 for m in milestones):
        errors["milestones"] = N_("Every milestone has a positive amount.")
    elif sum(int(m["amount"]) for m in milestones) != data["price"]:
        total = sum(int(m["amount"]) for m in milestones)
        currency = data.get("currency", "CNY")
        errors["milestones"] = Message(
            N_("The milestone amounts sum to %(total)s, not to the price %(price)s."),
            total=Amount(total, currency),
            price=Amount(data["price"], currency),
        )
    if any(not m["title"].strip() for m in milestones):
        errors["milestones"] = N_("Every milestone has a title.")
    if data["price"] <= 0:
        errors["price"] = N_("The price is a positive amount in minor units.")
    if errors:
        raise Invalid(errors)


@unit_of_work
def propose_terms(
    session: Session,
    actor: User | None,
    deal_id: int,
    data: dict[str, Any],
    *,
    platform_fee_bp: int = DEFAULT_PLATFORM_FEE_BP,
    acceptance_days: int = DEFAULT_ACCEPTANCE_DAYS,
    ip: str | None = None,
) -> DealTerms:
    """A new terms version (an offer, or a counter-offer) from either party. The buyer's
    acceptance period is the parties' (``data["acceptance_days"]``) or the platform's
    default (``acceptance_days``, config MILESTONE_ACCEPTANCE_DAYS)."""
    deal = deals.lock_deal(session, actor, deal_id)
    role = deals.check(deal, "propose_terms", actor)
    validate_terms(data)
    broker_id, commission_bp, may_arbitrate = _broker_terms(deal, data, platform_fee_bp)
    number = len(deal.terms_versions) + 1
    terms = DealTerms(
        deal_id=deal.id,
        number=number,
        proposed_by_id=actor.id,
        proposed_by_role=role,
        price=data["price"],
        currency=data["currency"],
        transfer_mode=data["transfer_mode"],
        milestones=_milestone_json(data["milestones"]),
        platform_fee_bp=platform_fee_bp,
        commission_bp=commission_bp,
        broker_id=broker_id,
        broker_may_arbitrate=may_arbitrate,
        acceptance_days=data.get("acceptance_days") or acceptance_days,
        note=data.get("note", ""),
        created_at=utcnow(),
    )
    terms.terms_hash = hash_terms(terms)
    session.add(terms)
    session.flush()
    deals.apply(
        session,
        deal,
        "propose_terms",
        role,
        actor,
        ip=ip,
        detail={
            "terms_version": number,
            "terms_hash": terms.terms_hash,
            "price": terms.price,
            "currency": terms.currency,
        },
    )
    return terms


def _broker_terms(
    deal: Deal, data: dict[str, Any], platform_fee_bp: int
) -> tuple[int | None, int, bool]:
    """The broker the terms name (the deal's active broker, or none), the commission rate
    and whether the broker may arbitrate; both rates together are at most 100 %."""
    broker_id = deal.active_broker_id
    commission_bp = int(data.get("commission_bp") or 0)
    may_arbitrate = bool(data.get("broker_may_arbitrate"))
    if broker_id is None:
        errors = {}
        if commission_bp:
            errors["commission_bp"] = N_("No broker mediates this deal: there is no commission.")
        if may_arbitrate:
            errors["broker_may_arbitrate"] = N_("No broker mediates this deal.")
        if errors:
            raise Invalid(errors)
    if commission_bp < 0 or commission_bp + platform_fee_bp > 10_000:
        raise Invalid(
            {
                "commission_bp": Message(
                    N_("Between 0 and %(max)s basis points."), max=10_000 - platform_fee_bp
                )
            }
        )
    return broker_id, commission_bp, may_arbitrate


@unit_of_work
def confirm_terms(
    session: Session, actor: User | None, deal_id: int, terms_hash: str, *, ip: str | None = None
) -> Deal:
    """Confirm the current version by its hash; the second party's confirmation agrees the deal."""
    deal = deals.lock_deal(session, actor, deal_id)
    role = deals.check(deal, "confirm_terms", actor)
    current = deal.current_terms
    if current is None:
        raise Conflict(N_("No terms have been proposed yet."), code="terms_not_proposed")
    if terms_hash != current.terms_hash:
        raise Conflict(
            N_(
                "These are not the current terms: version %(number)s has hash %(hash)s."
                " Read them and confirm again."
            ),
            code="terms_outdated",
            number=current.number,
            hash=current.terms_hash,
        )
    if current.broker_id != deal.active_broker_id:
        raise Conflict(
            N_("The deal's broker changed since these terms were proposed; propose them again."),
            code="terms_outdated",
        )
    if any(c.role == role for c in current.confirmations):
        return deal  # already confirmed by this side: nothing changes
    confirmation = TermsConfirmation(
        terms_id=current.id, role=role, user_id=actor.id, terms_hash=current.terms_hash
    )
    session.add(confirmation)
    current.confirmations.append(confirmation)
    detail = {"terms_version": current.number, "terms_hash": current.terms_hash}
    deals.apply(session, deal, "confirm_terms", role, actor, ip=ip, detail=detail)
    if {c.role for c in current.confirmations} >= {deals.BUYER, deals.SUPPLIER}:
        _agree(session, deal, current)
        deals.apply(session, deal, "agree", deals.SYSTEM, actor, ip=ip, detail=detail)
        _funded_if_escrow_holds_price(session, deal, current, ip)
    return deal


def _funded_if_escrow_holds_price(
    session: Session, deal: Deal, terms: DealTerms, ip: str | None
) -> None:
    """Escrow may hold the whole price before agreement (an awarded challenge's bounty,
    moved in at the award): nothing is left to pay, so the agreed deal is funded."""
    held = ledger.balance(session, escrow.escrow_account(session, deal, terms.currency))
    if held >= terms.price:
        detail = {"amount": held, "currency": terms.currency, "source": "escrow_held"}
        deals.apply(session, deal, "confirm_funding", deals.SYSTEM, None, ip=ip, detail=detail)


def _agree(session: Session, deal: Deal, terms: DealTerms) -> None:
    """Fix the contract: the confirmed version, and its milestones as rows."""
    terms.agreed_at = utcnow()
    for position, m in enumerate(terms.milestones, start=1):
        due = m.get("due_date")
        session.add(
            Milestone(
                deal_id=deal.id,
                position=position,
                title=m["title"],
                amount=m["amount"],
                due_date=date.fromisoformat(due) if due else None,
            )
        )
    session.flush()
