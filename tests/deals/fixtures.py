"""Helpers shared by the deal tests: parties, and a deal walked to a given state through
the real services. (No tests here.)"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.core import ledger
from marketplace.deals import escrow as deal_money
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.extensions import db
from marketplace.models import Deal, User

STAGES = ("inquiry", "negotiating", "agreed", "funded")


@dataclass
class Parties:
    buyer: User
    supplier: User
    operator: User
    stranger: User
    listing_id: int


def parties(make) -> Parties:
    supplier = make.user("researcher")
    listing = make.listing(supplier, status="published")
    return Parties(
        buyer=make.user("enterprise_member"),
        supplier=supplier,
        operator=make.operator(),
        stranger=make.user("enterprise_member"),
        listing_id=listing.id,
    )


def terms_data(amounts=(600_000, 400_000), currency="CNY") -> dict:
    return {
        "price": sum(amounts),
        "currency": currency,
        "transfer_mode": "license_exclusive",
        "milestones": [
            {"title": f"交付 {n}", "amount": a, "due_date": None}
            for n, a in enumerate(amounts, start=1)
        ],
    }


def user(u: User) -> User:
    return db.session.get(User, u.id)


def walk(session, p: Parties, stage: str, amounts=(600_000, 400_000), fee_bp=300) -> int:
    """Open a deal on the listing and walk it to ``stage``; returns its id (committed)."""
    deal = deal_workflow.open_deal(
        session, user(p.buyer), listing_id=p.listing_id, message="感兴趣"
    )
    session.commit()
    deal_id = deal.id
    if STAGES.index(stage) >= 1:
        deal_terms.propose_terms(
            session, user(p.supplier), deal_id, terms_data(amounts), platform_fee_bp=fee_bp
        )
        session.commit()
    if STAGES.index(stage) >= 2:
        h = session.get(Deal, deal_id).current_terms.terms_hash
        deal_terms.confirm_terms(session, user(p.buyer), deal_id, h)
        deal_terms.confirm_terms(session, user(p.supplier), deal_id, h)
        session.commit()
    if STAGES.index(stage) >= 3:
        funding = deal_money.request_funding(session, user(p.buyer), deal_id)
        deal_money.confirm_bank_transfer(
            session, user(p.operator), deal_id, reference=funding.reference, amount=sum(amounts)
        )
        session.commit()
    assert session.get(Deal, deal_id).state == stage
    return deal_id


def balances(session, deal_id: int) -> dict[str, int]:
    """Every account touched by the deal's transactions, by code."""
    from sqlalchemy import select

    from marketplace.models import JournalTransaction, LedgerAccount, LedgerEntry

    accounts = session.scalars(
        select(LedgerAccount)
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .join(JournalTransaction, LedgerEntry.transaction_id == JournalTransaction.id)
        .where(JournalTransaction.deal_id == deal_id)
        .distinct()
    )
    return {a.code: ledger.balance(session, a) for a in accounts}


def deliver(
    session, p: Parties, deal_id: int, milestone_id: int, note: str = "交付物见附件"
) -> None:
    """The supplier delivers a milestone (the buyer accepts only what was delivered)."""
    from marketplace.deals import delivery as deal_delivery

    deal_delivery.deliver_milestone(session, user(p.supplier), deal_id, milestone_id, note)
