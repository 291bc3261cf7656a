"""The deal service: the transition table, opening rules, terms, funding, milestones,
disputes, cancellation, payouts and the rounding rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from marketplace.core import ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.deals import machine as deals
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.models import Deal, DealEvent, JournalTransaction, LedgerEntry, PayoutInstruction
from marketplace.models.deals import ACTOR_ROLES, DEAL_STATES
from tests.deals.fixtures import balances, deliver, parties, terms_data, user, walk


def entries(session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry))


# The table ---------------------------------------------------------------------------


def test_the_table_speaks_only_of_known_states_and_roles():
    for (state, _action, role), target in deals.TRANSITIONS.items():
        assert state in DEAL_STATES and target in DEAL_STATES and role in ACTOR_ROLES
    # Every state but the start is reachable, and only completed/cancelled are final.
    reachable = {"inquiry"} | set(deals.TRANSITIONS.values())
    assert reachable == set(DEAL_STATES)
    sources = {state for state, _, _ in deals.TRANSITIONS}
    assert set(DEAL_STATES) - sources == {"completed", "cancelled"}


def test_refused_transition_is_a_conflict_and_wrong_role_is_forbidden(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "inquiry")
    with pytest.raises(Conflict, match="Cannot accept_milestone a deal that is inquiry"):
        deals.check(ctx.get(Deal, deal_id), "accept_milestone", user(p.buyer))
    funded = walk(ctx, p, "funded")
    deal = ctx.get(Deal, funded)
    with pytest.raises(Forbidden, match="propose cancellation instead"):
        deals.check(deal, "cancel", user(p.buyer))
    with pytest.raises(Forbidden):
        deals.check(deal, "accept_milestone", user(p.supplier))
    assert deals.allowed_actions(deal, user(p.buyer)) == [
        "dispute_milestone",
        "propose_cancellation",
    ]
    assert deals.allowed_actions(deal, user(p.stranger)) == []


# Opening -----------------------------------------------------------------------------


def test_open_rules(ctx, make):
    p = parties(make)
    with pytest.raises(Forbidden, match="enterprise members"):
        deal_workflow.open_deal(ctx, user(make.user("researcher")), listing_id=p.listing_id)
    colleague = make.user("enterprise_member", organization=p.supplier.organization)
    with pytest.raises(Forbidden):
        deal_workflow.open_deal(ctx, user(colleague), listing_id=p.listing_id)
    draft = make.listing(p.supplier)
    with pytest.raises(NotFound):
        deal_workflow.open_deal(ctx, user(p.buyer), listing_id=draft.id)
    with pytest.raises(Invalid):
        deal_workflow.open_deal(ctx, user(p.buyer))
    deal = deal_workflow.open_deal(ctx, user(p.buyer), listing_id=p.listing_id, ip="10.0.0.1")
    assert (deal.buyer_org_id, deal.supplier_org_id) == (
        p.buyer.organization_id,
        p.supplier.organization_id,
    )
    event = ctx.scalars(select(DealEvent).where(DealEvent.deal_id == deal.id)).one()
    assert (event.action, event.from_state, event.to_state, event.ip, event.role) == (
        "open",
        None,
        "inquiry",
        "10.0.0.1",
        "buyer",
    )


def test_a_university_answers_a_demand(ctx, make):
    poster = make.user("enterprise_member")
    demand = make.demand(poster, status="published")
    with pytest.raises(Forbidden, match="university or institute"):
        deal_workflow.open_deal(ctx, user(make.user("enterprise_member")), demand_id=demand.id)
    researcher = make.user("researcher")
    deal = deal_workflow.open_deal(ctx, user(researcher), demand_id=demand.id)
    assert deal.buyer_org_id == poster.organization_id
    assert deal.supplier_org_id == researcher.organization_id
    assert deal.opened_by_role == "supplier"


def test_strangers_do_not_see_a_deal(ctx, make):
    p = parties(make)
    # Made before the deal: a refused service rolls back its unit of work, and in this
    # test's one shared transaction that is a savepoint opened before any later factory row.
    strangers = (p.stranger, make.user("researcher"))
    deal_id = walk(ctx, p, "inquiry")
    for who in strangers:
        with pytest.raises(NotFound):
            deals.get_deal(ctx, user(who), deal_id)
        with pytest.raises(NotFound):
            deal_terms.propose_terms(ctx, user(who), deal_id, terms_data())
    assert deals.get_deal(ctx, user(p.operator), deal_id).id == deal_id


# Terms -------------------------------------------------------------------------------


def test_milestones_must_sum_to_the_price(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "inquiry")
    bad = terms_data() | {"price": 999_999}
    with pytest.raises(Invalid) as err:
        deal_terms.propose_terms(ctx, user(p.buyer), deal_id, bad)
    assert "milestones" in err.value.fields
    assert ctx.get(Deal, deal_id).state == "inquiry"


def test_agreement_needs_both_parties_on_the_same_version(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "negotiating")
    first = ctx.get(Deal, deal_id).current_terms.terms_hash
    deal_terms.confirm_terms(ctx, user(p.buyer), deal_id, first)
    ctx.commit()
    # A counter-offer voids the buyer's confirmation of version 1.
    counter = deal_terms.propose_terms(
        ctx, user(p.supplier), deal_id, terms_data((700_000, 400_000))
    )
    ctx.commit()
    assert counter.number == 2 and counter.terms_hash != first
    with pytest.raises(Conflict, match="not the current terms"):
        deal_terms.confirm_terms(ctx, user(p.supplier), deal_id, first)
    ctx.rollback()
    deal_terms.confirm_terms(ctx, user(p.supplier), deal_id, counter.terms_hash)
    ctx.commit()
    assert ctx.get(Deal, deal_id).state == "negotiating"
    deal_terms.confirm_terms(ctx, user(p.buyer), deal_id, counter.terms_hash)
    ctx.commit()
    deal = ctx.get(Deal, deal_id)
    assert deal.state == "agreed" and deal.agreed_terms.number == 2
    assert [m.amount for m in deal.milestones] == [700_000, 400_000]
    with pytest.raises(Conflict, match="contract is fixed"):
        deal_terms.propose_terms(ctx, user(p.buyer), deal_id, terms_data())


def test_terms_hash_is_stable_and_covers_every_term(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "negotiating")
    terms = ctx.get(Deal, deal_id).current_terms
    assert deal_terms.hash_terms(terms) == terms.terms_hash
    terms.milestones = [dict(terms.milestones[0], title="changed"), terms.milestones[1]]
    assert deal_terms.hash_terms(terms) != terms.terms_hash
    ctx.rollback()


# Funding -----------------------------------------------------------------------------


def test_bank_transfer_must_match_and_is_posted_once(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "agreed")
    funding = deal_money.request_funding(ctx, user(p.buyer), deal_id)
    again = deal_money.request_funding(ctx, user(p.buyer), deal_id)
    assert again.id == funding.id and funding.reference.startswith(f"TM-{deal_id}-")
    assert "转账附言" in funding.instructions
    ctx.commit()
    with pytest.raises(Forbidden):
        deal_money.confirm_bank_transfer(
            ctx, user(p.buyer), deal_id, reference=funding.reference, amount=1_000_000
        )
    ctx.rollback()
    with pytest.raises(Invalid) as err:
        deal_money.confirm_bank_transfer(
            ctx, user(p.operator), deal_id, reference=funding.reference, amount=999_999
        )
    assert "amount" in err.value.fields
    ctx.rollback()
    with pytest.raises(Invalid):
        deal_money.confirm_bank_transfer(
            ctx, user(p.operator), deal_id, reference="TM-nope", amount=1_000_000
        )
    ctx.rollback()
    assert entries(ctx) == 0
    for _ in range(2):
        deal_money.confirm_bank_transfer(
            ctx, user(p.operator), deal_id, reference=funding.reference, amount=1_000_000
        )
        ctx.commit()
    assert ctx.get(Deal, deal_id).state == "funded"
    assert ctx.scalar(select(func.count()).select_from(JournalTransaction)) == 1
    assert balances(ctx, deal_id) == {
        f"deal:{deal_id}:funding": -1_000_000,
        f"deal:{deal_id}:escrow": 1_000_000,
    }


# Delivery, disputes, cancellation ----------------------------------------------------


def test_accepting_every_milestone_completes_the_deal(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded", amounts=(333_333, 666_667))
    deal = ctx.get(Deal, deal_id)
    first, second = deal.milestones
    deliver(ctx, p, deal_id, first.id)
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, first.id)
    ctx.commit()
    assert ctx.get(Deal, deal_id).state == "in_progress"
    with pytest.raises(Conflict, match="accepted, not delivered"):
        deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, first.id)
    ctx.rollback()
    # Not delivered yet: the buyer cannot accept it.
    with pytest.raises(Conflict, match="Milestone 2 is pending, not delivered"):
        deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, second.id)
    ctx.rollback()
    deliver(ctx, p, deal_id, second.id)
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, second.id)
    ctx.commit()
    assert ctx.get(Deal, deal_id).state == "completed"
    org = p.supplier.organization_id
    # 3 % of 333,333 is 9,999.99 → 9,999; of 666,667 → 20,000.01 → 20,000.
    assert balances(ctx, deal_id) == {
        f"deal:{deal_id}:funding": -1_000_000,
        f"deal:{deal_id}:escrow": 0,
        f"org:{org}:payable": 1_000_000 - 29_999,
        "platform:revenue": 29_999,
    }
    statement = deal_money.statement(ctx, ctx.get(Deal, deal_id))
    assert statement["released"] == 1_000_000 and statement["fees"] == 29_999
    assert statement["payouts_pending"] == 1_000_000 - 29_999
    assert ledger.check(ctx) == []


def test_dispute_resolved_by_a_split(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    first, second = ctx.get(Deal, deal_id).milestones
    with pytest.raises(Invalid, match="not valid"):
        deal_delivery.dispute_milestone(ctx, user(p.buyer), deal_id, first.id, "  ")
    ctx.rollback()
    with pytest.raises(Forbidden):
        deal_delivery.dispute_milestone(ctx, user(p.supplier), deal_id, first.id, "no")
    ctx.rollback()
    deal_delivery.dispute_milestone(ctx, user(p.buyer), deal_id, first.id, "样品不达标")
    ctx.commit()
    assert ctx.get(Deal, deal_id).state == "disputed"
    with pytest.raises(Conflict):
        deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, second.id)
    ctx.rollback()
    with pytest.raises(Forbidden):
        deal_delivery.resolve_dispute(ctx, user(p.buyer), deal_id, first.id, "refund")
    ctx.rollback()
    with pytest.raises(Invalid):
        deal_delivery.resolve_dispute(
            ctx, user(p.operator), deal_id, first.id, "split", release_amount=600_000
        )
    ctx.rollback()
    deal_delivery.resolve_dispute(
        ctx, user(p.operator), deal_id, first.id, "split", release_amount=200_000
    )
    ctx.commit()
    assert ctx.get(Deal, deal_id).state == "resolved"
    deliver(ctx, p, deal_id, second.id)
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, second.id)
    ctx.commit()
    assert ctx.get(Deal, deal_id).state == "completed"
    org = p.supplier.organization_id
    assert balances(ctx, deal_id) == {
        f"deal:{deal_id}:funding": -1_000_000,
        f"deal:{deal_id}:escrow": 0,
        f"deal:{deal_id}:refunds": 400_000,
        f"org:{org}:payable": 600_000 - 18_000,
        "platform:revenue": 18_000,
    }
    kinds = sorted(
        (x.kind, x.amount)
        for x in ctx.scalars(select(PayoutInstruction).where(PayoutInstruction.deal_id == deal_id))
    )
    assert kinds == [("refund", 400_000), ("release", 194_000), ("release", 388_000)]


def test_cancellation_before_and_after_funding(ctx, make):
    p = parties(make)
    early = walk(ctx, p, "agreed")
    deal_delivery.cancel(ctx, user(p.supplier), early)
    ctx.commit()
    assert ctx.get(Deal, early).state == "cancelled"
    with pytest.raises(Conflict):
        deal_delivery.cancel(ctx, user(p.buyer), early)
    ctx.rollback()

    late = walk(ctx, p, "funded")
    first = ctx.get(Deal, late).milestones[0]
    deliver(ctx, p, late, first.id)
    deal_delivery.accept_milestone(ctx, user(p.buyer), late, first.id)
    ctx.commit()
    with pytest.raises(Forbidden):
        deal_delivery.cancel(ctx, user(p.buyer), late, "changed our minds")
    ctx.rollback()
    deal_cancellation.propose_cancellation(ctx, user(p.buyer), late, "项目取消")
    ctx.commit()
    with pytest.raises(Conflict, match="already waiting"):
        deal_cancellation.propose_cancellation(ctx, user(p.buyer), late, "again")
    ctx.rollback()
    assert ctx.get(Deal, late).state == "in_progress"
    deal_cancellation.accept_cancellation(ctx, user(p.supplier), late)
    ctx.commit()
    deal = ctx.get(Deal, late)
    assert deal.state == "cancelled"
    assert [m.state for m in deal.milestones] == ["accepted", "cancelled"]
    b = balances(ctx, late)
    assert b[f"deal:{late}:escrow"] == 0 and b[f"deal:{late}:refunds"] == 400_000
    actions = [e.action for e in deal.events]
    assert actions[-3:] == ["propose_cancellation", "accept_cancellation", "cancel_by_agreement"]


def test_operator_arbitration_refunds_the_escrow(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    with pytest.raises(Invalid):
        deal_delivery.cancel(ctx, user(p.operator), deal_id, "")
    ctx.rollback()
    deal_delivery.cancel(ctx, user(p.operator), deal_id, "供方失联")
    ctx.commit()
    assert balances(ctx, deal_id)[f"deal:{deal_id}:refunds"] == 1_000_000
    assert ledger.check(ctx) == []


def test_payout_execution_moves_payable_out_once(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded")
    first = ctx.get(Deal, deal_id).milestones[0]
    deliver(ctx, p, deal_id, first.id)
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, first.id)
    ctx.commit()
    (payout,) = deal_money.list_payouts(ctx, user(p.operator))
    assert (payout.kind, payout.amount, payout.status) == ("release", 582_000, "pending")
    with pytest.raises(Forbidden):
        deal_money.list_payouts(ctx, user(p.supplier))
    deal_money.execute_payout(ctx, user(p.operator), payout.id, "BANK-1")
    deal_money.execute_payout(ctx, user(p.operator), payout.id, "BANK-1")
    ctx.commit()
    with pytest.raises(Conflict):
        deal_money.execute_payout(ctx, user(p.operator), payout.id, "BANK-2")
    ctx.rollback()
    b = balances(ctx, deal_id)
    assert b[f"org:{p.supplier.organization_id}:payable"] == 0
    assert b["external:payouts"] == 582_000
    assert deal_money.list_payouts(ctx, user(p.operator)) == []
    statement = deal_money.statement(ctx, ctx.get(Deal, deal_id))
    assert statement["paid_out"] == 582_000 and statement["payouts_pending"] == 0
    assert ctx.get(Deal, deal_id).events[-1].action == "payout_executed"


# Rounding ----------------------------------------------------------------------------


@given(
    amount=st.integers(min_value=1, max_value=10**15),
    fee_bp=st.integers(min_value=0, max_value=10_000),
    commission_bp=st.integers(min_value=0, max_value=10_000),
)
def test_release_split_loses_and_creates_nothing(amount, fee_bp, commission_bp):
    if fee_bp + commission_bp > 10_000:
        commission_bp = 10_000 - fee_bp
    net, fee, commission = deal_money.split_release(amount, fee_bp, commission_bp)
    assert net + fee + commission == amount
    assert min(net, fee, commission) >= 0
    # Floors: each share is within one minor unit below its exact value.
    assert 0 <= amount * fee_bp - fee * 10_000 < 10_000
    assert 0 <= amount * commission_bp - commission * 10_000 < 10_000


def test_provider_confirmation_is_a_system_event_and_posts_once(ctx, make):
    """The entry point a provider webhook (stripe) will call."""
    p = parties(make)
    deal_id = walk(ctx, p, "agreed")
    funding = deal_money.request_funding(ctx, user(p.buyer), deal_id)
    ctx.commit()
    for _ in range(2):
        deal_money.funding_succeeded(ctx, deal_id, reference=funding.reference, amount=1_000_000)
        ctx.commit()
    deal = ctx.get(Deal, deal_id)
    assert deal.state == "funded"
    assert (deal.events[-1].action, deal.events[-1].role, deal.events[-1].actor_id) == (
        "confirm_funding",
        "system",
        None,
    )
    assert ctx.scalar(select(func.count()).select_from(JournalTransaction)) == 1
