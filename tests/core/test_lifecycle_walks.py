"""Every lifecycle's table walked through the services that apply it.

For each (state, action, role) row: a row brought to ``state`` by the real services, then
the service that takes ``action`` as ``role``, lands in the table's next state, and that
is the state this file expects of the action (written here again, so that changing a
table is a change these tests see). A sample of what the tables do not hold is refused
with the lifecycle's Conflict and changes nothing. The rows are read from the tables, so
a new row without a way to reach it through a service fails here. (Publication's user
actions are walked for every state, action and kind of actor in test_publication.py; its
edits and imports are here.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.brokers import assignment as broker_assignment
from marketplace.brokers import offers as broker_offers
from marketplace.brokers.assignment import INVITATION
from marketplace.brokers.offers import OFFER
from marketplace.catalog import demands, listings
from marketplace.catalog.publication import OWNER, PUBLICATION, SYSTEM
from marketplace.core.errors import Conflict
from marketplace.deals import acceptance as deal_acceptance
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.deals.machine import BROKER, BUYER, DEAL, MILESTONE, OPERATOR, SUPPLIER
from marketplace.models import (
    BrokerAssignment,
    Deal,
    DealEvent,
    Demand,
    Listing,
    MediationOffer,
    User,
)
from marketplace.models.types import utcnow
from marketplace.models.vocab import PUBLICATION_STATUSES
from tests.brokers.fixtures import deal_with_broker, verified_broker
from tests.catalog.test_imports import patent_line, run, write_jsonl
from tests.deals.fixtures import Parties, parties, terms_data, user, walk


def row_id(row: tuple[str, str, str]) -> str:
    return "-".join(row)


# Publication: edits and imports ---------------------------------------------------------

EDITS = {"listing": (Listing, listings.update_listing), "demand": (Demand, demands.update_demand)}
# What an owner's edit does to each status (None: refused).
EDITED = {
    "draft": "draft",
    "pending_review": "pending_review",
    "rejected": "rejected",
    "published": "pending_review",  # what the operator approved is no longer what is shown
    "closed": None,
    "withdrawn": None,
}
# What an import with --publish does to an existing record in each status.
IMPORTED_PUBLISHED = {
    "draft": "published",
    "pending_review": "published",
    "rejected": "published",
    "published": "published",
    "closed": "closed",
    "withdrawn": "withdrawn",
}


@pytest.mark.parametrize("kind", sorted(EDITS))
@pytest.mark.parametrize("status", PUBLICATION_STATUSES)
def test_an_owners_edit_follows_the_table(ctx, make, kind, status):
    owner = make.user("enterprise_member" if kind == "demand" else "researcher")
    item = getattr(make, kind)(owner, status=status)
    model, update = EDITS[kind]
    target = PUBLICATION.table.get((status, "edit", OWNER))
    assert target == EDITED[status]
    if target is None:
        with pytest.raises(Conflict, match=f"A {status} {kind} can no longer be edited."):
            update(ctx, user(owner), item.id, {"title": "改过的标题：一种新的方法"})
        ctx.rollback()
    else:
        update(ctx, user(owner), item.id, {"title": "改过的标题：一种新的方法"})
        ctx.commit()
    ctx.expire_all()
    assert ctx.get(model, item.id).status == (target or status)


def _imported(ctx, make, status: str, source: str) -> tuple[User, int]:
    """A listing in ``status`` that an import of patent_line(1) from ``source`` updates."""
    owner = make.user("researcher")
    item = make.listing(owner, status=status)
    row = ctx.get(Listing, item.id)
    row.source, row.external_id = source, "T0001"
    ctx.commit()
    return owner, item.id


@pytest.mark.parametrize("status", PUBLICATION_STATUSES)
def test_an_import_with_publish_follows_the_table(ctx, make, tmp_path, status):
    _, item_id = _imported(ctx, make, status, "import")
    report = run(ctx, "listings", write_jsonl(tmp_path / "p.jsonl", [patent_line(1)]), publish=True)
    assert (report.updated, report.failed) == (1, 0)
    ctx.expire_all()
    target = PUBLICATION.table.get((status, "import_publish", SYSTEM), status)
    assert ctx.get(Listing, item_id).status == target == IMPORTED_PUBLISHED[status]


@pytest.mark.parametrize("status", PUBLICATION_STATUSES)
def test_a_members_import_edits_as_the_table_says(ctx, make, tmp_path, status):
    owner, item_id = _imported(ctx, make, status, "upload")
    path = write_jsonl(tmp_path / "m.jsonl", [patent_line(1)])
    report = run(ctx, "listings", path, actor=user(owner), source="upload")
    target = PUBLICATION.table.get((status, "edit", OWNER))
    assert target == EDITED[status]
    if target is None:
        assert [e.message for e in report.errors] == [
            f"status: A {status} record can no longer be changed."
        ]
    else:
        assert (report.updated, report.failed) == (1, 0)
    ctx.expire_all()
    assert ctx.get(Listing, item_id).status == (target or status)


@pytest.mark.parametrize("publish", [False, True])
def test_a_new_imported_record_is_born_draft_and_imported(ctx, tmp_path, publish):
    run(ctx, "listings", write_jsonl(tmp_path / "n.jsonl", [patent_line(1)]), publish=publish)
    action = "import_publish" if publish else "import"
    assert PUBLICATION.initial == ("draft",)
    status = ctx.scalar(select(Listing.status))
    assert status == PUBLICATION.table[("draft", action, SYSTEM)]
    assert status == ("published" if publish else "pending_review")


# Deals ----------------------------------------------------------------------------------

AMOUNTS = (300_000, 300_000, 400_000)  # three milestones: one can settle, two stay unsettled


@dataclass
class World:
    p: Parties
    deal_id: int
    broker: User | None

    def actor(self, role: str) -> User:
        people = {BUYER: self.p.buyer, SUPPLIER: self.p.supplier, OPERATOR: self.p.operator}
        return user(self.broker if role == BROKER else people[role])

    def deal(self, ctx) -> Deal:
        ctx.expire_all()
        return ctx.get(Deal, self.deal_id)

    def terms(self) -> dict:
        data = terms_data(AMOUNTS)
        if self.broker is not None:
            data |= {"commission_bp": 500, "broker_may_arbitrate": True}
        return data

    def milestone(self, ctx, state: str):
        return next(m for m in self.deal(ctx).milestones if m.state == state)


def _propose(ctx, w: World, role: str = SUPPLIER) -> None:
    deal_terms.propose_terms(ctx, w.actor(role), w.deal_id, w.terms())


def _confirm(ctx, w: World, role: str) -> None:
    current = w.deal(ctx).current_terms
    terms_hash = current.terms_hash if current is not None else "0" * 64
    deal_terms.confirm_terms(ctx, w.actor(role), w.deal_id, terms_hash)


# Drivers that take several requests commit between them, as the pages and the API do.


def _agree(ctx, w: World) -> None:
    _confirm(ctx, w, BUYER)
    ctx.commit()
    _confirm(ctx, w, SUPPLIER)


def _fund(ctx, w: World, by_provider: bool = False) -> None:
    funding = deal_money.request_funding(ctx, w.actor(BUYER), w.deal_id)
    ctx.commit()
    price = sum(AMOUNTS)
    if by_provider:
        deal_money.funding_succeeded(ctx, w.deal_id, reference=funding.reference, amount=price)
    else:
        deal_money.confirm_bank_transfer(
            ctx, w.actor(OPERATOR), w.deal_id, reference=funding.reference, amount=price
        )


def _deliver(ctx, w: World) -> None:
    m = w.milestone(ctx, "pending")
    deal_delivery.deliver_milestone(ctx, w.actor(SUPPLIER), w.deal_id, m.id, "交付说明")


def _delivered(ctx, w: World):
    """The first delivered milestone; one is delivered first if none is and the deal
    allows it (else the first milestone, for the deal to refuse the action)."""
    deal = w.deal(ctx)
    if not any(m.state == "delivered" for m in deal.milestones):
        if deal.state not in ("funded", "in_progress", "resolved"):
            return deal.milestones[0]
        _deliver(ctx, w)
        ctx.commit()
    return w.milestone(ctx, "delivered")


def _accept(ctx, w: World) -> None:
    m = _delivered(ctx, w)
    deal_delivery.accept_milestone(ctx, w.actor(BUYER), w.deal_id, m.id)


def _auto_accept(ctx, w: World) -> None:
    """The acceptance period of a delivered milestone passed: the sweep accepts it."""
    m = _delivered(ctx, w)
    m.acceptance_due_at = utcnow() - timedelta(minutes=1)
    ctx.commit()
    assert deal_acceptance.sweep(ctx).accepted == 1


def _reject(ctx, w: World) -> None:
    m = _delivered(ctx, w)
    deal_delivery.reject_milestone(ctx, w.actor(BUYER), w.deal_id, m.id, "缺少测试报告")


def _dispute(ctx, w: World, state: str = "pending") -> None:
    m = w.milestone(ctx, state)
    deal_delivery.dispute_milestone(ctx, w.actor(BUYER), w.deal_id, m.id, "交付不完整")


def _resolve(ctx, w: World, role: str = OPERATOR) -> None:
    m = w.milestone(ctx, "disputed")
    deal_delivery.resolve_dispute(ctx, w.actor(role), w.deal_id, m.id, "release")


def _settle(ctx, w: World) -> None:
    """Settle every unsettled milestone: accepted while under way, disputed and resolved
    in a resolved deal (so that the deal completes from the state it is in)."""
    resolved = w.deal(ctx).state == "resolved"
    while any(m.state in ("pending", "delivered") for m in w.deal(ctx).milestones):
        if resolved:
            pending = any(m.state == "pending" for m in w.deal(ctx).milestones)
            _dispute(ctx, w, "pending" if pending else "delivered")
            ctx.commit()
            _resolve(ctx, w)
        else:
            _accept(ctx, w)
        ctx.commit()


def _cancel(ctx, w: World, role: str) -> None:
    deal_delivery.cancel(ctx, w.actor(role), w.deal_id, "双方协商终止")


OTHER = {BUYER: SUPPLIER, SUPPLIER: BUYER}


def _propose_cancellation(ctx, w: World, role: str) -> None:
    deal_cancellation.propose_cancellation(ctx, w.actor(role), w.deal_id, "双方协商终止")


def _answer_cancellation(answer: str, role: str):
    """``role`` answers (accept, decline) the other party's proposal, or withdraws its own."""

    def drive(ctx, w: World) -> None:
        _propose_cancellation(ctx, w, role if answer == "withdraw" else OTHER[role])
        ctx.commit()
        service = getattr(deal_cancellation, f"{answer}_cancellation")
        service(ctx, w.actor(role), w.deal_id)

    return drive


