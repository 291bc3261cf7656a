"""Random sequences of actions by random actors on a deal keep the money invariants.

After every step: the ledger balances (ledger.check), escrow is never negative,
released + refunded + held == funded, and an action that was refused left no trace in
the ledger. Each example builds fresh parties and a fresh deal (tables are only emptied
after the whole test).
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from marketplace.core import ledger
from marketplace.core.errors import DomainError
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.deals import terms as deal_terms
from marketplace.extensions import db
from marketplace.models import Deal, LedgerEntry, PayoutInstruction
from tests.deals.fixtures import parties, terms_data, user, walk

# "natural" is whoever would normally take the action; the others test refusals.
ACTORS = ("natural",) * 6 + ("buyer", "supplier", "operator", "stranger")
NATURAL = {
    "propose": ("buyer", "supplier"),
    "confirm": ("buyer", "supplier"),
    "confirm_stale": ("buyer", "supplier"),
    "request_funding": ("buyer",),
    "confirm_funding": ("operator",),
    "confirm_funding_wrong": ("operator",),
    "accept": ("buyer",),
    "dispute": ("buyer",),
    "resolve": ("operator",),
    "cancel": ("buyer", "supplier", "operator"),
    "request_cancellation": ("buyer", "supplier"),
    "execute_payout": ("operator",),
}
# Money actions appear more often than the rest.
ACTIONS = (*NATURAL, *("accept", "dispute", "resolve", "execute_payout") * 3, "confirm")
step = st.tuples(
    st.sampled_from(ACTIONS),
    st.sampled_from(ACTORS),
    st.integers(min_value=0, max_value=2),  # which milestone / outcome
    st.integers(min_value=1, max_value=999_999),  # an amount
)


def act(session, p, deal_id, action, who, pick, amount):
    if who == "natural":
        natural = NATURAL[action]
        who = natural[pick % len(natural)]
    actor = user(getattr(p, who))
    deal = session.get(Deal, deal_id)
    milestones = deal.milestones
    milestone_id = milestones[pick % len(milestones)].id if milestones else 10**9
    current = deal.current_terms
    if action == "propose":
        split = amount % 900_000 + 1
        deal_terms.propose_terms(session, actor, deal_id, terms_data((split, 1_000_000 - split)))
    elif action == "confirm":
        deal_terms.confirm_terms(
            session, actor, deal_id, current.terms_hash if current else "0" * 64
        )
    elif action == "confirm_stale":
        stale = deal.terms_versions[0].terms_hash if deal.terms_versions else "1" * 64
        deal_terms.confirm_terms(session, actor, deal_id, stale)
    elif action == "request_funding":
        deal_money.request_funding(session, actor, deal_id)
    elif action in ("confirm_funding", "confirm_funding_wrong"):
        fundings = deal_money.fundings(session, deal)
        reference = fundings[-1].reference if fundings else "TM-none"
        price = current.price if current else amount
        paid = price if action == "confirm_funding" else price + amount
        deal_money.confirm_bank_transfer(session, actor, deal_id, reference=reference, amount=paid)
    elif action == "accept":
        deal_delivery.accept_milestone(session, actor, deal_id, milestone_id)
    elif action == "dispute":
        deal_delivery.dispute_milestone(
            session, actor, deal_id, milestone_id, "不合格" if pick else ""
        )
    elif action == "resolve":
        outcome = ("release", "refund", "split")[pick]
        target = next((m for m in milestones if m.state == "disputed"), None)
        deal_delivery.resolve_dispute(
            session,
            actor,
            deal_id,
            target.id if target else milestone_id,
            outcome,
            release_amount=amount % (target.amount if target else 2) or 1,
        )
    elif action == "cancel":
        deal_delivery.cancel(session, actor, deal_id, "原因" if pick else "")
    elif action == "request_cancellation":
        deal_delivery.request_cancellation(session, actor, deal_id, "")
    elif action == "execute_payout":
        pending = session.scalars(
            select(PayoutInstruction).where(
                PayoutInstruction.deal_id == deal_id, PayoutInstruction.status == "pending"
            )
        ).first()
        deal_money.execute_payout(session, actor, pending.id if pending else 10**9, f"B{amount}")


def entry_count(session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.sampled_from(("inquiry", "negotiating", "agreed", "funded", "funded", "funded")),
    steps=st.lists(step, min_size=3, max_size=16),
)
def test_random_deal_actions_keep_the_money_invariants(app, make, start, steps):
    p = parties(make)
    with app.app_context():
        session = db.session
        deal_id = walk(session, p, start)
        for action, who, pick, amount in steps:
            before = entry_count(session)
            try:
                act(session, p, deal_id, action, who, pick, amount)
                session.commit()
                event(f"done: {action}")
            except DomainError as exc:
                session.rollback()
                event(f"refused: {type(exc).__name__}")
                assert entry_count(session) == before, (action, who)
            deal = session.get(Deal, deal_id)
            s = deal_money.statement(session, deal)
            assert s["held"] >= 0
            assert s["released"] + s["refunded"] + s["held"] == s["funded"], s
            assert s["funded"] in (0, deal.agreed_terms.price if deal.agreed_terms else 0)
            assert sum(m["released"] for m in s["milestones"]) == s["released"]
            assert sum(m["refunded"] for m in s["milestones"]) == s["refunded"]
            event(f"state: {deal.state}")
            if deal.state == "completed":
                assert s["held"] == 0
            assert ledger.check(session) == []
