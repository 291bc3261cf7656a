"""Random sequences of actions by random actors on a deal keep the money invariants.

After every step: the ledger balances (ledger.check), escrow is never negative,
released + refunded + held == funded, and an action that was refused left no trace in
the ledger. And no refund happens without both parties deciding it (the other party
accepting a proposal still standing: neither answered, withdrawn, lapsed nor cleared by
a later release, acceptance or dispute) or an arbiter (an operator resolving a dispute
or cancelling). The test keeps its own model of the standing proposal to check this.
Each example builds fresh parties and a fresh deal (tables are only emptied after the
whole test).
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from marketplace.core import ledger
from marketplace.core.errors import DomainError
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.deals import machine as deals
from marketplace.deals import terms as deal_terms
from marketplace.extensions import db
from marketplace.models import Deal, JournalTransaction, LedgerEntry, PayoutInstruction
from marketplace.models.types import utcnow
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
    "deliver": ("supplier",),
    "accept": ("buyer",),
    "reject": ("buyer",),
    "dispute": ("buyer",),
    "resolve": ("operator",),
    "cancel": ("buyer", "supplier", "operator"),
    "propose_cancellation": ("buyer", "supplier"),
    "accept_cancellation": ("buyer", "supplier"),
    "decline_cancellation": ("buyer", "supplier"),
    "withdraw_cancellation": ("buyer", "supplier"),
    "lapse": ("operator",),  # time passes: the open proposal lapses (the sweep runs)
    "execute_payout": ("operator",),
}
# Money actions appear more often than the rest.
ACTIONS = (
    *NATURAL,
    *("deliver", "accept", "dispute", "resolve", "execute_payout") * 3,
    *("propose_cancellation", "accept_cancellation") * 2,
    "confirm",
)
step = st.tuples(
    st.sampled_from(ACTIONS),
    st.sampled_from(ACTORS),
    st.integers(min_value=0, max_value=2),  # which milestone / outcome
    st.integers(min_value=1, max_value=999_999),  # an amount
)


def act(session, p, deal_id, action, who, pick, amount) -> str:
    """Take the action; returns who took it."""
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
    elif action == "deliver":
        deal_delivery.deliver_milestone(session, actor, deal_id, milestone_id, "交付")
    elif action == "accept":
        deal_delivery.accept_milestone(session, actor, deal_id, milestone_id)
    elif action == "reject":
        deal_delivery.reject_milestone(session, actor, deal_id, milestone_id, "不合格")
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
    elif action == "propose_cancellation":
        deal_cancellation.propose_cancellation(session, actor, deal_id, "原因" if pick else "")
    elif action == "accept_cancellation":
        deal_cancellation.accept_cancellation(session, actor, deal_id)
    elif action == "decline_cancellation":
        deal_cancellation.decline_cancellation(session, actor, deal_id, "")
    elif action == "withdraw_cancellation":
        deal_cancellation.withdraw_cancellation(session, actor, deal_id)
    elif action == "lapse":
        for proposal in deal.cancellation_proposals:
            if proposal.status == "open":
                proposal.expires_at = utcnow() - timedelta(seconds=1)
        session.flush()
        deal_cancellation.lapse_expired(session)
    elif action == "execute_payout":
        pending = session.scalars(
            select(PayoutInstruction).where(
                PayoutInstruction.deal_id == deal_id, PayoutInstruction.status == "pending"
            )
        ).first()
        deal_money.execute_payout(session, actor, pending.id if pending else 10**9, f"B{amount}")
    return who


def entry_count(session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry))


def refund_count(session, deal_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(JournalTransaction)
        .where(JournalTransaction.deal_id == deal_id, JournalTransaction.kind == "refund")
    )


def released_total(session, deal_id: int) -> int:
    return sum(m.released_amount for m in session.get(Deal, deal_id).milestones)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.sampled_from(("inquiry", "negotiating", "agreed", "funded", "funded", "funded")),
    steps=st.lists(step, min_size=3, max_size=16),
)
def test_random_deal_actions_keep_the_money_invariants(app, make, start, steps):
    run(app, make, start, steps)


# Funded deals, mostly cancellation moves between releases and disputes: the exploits of
# issue 14 point 3 are among these sequences.
CANCELLATION_ACTIONS = (
    "propose_cancellation",
    "accept_cancellation",
    "decline_cancellation",
    "withdraw_cancellation",
    "lapse",
    "deliver",
    "deliver",
    "accept",
    "reject",
    "dispute",
    "resolve",
    "cancel",
)
cancellation_step = st.tuples(
    st.sampled_from(CANCELLATION_ACTIONS),
    st.sampled_from(("natural",) * 8 + ("buyer", "supplier", "operator")),
    st.integers(min_value=0, max_value=2),
    st.integers(min_value=1, max_value=999_999),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(cancellation_step, min_size=4, max_size=20))
def test_random_cancellation_moves_never_refund_without_both_parties(app, make, steps):
    run(app, make, "funded", steps)


def run(app, make, start, steps):
    p = parties(make)
    with app.app_context():
        session = db.session
        deal_id = walk(session, p, start)
        standing = None  # the model: who made the proposal that still stands, if anyone
        for action, who, pick, amount in steps:
            before = entry_count(session)
            refunds_before = refund_count(session, deal_id)
            released_before = released_total(session, deal_id)
            try:
                who = act(session, p, deal_id, action, who, pick, amount)
                session.commit()
                event(f"done: {action}")
            except DomainError as exc:
                session.rollback()
                event(f"refused: {type(exc).__name__}")
                assert entry_count(session) == before, (action, who)
                continue
            if refund_count(session, deal_id) > refunds_before:
                arbiter = who == "operator" and action in ("resolve", "cancel")
                agreed = action == "accept_cancellation" and standing not in (None, who)
                assert arbiter or agreed, (action, who, standing)
            if action == "propose_cancellation":
                standing = who
            elif action in ("accept_cancellation", "decline_cancellation", "withdraw_cancellation"):
                standing = None
            elif action in ("lapse", "dispute", "cancel") or (
                released_total(session, deal_id) > released_before
            ):
                standing = None
            deal = session.get(Deal, deal_id)
            assert (standing is None) == (deals.open_cancellation(deal) is None), (action, who)
            deal = session.get(Deal, deal_id)
            s = deal_money.statement(session, deal)
            assert s["held"] >= 0
            assert (
                s["released"] + s["refunded"] + s["voucher_returned"] + s["held"] == s["funded"]
            ), s
            assert s["funded"] in (0, deal.agreed_terms.price if deal.agreed_terms else 0)
            assert sum(m["released"] for m in s["milestones"]) == s["released"]
            assert sum(m["refunded"] for m in s["milestones"]) == s["refunded"]
            event(f"state: {deal.state}")
            if deal.state == "completed":
                assert s["held"] == 0
            assert ledger.check(session) == []