# How to take each (action, role) of the deal's table through the services.
DEAL_DRIVERS = {
    ("propose_terms", BUYER): lambda ctx, w: _propose(ctx, w, BUYER),
    ("propose_terms", SUPPLIER): lambda ctx, w: _propose(ctx, w, SUPPLIER),
    ("propose_terms", BROKER): lambda ctx, w: _propose(ctx, w, BROKER),
    ("confirm_terms", BUYER): lambda ctx, w: _confirm(ctx, w, BUYER),
    ("confirm_terms", SUPPLIER): lambda ctx, w: _confirm(ctx, w, SUPPLIER),
    ("agree", "system"): _agree,
    ("request_funding", BUYER): lambda ctx, w: deal_money.request_funding(
        ctx, w.actor(BUYER), w.deal_id
    ),
    ("confirm_funding", OPERATOR): _fund,
    ("confirm_funding", "system"): lambda ctx, w: _fund(ctx, w, by_provider=True),
    ("start_work", SUPPLIER): lambda ctx, w: deal_workflow.start_work(
        ctx, w.actor(SUPPLIER), w.deal_id
    ),
    ("deliver_milestone", SUPPLIER): _deliver,
    ("accept_milestone", BUYER): _accept,
    ("accept_milestone", "system"): _auto_accept,
    ("reject_milestone", BUYER): _reject,
    ("dispute_milestone", BUYER): _dispute,
    ("dispute_delivered", BUYER): lambda ctx, w: _dispute(ctx, w, "delivered"),
    ("resolve_dispute", OPERATOR): lambda ctx, w: _resolve(ctx, w, OPERATOR),
    ("resolve_dispute", BROKER): lambda ctx, w: _resolve(ctx, w, BROKER),
    ("complete", "system"): _settle,
    ("cancel", BUYER): lambda ctx, w: _cancel(ctx, w, BUYER),
    ("cancel", SUPPLIER): lambda ctx, w: _cancel(ctx, w, SUPPLIER),
    ("cancel", OPERATOR): lambda ctx, w: _cancel(ctx, w, OPERATOR),
    # The platform: a buyer that did not fund in time (an auction's, auctions/settlement.py).
    ("cancel", "system"): lambda ctx, w: deal_delivery.cancel_unfunded(
        ctx, w.deal(ctx), {"reason": "auction_funding_overdue"}
    ),
    **{
        ("propose_cancellation", role): (lambda r: lambda ctx, w: _propose_cancellation(ctx, w, r))(
            role
        )
        for role in (BUYER, SUPPLIER)
    },
    **{
        (f"{answer}_cancellation", role): _answer_cancellation(answer, role)
        for answer in ("accept", "decline", "withdraw")
        for role in (BUYER, SUPPLIER)
    },
    ("cancel_by_agreement", "system"): _answer_cancellation("accept", SUPPLIER),
}
# The services that bring a deal to each state from an inquiry.
DEAL_PATHS = {
    "inquiry": (),
    "negotiating": (_propose,),
    "agreed": (_propose, _agree),
    "funded": (_propose, _agree, _fund),
    "in_progress": (_propose, _agree, _fund, DEAL_DRIVERS[("start_work", SUPPLIER)]),
    "disputed": (_propose, _agree, _fund, _dispute),
    # One milestone delivered before another was disputed: it waits in the resolved deal.
    "resolved": (_propose, _agree, _fund, _deliver, _dispute, _resolve),
    # Under way with a delivered milestone waiting for the buyer.
    "in_progress+delivered": (_propose, _agree, _fund, _deliver),
    "completed": (_propose, _agree, _fund, _settle),
    "cancelled": (DEAL_DRIVERS[("cancel", BUYER)],),
}


