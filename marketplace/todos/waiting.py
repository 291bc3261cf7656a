"""我的待办: what waits for this user now, computed from the current state of their deals,
invitations, offers and items (never from notifications: a to-do disappears the moment
it is done, by whoever, and one missed notification cannot hide it).

Each item says what to do (``kind``), about what (the deal's, item's or challenge's
title, the milestone's position) and where (the page where the user acts). Operators see
the platform's queues: transfers and bounties to confirm, disputes to resolve, payouts to
execute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from marketplace.brokers import assignment, offers
from marketplace.core.errors import Unauthorized
from marketplace.core.messages import N_
from marketplace.deals import delivery, escrow
from marketplace.deals import machine as deals
from marketplace.models import (
    BrokerAssignment,
    Challenge,
    ChallengeProposal,
    Deal,
    Demand,
    Listing,
    ProposalQuestion,
    User,
)

OPEN_STATES = ("inquiry", "negotiating", "agreed", "funded", "in_progress", "disputed", "resolved")
WORKING_STATES = ("funded", "in_progress", "resolved")

# Every kind of to-do, in the order the page shows them.
KINDS = (
    "confirm_terms",
    "fund",
    "deliver",
    "accept",
    "answer_dispute",
    "resolve_dispute",
    "answer_cancellation",
    "decide_invitation",
    "decide_offer",
    "fix_item",
    "fund_bounty",
    "fix_challenge",
    "decide_challenge",
    "answer_question",
    "confirm_transfer",
    "confirm_bounty",
    "execute_payout",
)


@dataclass(frozen=True)
class Todo:
    kind: str
    subject: str  # the deal's or item's title
    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)
    position: int | None = None  # the milestone, for milestone to-dos
    deal_id: int | None = None
    since: datetime | None = None

    @property
    def key(self) -> tuple:
        return (KINDS.index(self.kind), self.deal_id or 0, self.position or 0, self.subject)


def todos(session: Session, actor: User | None) -> list[Todo]:
    """What waits for ``actor``, in the order of KINDS."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    items: list[Todo] = []
    for deal in _my_deals(session, actor):
        items += _deal_todos(deal, actor)
    items += [
        Todo(
            "decide_invitation",
            _title(session, Deal, a.deal_id),
            "views.my_broker_profile",
            deal_id=a.deal_id,
            since=a.created_at,
        )
        for a in assignment.my_invitations(session, actor)
    ]
    items += [
        Todo(
            "decide_offer",
            _title(session, Listing, o.listing_id)
            if o.listing_id is not None
            else _title(session, Demand, o.demand_id),
            "views.mediation_offers",
            since=o.created_at,
        )
        for o in offers.offers_for_owner(session, actor)
        if o.status == "pending"
    ]
    items += _rejected_items(session, actor)
    items += _challenge_todos(session, actor)
    if actor.is_operator:
        items += _operator_todos(session, actor)
    return sorted(items, key=lambda t: t.key)


def _title(session: Session, model, row_id: int | None) -> str:
    row = session.get(model, row_id) if row_id is not None else None
    return row.title if row is not None else ""


def count(session: Session, actor: User | None) -> int:
    return len(todos(session, actor))


def _my_deals(session: Session, actor: User) -> list[Deal]:
    brokered = select(BrokerAssignment.deal_id).where(
        BrokerAssignment.broker_id == actor.id, BrokerAssignment.status == "active"
    )
    sides = [Deal.id.in_(brokered)]
    if actor.organization_id is not None:
        sides += [
            Deal.buyer_org_id == actor.organization_id,
            Deal.supplier_org_id == actor.organization_id,
        ]
    return list(
        session.scalars(
            select(Deal).where(Deal.state.in_(OPEN_STATES), or_(*sides)).order_by(Deal.id)
        )
    )


def _deal_todos(deal: Deal, actor: User) -> list[Todo]:
    roles = deals.actor_roles(deal, actor) - {deals.OPERATOR}
    here = {"deal_id": deal.id}
    out: list[Todo] = []

    def add(kind: str, since=None, position=None) -> None:
        out.append(
            Todo(kind, deal.title, "views.deal", here, position, deal.id, since or deal.updated_at)
        )

    terms = deal.current_terms
    if deal.state == "negotiating" and terms is not None:
        confirmed = {c.role for c in terms.confirmations}
        if roles & {deals.BUYER, deals.SUPPLIER} - confirmed:
            add("confirm_terms", terms.created_at)
    if deal.state == "agreed" and deals.BUYER in roles:
        add("fund")
    may_arbitrate = deals.BROKER in roles and "resolve_dispute" in deals.DEAL.available(
        deal, [deals.BROKER]
    )
    for m in deal.milestones:
        if deal.state in WORKING_STATES and m.state == "pending" and deals.SUPPLIER in roles:
            add("deliver", position=m.position)
        if m.state == "delivered" and deals.BUYER in roles:
            add("accept", m.delivered_at, m.position)
        if m.state == "disputed":
            if deals.SUPPLIER in roles:
                add("answer_dispute", position=m.position)
            terms_ok = deal.agreed_terms is not None and deal.agreed_terms.broker_may_arbitrate
            if may_arbitrate and terms_ok:
                add("resolve_dispute", position=m.position)
    proposal = deals.open_cancellation(deal)
    if proposal is not None:
        answering = roles & {deals.BUYER, deals.SUPPLIER} - {proposal.proposed_by_role}
        if answering:
            add("answer_cancellation", proposal.created_at)
    return out


