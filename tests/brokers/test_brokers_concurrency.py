"""Simultaneous broker requests have one effect: two invited brokers accepting at once
leave one active broker; two mediation offers accepted at once leave one accepted; a
party rating twice at once is recorded once. (Real threads; on PostgreSQL with
`make test-pg`, row locks and the partial unique indexes decide.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.brokers import assignment as broker_assignment
from marketplace.brokers import offers as broker_offers
from marketplace.brokers import stats as broker_stats
from marketplace.extensions import db
from marketplace.models import BrokerAssignment, BrokerRating, MediationOffer, User
from tests.brokers.fixtures import (
    agree_with_commission,
    complete,
    deal_with_broker,
    fund,
    verified_broker,
)
from tests.deals.fixtures import parties, user, walk
from tests.deals.test_deals_concurrency import race

# Real threads, each with its own connection: they must see committed rows.
pytestmark = pytest.mark.real_commits


def test_two_brokers_accepting_at_once_leave_one_active(app, make):
    p = parties(make)
    with app.app_context():
        deal_id = walk(db.session, p, "inquiry")
        brokers = [verified_broker(db.session, make, p.operator) for _ in range(3)]
        invitations = []
        for b in brokers:
            invitations.append(
                broker_assignment.invite(db.session, user(p.buyer), deal_id, b.id).id
            )
            db.session.commit()

    def accept(broker_id, invitation_id):
        return lambda s: broker_assignment.respond(s, s.get(User, broker_id), invitation_id, True)

    outcomes = race(app, [accept(b.id, i) for b, i in zip(brokers, invitations, strict=True)])
    assert outcomes == ["conflict", "conflict", "ok"]
    with app.app_context():
        active = db.session.scalar(
            select(func.count()).where(
                BrokerAssignment.deal_id == deal_id, BrokerAssignment.status == "active"
            )
        )
        assert active == 1


def test_two_offers_accepted_at_once_leave_one(app, make):
    p = parties(make)
    with app.app_context():
        offers = []
        for _ in range(2):
            b = verified_broker(db.session, make, p.operator)
            offers.append(
                broker_offers.offer_mediation(db.session, user(b), listing_id=p.listing_id).id
            )
            db.session.commit()

    def accept(offer_id):
        return lambda s: broker_offers.decide_offer(s, s.get(User, p.supplier.id), offer_id, True)

    assert race(app, [accept(o) for o in offers]) == ["conflict", "ok"]
    with app.app_context():
        accepted = db.session.scalar(
            select(func.count()).where(MediationOffer.status == "accepted")
        )
        assert accepted == 1


def test_a_double_submitted_rating_is_recorded_once(app, make):
    p = parties(make)
    with app.app_context():
        deal_id, _ = deal_with_broker(db.session, make, p)
        agree_with_commission(db.session, p, deal_id)
        fund(db.session, p, deal_id)
        complete(db.session, p, deal_id)

    def rate(s):
        broker_stats.rate_broker(s, s.get(User, p.buyer.id), deal_id, 4, "好")

    assert race(app, [rate, rate]) == ["conflict", "ok"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BrokerRating)) == 1