def reach(ctx, make, state: str, with_broker: bool = False) -> World:
    p = parties(make)
    if with_broker:
        deal_id, broker = deal_with_broker(ctx, make, p)
    else:
        deal_id, broker = walk(ctx, p, "inquiry"), None
    w = World(p, deal_id, broker)
    for step in DEAL_PATHS[state]:
        step(ctx, w)
        ctx.commit()
    assert w.deal(ctx).state == state.split("+")[0]
    return w


def _events(ctx, deal_id: int, after: int) -> list[tuple[str, str, str, str]]:
    rows = ctx.scalars(
        select(DealEvent)
        .where(DealEvent.deal_id == deal_id, DealEvent.id > after)
        .order_by(DealEvent.id)
    )
    return [(e.action, e.role, e.from_state, e.to_state) for e in rows]


def _last_event_id(ctx, deal_id: int) -> int:
    return ctx.scalar(select(func.max(DealEvent.id)).where(DealEvent.deal_id == deal_id)) or 0


# Where each action leaves a deal (None: where it was).
DEAL_LANDS_IN = {
    "propose_terms": "negotiating",
    "confirm_terms": "negotiating",
    "agree": "agreed",
    "request_funding": "agreed",
    "confirm_funding": "funded",
    "start_work": "in_progress",
    "deliver_milestone": "in_progress",
    "accept_milestone": "in_progress",
    "reject_milestone": "in_progress",
    "dispute_milestone": "disputed",
    "resolve_dispute": "resolved",
    "complete": "completed",
    "cancel": "cancelled",
    "propose_cancellation": None,
    "accept_cancellation": None,
    "decline_cancellation": None,
    "withdraw_cancellation": None,
    "cancel_by_agreement": "cancelled",
}


