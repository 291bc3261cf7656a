"""Helpers shared by the broker tests: a verified broker, a deal with that broker
assigned, a deal walked to completion through the real services. (No tests here.)"""

from __future__ import annotations

from marketplace.accounts import brokers
from marketplace.brokers import assignment as broker_assignment
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import terms as deal_terms
from marketplace.extensions import db
from marketplace.models import Deal, User
from tests.deals.fixtures import Parties, deliver, terms_data, user, walk

_counter = {"n": 0}


def profile_data(**overrides) -> dict:
    _counter["n"] += 1
    data = {
        "certificate_number": f"JJR-2026-{_counter['n']:05d}",
        "display_name": f"王经纪 {_counter['n']}",
        "domains": ["new_energy", "new_materials"],
        "regions": ["宁波"],
        "languages": ["zh", "en"],
        "bio": "十年技术转移经验，专注新能源材料。",
    }
    data.update(overrides)
    return data


def verified_broker(session, make, operator: User | None = None, **overrides) -> User:
    broker = make.user("broker")
    operator = operator or make.operator()
    profile = brokers.save_profile(session, user(broker), profile_data(**overrides))
    session.commit()
    brokers.review(session, user(operator), profile.id, "verify")
    session.commit()
    return broker


def deal_with_broker(session, make, p: Parties, broker: User | None = None) -> tuple[int, User]:
    """A deal in inquiry with ``broker`` (a new verified one by default) assigned."""
    broker = broker or verified_broker(session, make, p.operator)
    deal_id = walk(session, p, "inquiry")
    assignment = broker_assignment.invite(session, user(p.buyer), deal_id, broker.id, "请协助")
    session.commit()
    broker_assignment.respond(session, user(broker), assignment.id, True)
    session.commit()
    return deal_id, broker


def agree_with_commission(
    session,
    p: Parties,
    deal_id: int,
    amounts=(600_000, 400_000),
    commission_bp=500,
    may_arbitrate=False,
    fee_bp=300,
    proposer: User | None = None,
) -> None:
    data = terms_data(amounts) | {
        "commission_bp": commission_bp,
        "broker_may_arbitrate": may_arbitrate,
    }
    deal_terms.propose_terms(
        session, user(proposer or p.supplier), deal_id, data, platform_fee_bp=fee_bp
    )
    session.commit()
    h = session.get(Deal, deal_id).current_terms.terms_hash
    deal_terms.confirm_terms(session, user(p.buyer), deal_id, h)
    deal_terms.confirm_terms(session, user(p.supplier), deal_id, h)
    session.commit()


def fund(session, p: Parties, deal_id: int) -> None:
    from marketplace.deals import escrow as deal_money

    deal = session.get(Deal, deal_id)
    funding = deal_money.request_funding(session, user(p.buyer), deal_id)
    deal_money.confirm_bank_transfer(
        session,
        user(p.operator),
        deal_id,
        reference=funding.reference,
        amount=deal.agreed_terms.price,
    )
    session.commit()


def complete(session, p: Parties, deal_id: int) -> None:
    for m in list(session.get(Deal, deal_id).milestones):
        deliver(session, p, deal_id, m.id)
        deal_delivery.accept_milestone(session, user(p.buyer), deal_id, m.id)
        session.commit()
    db.session.expire_all()
    assert session.get(Deal, deal_id).state == "completed"