def _rejected_items(session: Session, actor: User) -> list[Todo]:
    if actor.organization_id is None:
        return []
    out = []
    for model, endpoint in ((Listing, "views.listing_detail"), (Demand, "views.demand_detail")):
        for item in session.scalars(
            select(model)
            .where(model.organization_id == actor.organization_id, model.status == "rejected")
            .order_by(model.id)
        ):
            out.append(
                Todo("fix_item", item.title, endpoint, {"item_id": item.id}, since=item.updated_at)
            )
    return out


# What a challenge's poster does next, by its state (揭榜挂帅).
POSTER_TODOS = {
    "awaiting_funding": ("fund_bounty", "views.challenge_funding"),
    "rejected": ("fix_challenge", "views.challenge_detail"),
    "evaluating": ("decide_challenge", "views.challenge_evaluate"),
}


def _challenge_todos(session: Session, actor: User) -> list[Todo]:
    """The poster's organization: pay an approved challenge's bounty, fix a rejected one,
    decide one whose proposals are closed (award, or award nobody); a proposing organization: answer the poster's
    questions while the challenge is undecided."""
    if actor.organization_id is None:
        return []
    out = []
    for c in session.scalars(
        select(Challenge)
        .where(
            Challenge.organization_id == actor.organization_id,
            Challenge.state.in_(POSTER_TODOS),
        )
        .order_by(Challenge.id)
    ):
        kind, endpoint = POSTER_TODOS[c.state]
        out.append(Todo(kind, c.title, endpoint, {"challenge_id": c.id}, since=c.updated_at))
    for q, title in session.execute(
        select(ProposalQuestion, Challenge.title)
        .join(ChallengeProposal, ChallengeProposal.id == ProposalQuestion.proposal_id)
        .join(Challenge, Challenge.id == ChallengeProposal.challenge_id)
        .where(
            ChallengeProposal.organization_id == actor.organization_id,
            ChallengeProposal.state.in_(("submitted", "shortlisted")),
            Challenge.state.in_(("open", "evaluating")),
            ProposalQuestion.answer == "",
        )
        .order_by(ProposalQuestion.id)
    ):
        out.append(
            Todo(
                "answer_question",
                title,
                "views.challenge_proposal",
                {"proposal_id": q.proposal_id},
                since=q.asked_at,
            )
        )
    return out


def _operator_todos(session: Session, actor: User) -> list[Todo]:
    out = [
        Todo(
            "confirm_transfer",
            _title(session, Deal, f.deal_id),
            "views.operator_funding",
            deal_id=f.deal_id,
            since=f.created_at,
        )
        for f in escrow.pending_bank_transfers(session, actor)
    ]
    for m in delivery.open_disputes(session, actor):
        out.append(
            Todo(
                "resolve_dispute",
                _title(session, Deal, m.deal_id),
                "views.operator_disputes",
                position=m.position,
                deal_id=m.deal_id,
            )
        )
    out += [
        Todo(
            "execute_payout",
            _title(session, Deal, p.deal_id),
            "views.operator_payouts",
            deal_id=p.deal_id,
            since=p.created_at,
        )
        for p in escrow.list_payouts(session, actor, "pending")
    ]
    # A challenge's bounty: approved, its transfer to confirm when it arrives.
    out += [
        Todo(
            "confirm_bounty",
            c.title,
            "views.challenge_review",
            since=c.updated_at,
        )
        for c in session.scalars(
            select(Challenge).where(Challenge.state == "awaiting_funding").order_by(Challenge.id)
        )
    ]
    return out


# -- words ---------------------------------------------------------------------------
def text(todo: Todo) -> str:
    """What to do, in the reader's language."""
    s, n = todo.subject, todo.position
    return {
        "confirm_terms": lambda: _("Read and confirm the terms of “%(deal)s”", deal=s),
        "fund": lambda: _("Pay the escrow of “%(deal)s”", deal=s),
        "deliver": lambda: _("Deliver milestone %(n)s of “%(deal)s”", n=n, deal=s),
        "accept": lambda: _("Accept or reject milestone %(n)s of “%(deal)s”", n=n, deal=s),
        "answer_dispute": lambda: _(
            "Answer the dispute over milestone %(n)s of “%(deal)s”", n=n, deal=s
        ),
        "resolve_dispute": lambda: _(
            "Resolve the dispute over milestone %(n)s of “%(deal)s”", n=n, deal=s
        ),
        "answer_cancellation": lambda: _(
            "Accept or decline the proposal to cancel “%(deal)s”", deal=s
        ),
        "decide_invitation": lambda: _(
            "Accept or decline the invitation to broker “%(deal)s”", deal=s
        ),
        "decide_offer": lambda: _(
            "Accept or decline a broker's offer to mediate “%(item)s”", item=s
        ),
        "fix_item": lambda: _("Fix “%(item)s” and submit it again", item=s),
        "fund_bounty": lambda: _(
            "Pay the bounty of the challenge “%(challenge)s” into escrow", challenge=s
        ),
        "fix_challenge": lambda: _(
            "Fix the challenge “%(challenge)s” and submit it again", challenge=s
        ),
        "decide_challenge": lambda: _(
            "Decide the challenge “%(challenge)s”: proposals are closed", challenge=s
        ),
        "answer_question": lambda: _(
            "Answer the poster's question on your proposal for “%(challenge)s”", challenge=s
        ),
        "confirm_bounty": lambda: _(
            "Confirm the bounty transfer for the challenge “%(challenge)s”", challenge=s
        ),
        "confirm_transfer": lambda: _("Confirm the bank transfer for “%(deal)s”", deal=s),
        "execute_payout": lambda: _("Execute a payout of “%(deal)s”", deal=s),
    }[todo.kind]()