@pytest.mark.parametrize("row", list(DEAL.table), ids=row_id)
def test_every_deal_transition_applies_through_its_service(ctx, make, row):
    state, action, role = row
    w = reach(ctx, make, state, with_broker=role == BROKER)
    before, version = _last_event_id(ctx, w.deal_id), w.deal(ctx).version
    DEAL_DRIVERS[(action, role)](ctx, w)
    ctx.commit()
    events = _events(ctx, w.deal_id, before)
    # The row's transition is on the timeline; the deal is where the last event left it.
    assert DEAL.table[row] == (DEAL_LANDS_IN[action] or state)
    assert (action, role, state, DEAL.table[row]) in events
    deal = w.deal(ctx)
    assert deal.state == events[-1][3]
    assert deal.version > version


# Not in the table: (state, action) → who tries it. Each is refused and changes nothing.
DEAL_REFUSALS = {
    ("inquiry", "confirm_terms"): BUYER,
    ("inquiry", "request_funding"): BUYER,
    ("negotiating", "start_work"): SUPPLIER,
    ("negotiating", "propose_cancellation"): BUYER,
    # During a dispute its resolution decides: no cancellation by the parties.
    ("disputed", "propose_cancellation"): BUYER,
    ("agreed", "propose_terms"): SUPPLIER,
    ("agreed", "start_work"): SUPPLIER,
    ("funded", "propose_terms"): BUYER,
    ("in_progress", "start_work"): SUPPLIER,
    ("disputed", "accept_milestone"): BUYER,
    ("resolved", "start_work"): SUPPLIER,
    ("completed", "cancel"): BUYER,
    ("completed", "propose_cancellation"): SUPPLIER,
    ("cancelled", "propose_terms"): SUPPLIER,
    ("cancelled", "cancel"): OPERATOR,
}


