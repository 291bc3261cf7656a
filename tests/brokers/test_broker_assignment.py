"""Assignment rules: invitations, offers, one active broker, release by both parties, and
what the assigned broker may do in the deal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.accounts import brokers
from marketplace.brokers import assignment as broker_assignment
from marketplace.brokers import offers as broker_offers
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import machine as deals
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.models import BrokerAssignment, Deal, DealEvent
from tests.brokers.fixtures import (
    agree_with_commission,
    deal_with_broker,
    fund,
    profile_data,
    verified_broker,
)
from tests.deals.fixtures import parties, terms_data, user, walk


def test_only_parties_invite_and_only_verified_brokers(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "inquiry")
    unverified = make.user("broker")
    brokers.save_profile(ctx, user(unverified), profile_data())
    ctx.commit()
    with pytest.raises(Conflict):
        broker_assignment.invite(ctx, user(p.buyer), deal_id, unverified.id)
    ctx.rollback()
    broker = verified_broker(ctx, make, p.operator)
    with pytest.raises(NotFound):  # strangers do not see the deal at all
        broker_assignment.invite(ctx, user(p.stranger), deal_id, broker.id)
    ctx.rollback()
    with pytest.raises(Forbidden):
        broker_assignment.invite(ctx, user(p.operator), deal_id, broker.id)
    ctx.rollback()
    invitation = broker_assignment.invite(ctx, user(p.supplier), deal_id, broker.id)
    ctx.commit()
    with pytest.raises(Conflict):  # one open invitation per broker and deal
        broker_assignment.invite(ctx, user(p.buyer), deal_id, broker.id)
    ctx.rollback()
    # Invited is not yet assigned: the broker does not see the deal.
    with pytest.raises(NotFound):
        deals.get_deal(ctx, user(broker), deal_id)
    assert [a.id for a in broker_assignment.my_invitations(ctx, user(broker))] == [invitation.id]
    other = make.user("broker")
    with pytest.raises(NotFound):
        broker_assignment.respond(ctx, user(other), invitation.id, True)
    ctx.rollback()
    broker_assignment.respond(ctx, user(broker), invitation.id, True)
    ctx.commit()
    deal = deals.get_deal(ctx, user(broker), deal_id)
    assert deals.actor_roles(deal, user(broker)) == {deals.BROKER}
    assert deal.active_broker_id == broker.id
    actions = [e.action for e in ctx.scalars(select(DealEvent).where(DealEvent.deal_id == deal_id))]
    assert actions[-2:] == ["broker_invited", "broker_assigned"]


def test_a_declined_invitation_leaves_no_broker(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "inquiry")
    broker = verified_broker(ctx, make, p.operator)
    invitation = broker_assignment.invite(ctx, user(p.buyer), deal_id, broker.id)
    ctx.commit()
    broker_assignment.respond(ctx, user(broker), invitation.id, False)
    ctx.commit()
    assert ctx.get(Deal, deal_id).active_broker_id is None
    with pytest.raises(Conflict):
        broker_assignment.respond(ctx, user(broker), invitation.id, True)


def test_at_most_one_active_broker_and_replacement_needs_both_parties(ctx, make):
    p = parties(make)
    deal_id, first = deal_with_broker(ctx, make, p)
    second = verified_broker(ctx, make, p.operator)
    with pytest.raises(Conflict, match="both parties"):
        broker_assignment.invite(ctx, user(p.buyer), deal_id, second.id)
    ctx.rollback()
    broker_assignment.consent_release(ctx, user(p.buyer), deal_id)
    ctx.commit()
    assert ctx.get(Deal, deal_id).active_broker_id == first.id  # one consent is not enough
    with pytest.raises(Conflict):
        broker_assignment.invite(ctx, user(p.buyer), deal_id, second.id)
    ctx.rollback()
    broker_assignment.consent_release(ctx, user(p.supplier), deal_id)
    ctx.commit()
    ctx.expire_all()
    assert ctx.get(Deal, deal_id).active_broker_id is None
    with pytest.raises(NotFound):
        deals.get_deal(ctx, user(first), deal_id)
    invitation = broker_assignment.invite(ctx, user(p.buyer), deal_id, second.id)
    ctx.commit()
    broker_assignment.respond(ctx, user(second), invitation.id, True)
    ctx.commit()
    ctx.expire_all()
    assert ctx.get(Deal, deal_id).active_broker_id == second.id


def test_the_database_refuses_a_second_active_broker(ctx, make):
    from sqlalchemy.exc import IntegrityError

    p = parties(make)
    deal_id, first = deal_with_broker(ctx, make, p)
    second = verified_broker(ctx, make, p.operator)
    ctx.add(BrokerAssignment(deal_id=deal_id, broker_id=second.id, status="active"))
    with pytest.raises(IntegrityError):
        ctx.flush()
    ctx.rollback()


def test_two_invitations_accepted_one_after_the_other_leave_one_broker(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "inquiry")
    a = verified_broker(ctx, make, p.operator)
    b = verified_broker(ctx, make, p.operator)
    inv_a = broker_assignment.invite(ctx, user(p.buyer), deal_id, a.id)
    inv_b = broker_assignment.invite(ctx, user(p.supplier), deal_id, b.id)
    ctx.commit()
    broker_assignment.respond(ctx, user(a), inv_a.id, True)
    ctx.commit()
    with pytest.raises(Conflict):  # b's invitation lapsed when a accepted
        broker_assignment.respond(ctx, user(b), inv_b.id, True)
    ctx.rollback()
    assert ctx.get(BrokerAssignment, inv_b.id).status == "withdrawn"


def test_brokers_join_only_before_the_contract(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "agreed")
    broker = verified_broker(ctx, make, p.operator)
    with pytest.raises(Conflict, match="before its contract"):
        broker_assignment.invite(ctx, user(p.buyer), deal_id, broker.id)


def test_a_broker_of_a_party_cannot_mediate(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "inquiry")
    colleague = make.user("broker", organization=user(p.supplier).organization)
    brokers.save_profile(ctx, user(colleague), profile_data())
    ctx.commit()
    profile = brokers.profile_of(ctx, colleague.id)
    brokers.review(ctx, user(p.operator), profile.id, "verify")
    ctx.commit()
    with pytest.raises(Conflict, match="own organization"):
        broker_assignment.invite(ctx, user(p.buyer), deal_id, colleague.id)


def test_broker_sees_thread_posts_and_proposes_terms_but_does_not_confirm(ctx, make):
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    message = deal_workflow.post_message(ctx, user(broker), deal_id, "我来协调双方的技术评估")
    ctx.commit()
    assert message.role == "broker"
    assert [m.body for m in deal_workflow.list_messages(ctx, user(p.buyer), deal_id)][
        -1
    ].startswith("我来")
    data = terms_data() | {"commission_bp": 500}
    terms = deal_terms.propose_terms(ctx, user(broker), deal_id, data)
    ctx.commit()
    assert terms.proposed_by_role == "broker" and terms.broker_id == broker.id
    with pytest.raises(Forbidden):
        deal_terms.confirm_terms(ctx, user(broker), deal_id, terms.terms_hash)
    ctx.rollback()
    # The broker's deals list shows it.
    assert [d.id for d in deal_workflow.list_deals(ctx, user(broker)).items] == [deal_id]
    assert [d.id for d in deal_workflow.list_deals(ctx, user(broker), role="broker").items] == [
        deal_id
    ]


def test_commission_needs_a_broker_and_fits_beside_the_fee(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "inquiry")
    with pytest.raises(Invalid) as exc:
        deal_terms.propose_terms(ctx, user(p.buyer), deal_id, terms_data() | {"commission_bp": 100})
    assert "commission_bp" in exc.value.fields
    ctx.rollback()
    deal_id, _ = deal_with_broker(ctx, make, p)
    with pytest.raises(Invalid):
        deal_terms.propose_terms(
            ctx, user(p.buyer), deal_id, terms_data() | {"commission_bp": 9_800}
        )
    ctx.rollback()


def test_terms_naming_a_released_broker_cannot_be_confirmed(ctx, make):
    p = parties(make)
    deal_id, _ = deal_with_broker(ctx, make, p)
    terms = deal_terms.propose_terms(
        ctx, user(p.supplier), deal_id, terms_data() | {"commission_bp": 300}
    )
    ctx.commit()
    broker_assignment.consent_release(ctx, user(p.buyer), deal_id)
    broker_assignment.consent_release(ctx, user(p.supplier), deal_id)
    ctx.commit()
    with pytest.raises(Conflict, match="broker changed"):
        deal_terms.confirm_terms(ctx, user(p.buyer), deal_id, terms.terms_hash)


def test_the_arbitration_flag_is_part_of_the_terms_hash(ctx, make):
    p = parties(make)
    deal_id, _ = deal_with_broker(ctx, make, p)
    terms = deal_terms.propose_terms(ctx, user(p.supplier), deal_id, terms_data())
    ctx.commit()
    before = deal_terms.hash_terms(terms)
    terms.broker_may_arbitrate = True
    assert deal_terms.hash_terms(terms) != before
    ctx.rollback()


@pytest.mark.parametrize("may_arbitrate", [False, True])
def test_broker_arbitrates_only_if_the_contract_says_so(ctx, make, may_arbitrate):
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    agree_with_commission(ctx, p, deal_id, may_arbitrate=may_arbitrate)
    fund(ctx, p, deal_id)
    milestone = ctx.get(Deal, deal_id).milestones[0]
    deal_delivery.dispute_milestone(ctx, user(p.buyer), deal_id, milestone.id, "交付不完整")
    ctx.commit()
    deal = deals.get_deal(ctx, user(broker), deal_id)
    assert ("resolve_dispute" in deals.allowed_actions(deal, user(broker))) is may_arbitrate
    if not may_arbitrate:
        with pytest.raises(Forbidden):
            deal_delivery.resolve_dispute(ctx, user(broker), deal_id, milestone.id, "release")
        ctx.rollback()
        return
    deal_delivery.resolve_dispute(
        ctx, user(broker), deal_id, milestone.id, "split", release_amount=300_000, note="各担一半"
    )
    ctx.commit()
    ctx.expire_all()
    m = ctx.get(Deal, deal_id).milestones[0]
    assert (m.state, m.released_amount, m.refunded_amount) == ("resolved", 300_000, 300_000)
    assert m.commission_amount == 300_000 * 500 // 10_000


def test_mediation_offer_accepted_by_the_owner_puts_the_broker_on_new_deals(ctx, make):
    p = parties(make)
    broker = verified_broker(ctx, make, p.operator)
    offer = broker_offers.offer_mediation(
        ctx, user(broker), listing_id=p.listing_id, message="我熟悉钠电池行业"
    )
    ctx.commit()
    with pytest.raises(Conflict):  # one pending offer per broker and item
        broker_offers.offer_mediation(ctx, user(broker), listing_id=p.listing_id)
    ctx.rollback()
    # Only the owner decides: the broker who offered and operators are told so; anyone
    # else is not even told that the offer exists.
    for refused, error in ((broker, Forbidden), (p.operator, Forbidden), (p.buyer, NotFound)):
        with pytest.raises(error):
            broker_offers.decide_offer(ctx, user(refused), offer.id, True)
        ctx.rollback()
    assert [o.id for o in broker_offers.offers_for_owner(ctx, user(p.supplier))] == [offer.id]
    broker_offers.decide_offer(ctx, user(p.supplier), offer.id, True)
    ctx.commit()
    other = verified_broker(ctx, make, p.operator)
    with pytest.raises(Conflict):
        broker_offers.offer_mediation(ctx, user(other), listing_id=p.listing_id)
    ctx.rollback()
    deal_id = walk(ctx, p, "inquiry")
    deal = deals.get_deal(ctx, user(broker), deal_id)
    assert deal.active_broker_id == broker.id
    assert deal.broker_assignments[0].source == "offer"


def test_an_accepted_offer_of_someone_no_longer_a_broker_assigns_nobody(ctx, make):
    p = parties(make)
    broker = verified_broker(ctx, make, p.operator)
    offer = broker_offers.offer_mediation(ctx, user(broker), listing_id=p.listing_id)
    ctx.commit()
    broker_offers.decide_offer(ctx, user(p.supplier), offer.id, True)
    ctx.commit()
    who = user(broker)
    who.role_rows = [r for r in who.role_rows if r.role != "broker"]  # the role is taken away
    ctx.commit()
    deal_id = walk(ctx, p, "inquiry")
    assert ctx.get(Deal, deal_id).active_broker_id is None


def test_declined_offer_keeps_the_reason_and_assigns_nobody(ctx, make):
    p = parties(make)
    broker = verified_broker(ctx, make, p.operator)
    offer = broker_offers.offer_mediation(ctx, user(broker), listing_id=p.listing_id)
    ctx.commit()
    broker_offers.decide_offer(ctx, user(p.supplier), offer.id, False, "暂不需要")
    ctx.commit()
    assert (offer.status, offer.decision_reason) == ("declined", "暂不需要")
    deal_id = walk(ctx, p, "inquiry")
    assert ctx.get(Deal, deal_id).active_broker_id is None


def test_unverified_brokers_cannot_offer(ctx, make):
    p = parties(make)
    broker = make.user("broker")
    with pytest.raises(NotFound):
        broker_offers.offer_mediation(ctx, user(broker), listing_id=p.listing_id)