@pytest.mark.parametrize("pair", sorted(DEAL_REFUSALS), ids="-".join)
def test_a_deal_refuses_what_its_table_does_not_hold(ctx, make, pair):
    state, action = pair
    role = DEAL_REFUSALS[pair]
    assert not DEAL.roles_for(action, state)
    w = reach(ctx, make, state)
    before = _last_event_id(ctx, w.deal_id)
    with pytest.raises(Conflict, match=f"^Cannot {action} a deal that is {state}"):
        DEAL_DRIVERS[(action, role)](ctx, w)
    ctx.rollback()
    assert w.deal(ctx).state == state
    assert _events(ctx, w.deal_id, before) == []


# Milestones ----------------------------------------------------------------------------

# (state, action, role) of the milestone's table → the deal state it is taken in and the
# deal action that takes it; the first milestone in ``state`` is the one that moves.
MILESTONE_DRIVERS = {
    ("pending", "deliver", SUPPLIER): ("funded", ("deliver_milestone", SUPPLIER)),
    ("delivered", "accept", BUYER): ("in_progress+delivered", ("accept_milestone", BUYER)),
    ("delivered", "accept", "system"): ("in_progress+delivered", ("accept_milestone", "system")),
    ("delivered", "reject", BUYER): ("in_progress+delivered", ("reject_milestone", BUYER)),
    ("pending", "dispute", BUYER): ("funded", ("dispute_milestone", BUYER)),
    ("delivered", "dispute", BUYER): ("in_progress+delivered", ("dispute_delivered", BUYER)),
    ("disputed", "resolve", OPERATOR): ("disputed", ("resolve_dispute", OPERATOR)),
    ("disputed", "resolve", BROKER): ("disputed", ("resolve_dispute", BROKER)),
    ("pending", "cancel", "system"): ("funded", ("cancel", OPERATOR)),
    ("delivered", "cancel", "system"): ("in_progress+delivered", ("cancel", OPERATOR)),
    ("disputed", "cancel", "system"): ("disputed", ("cancel", OPERATOR)),
}


MILESTONE_LANDS_IN = {
    "deliver": "delivered",
    "accept": "accepted",
    "reject": "pending",
    "dispute": "disputed",
    "resolve": "resolved",
    "cancel": "cancelled",
}


@pytest.mark.parametrize("row", list(MILESTONE.table), ids=row_id)
def test_every_milestone_transition_applies_through_its_service(ctx, make, row):
    state, action, role = row
    deal_state, deal_action = MILESTONE_DRIVERS[row]
    w = reach(ctx, make, deal_state, with_broker=role == BROKER)
    moving = w.milestone(ctx, state).id
    DEAL_DRIVERS[deal_action](ctx, w)
    ctx.commit()
    states = {m.id: m.state for m in w.deal(ctx).milestones}
    assert states[moving] == MILESTONE.table[row] == MILESTONE_LANDS_IN[action]


# A milestone not in the state the action needs, in a deal where the deal's action is allowed.
MILESTONE_REFUSALS = [
    ("in_progress", "accepted", "accept_milestone", "Milestone 1 is accepted, not delivered."),
    (
        "in_progress",
        "accepted",
        "dispute_milestone",
        "Milestone 1 is accepted, not pending or delivered.",
    ),
    # The buyer cannot accept what was not delivered.
    ("in_progress", "pending", "accept_milestone", "Milestone 2 is pending, not delivered."),
    ("resolved", "resolved", "accept_milestone", "Milestone 2 is resolved, not delivered."),
    (
        "resolved",
        "resolved",
        "dispute_milestone",
        "Milestone 2 is resolved, not pending or delivered.",
    ),
    ("disputed", "pending", "resolve_dispute", "Milestone 2 is pending, not disputed."),
]


@pytest.mark.parametrize(("deal_state", "state", "action", "message"), MILESTONE_REFUSALS)
def test_a_milestone_refuses_what_its_table_does_not_hold(
    ctx, make, deal_state, state, action, message
):
    w = reach(ctx, make, deal_state)
    if deal_state == "in_progress":
        _accept(ctx, w)  # the first milestone is accepted, the deal still under way
        ctx.commit()
    target = w.milestone(ctx, state)
    actor = w.actor(BUYER if action != "resolve_dispute" else OPERATOR)
    call = {
        "accept_milestone": lambda: deal_delivery.accept_milestone(
            ctx, actor, w.deal_id, target.id
        ),
        "dispute_milestone": lambda: deal_delivery.dispute_milestone(
            ctx, actor, w.deal_id, target.id, "交付不完整"
        ),
        "resolve_dispute": lambda: deal_delivery.resolve_dispute(
            ctx, actor, w.deal_id, target.id, "release"
        ),
    }[action]
    with pytest.raises(Conflict) as info:
        call()
    assert info.value.message == message
    ctx.rollback()
    assert w.milestone(ctx, state).id == target.id


# Broker invitations ---------------------------------------------------------------------


@dataclass
class Invitation:
    p: Parties
    deal_id: int
    broker: User
    assignment_id: int

    def status(self, ctx) -> str:
        ctx.expire_all()
        return ctx.get(BrokerAssignment, self.assignment_id).status


def _respond(accept: bool):
    def respond(ctx, make, i: Invitation) -> None:
        broker_assignment.respond(ctx, user(i.broker), i.assignment_id, accept)

    return respond


def _withdraw_invitation(role: str):
    def withdraw(ctx, make, i: Invitation) -> None:
        party = i.p.buyer if role == BUYER else i.p.supplier
        broker_assignment.withdraw_invitation(ctx, user(party), i.assignment_id)

    return withdraw


def _another_broker_accepts(ctx, make, i: Invitation) -> None:
    other = verified_broker(ctx, make, i.p.operator)
    second = broker_assignment.invite(ctx, user(i.p.supplier), i.deal_id, other.id)
    ctx.commit()
    broker_assignment.respond(ctx, user(other), second.id, True)


def _both_release(ctx, make, i: Invitation) -> None:
    broker_assignment.consent_release(ctx, user(i.p.buyer), i.deal_id)
    ctx.commit()
    broker_assignment.consent_release(ctx, user(i.p.supplier), i.deal_id)


INVITATION_DRIVERS = {
    ("accept", BROKER): _respond(True),
    ("decline", BROKER): _respond(False),
    ("withdraw", BUYER): _withdraw_invitation(BUYER),
    ("withdraw", SUPPLIER): _withdraw_invitation(SUPPLIER),
    ("lapse", "system"): _another_broker_accepts,
    ("release", "system"): _both_release,
}
INVITATION_PATHS = {
    "invited": (),
    "active": (INVITATION_DRIVERS[("accept", BROKER)],),
    "declined": (INVITATION_DRIVERS[("decline", BROKER)],),
    "withdrawn": (INVITATION_DRIVERS[("withdraw", BUYER)],),
    "released": (INVITATION_DRIVERS[("accept", BROKER)], _both_release),
}


def invitation_in(ctx, make, status: str) -> Invitation:
    p = parties(make)
    broker = verified_broker(ctx, make, p.operator)
    deal_id = walk(ctx, p, "inquiry")
    assignment = broker_assignment.invite(ctx, user(p.buyer), deal_id, broker.id, "请协助")
    ctx.commit()
    i = Invitation(p, deal_id, broker, assignment.id)
    for step in INVITATION_PATHS[status]:
        step(ctx, make, i)
        ctx.commit()
    assert i.status(ctx) == status
    return i


INVITATION_LANDS_IN = {
    "accept": "active",
    "decline": "declined",
    "withdraw": "withdrawn",
    "lapse": "withdrawn",
    "release": "released",
}


@pytest.mark.parametrize("row", list(INVITATION.table), ids=row_id)
def test_every_invitation_transition_applies_through_its_service(ctx, make, row):
    state, action, role = row
    i = invitation_in(ctx, make, state)
    INVITATION_DRIVERS[(action, role)](ctx, make, i)
    ctx.commit()
    assert i.status(ctx) == INVITATION.table[row] == INVITATION_LANDS_IN[action]


INVITATION_REFUSALS = [
    ("active", ("accept", BROKER)),
    ("active", ("withdraw", SUPPLIER)),
    ("declined", ("accept", BROKER)),
    ("declined", ("withdraw", BUYER)),
    ("withdrawn", ("decline", BROKER)),
    ("released", ("withdraw", BUYER)),
    ("released", ("accept", BROKER)),
]


@pytest.mark.parametrize(
    ("status", "taken"),
    INVITATION_REFUSALS,
    ids=[f"{s}-{a}-{r}" for s, (a, r) in INVITATION_REFUSALS],
)
def test_an_invitation_refuses_what_its_table_does_not_hold(ctx, make, status, taken):
    assert (status, *taken) not in INVITATION.table
    i = invitation_in(ctx, make, status)
    with pytest.raises(Conflict, match="^The invitation was already answered or withdrawn.$"):
        INVITATION_DRIVERS[taken](ctx, make, i)
    ctx.rollback()
    assert i.status(ctx) == status


# Mediation offers -----------------------------------------------------------------------


@dataclass
class Offer:
    p: Parties
    broker: User
    offer_id: int

    def status(self, ctx) -> str:
        ctx.expire_all()
        return ctx.get(MediationOffer, self.offer_id).status


OFFER_DRIVERS = {
    ("accept", OWNER): lambda ctx, o: broker_offers.decide_offer(
        ctx, user(o.p.supplier), o.offer_id, True
    ),
    ("decline", OWNER): lambda ctx, o: broker_offers.decide_offer(
        ctx, user(o.p.supplier), o.offer_id, False, "暂不需要"
    ),
    ("withdraw", BROKER): lambda ctx, o: broker_offers.withdraw_offer(
        ctx, user(o.broker), o.offer_id
    ),
}
OFFER_PATHS = {
    "pending": (),
    "accepted": (OFFER_DRIVERS[("accept", OWNER)],),
    "declined": (OFFER_DRIVERS[("decline", OWNER)],),
    "withdrawn": (OFFER_DRIVERS[("withdraw", BROKER)],),
}


def offer_in(ctx, make, status: str) -> Offer:
    p = parties(make)  # the supplier owns the listing
    broker = verified_broker(ctx, make, p.operator)
    offer = broker_offers.offer_mediation(ctx, user(broker), listing_id=p.listing_id)
    ctx.commit()
    o = Offer(p, broker, offer.id)
    for step in OFFER_PATHS[status]:
        step(ctx, o)
        ctx.commit()
    assert o.status(ctx) == status
    return o


OFFER_LANDS_IN = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn"}


@pytest.mark.parametrize("row", list(OFFER.table), ids=row_id)
def test_every_offer_transition_applies_through_its_service(ctx, make, row):
    state, action, role = row
    o = offer_in(ctx, make, state)
    OFFER_DRIVERS[(action, role)](ctx, o)
    ctx.commit()
    assert o.status(ctx) == OFFER.table[row] == OFFER_LANDS_IN[action]


OFFER_REFUSALS = [
    ("accepted", ("accept", OWNER)),
    ("accepted", ("decline", OWNER)),
    ("declined", ("accept", OWNER)),
    ("declined", ("withdraw", BROKER)),
    ("withdrawn", ("decline", OWNER)),
    ("withdrawn", ("withdraw", BROKER)),
]


@pytest.mark.parametrize(
    ("status", "taken"), OFFER_REFUSALS, ids=[f"{s}-{a}-{r}" for s, (a, r) in OFFER_REFUSALS]
)
def test_an_offer_refuses_what_its_table_does_not_hold(ctx, make, status, taken):
    assert (status, *taken) not in OFFER.table
    o = offer_in(ctx, make, status)
    with pytest.raises(Conflict, match="^The offer was already decided or withdrawn.$"):
        OFFER_DRIVERS[taken](ctx, o)
    ctx.rollback()
    assert o.status(ctx) == status
