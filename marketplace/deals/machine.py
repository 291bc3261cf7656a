"""Deals: the state machines of a deal and of its milestones, and who may see and act
on a deal.

One explicit transition table, (state, action, actor role) → next state, applied by one
function (``apply``, through core/lifecycle.py) to a deal row locked with ``lock_deal``
(SELECT … FOR UPDATE on PostgreSQL, the write lock on SQLite) and guarded by its version
column. A milestone has its own small table (``MILESTONE``), moved by delivery.py under
the same deal lock.

    inquiry ─propose_terms─▶ negotiating ─(both confirm one version)─▶ agreed
    agreed ─confirm_funding─▶ funded ─start_work / accept_milestone─▶ in_progress
    funded | in_progress | resolved ─dispute_milestone─▶ disputed ─resolve_dispute─▶ resolved
    in_progress | resolved ─(every milestone settled)─▶ completed
    inquiry | negotiating | agreed ─cancel (either party)─▶ cancelled
    funded | in_progress | resolved ─(one party proposes, the other accepts)─▶ cancelled,
        escrow refunded (deals/cancellation.py; never during a dispute)
    funded … resolved ─cancel (operator: arbitration)─▶ cancelled, escrow refunded

The use cases sit beside it: opening, listing and the thread in workflow.py, terms in
terms.py, money (funding, releases, refunds, payouts) in escrow.py, delivery in
delivery.py. The deal's active broker (brokers/assignment.py) is a participant: sees the
deal, writes in the thread, proposes terms, and resolves disputes only if the contract
allows it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.lifecycle import Lifecycle
from marketplace.core.locking import flush_or_conflict, lock_rows
from marketplace.core.messages import N_, Joined, Message, OneOf
from marketplace.deals import labels, notices
from marketplace.models import (
    CancellationProposal,
    Deal,
    DealEvent,
    Milestone,
    User,
)
from marketplace.models.types import utcnow

BUYER = "buyer"  # members of the buying organization
SUPPLIER = "supplier"  # members of the supplying organization
OPERATOR = "operator"  # platform staff
SYSTEM = "system"  # the platform itself: payment confirmations, automatic steps
BROKER = "broker"  # the broker assigned to the deal (services/broker_assignment.py)

# (state, action, actor role) → next state. Nothing else changes a deal's state.
TRANSITIONS: dict[tuple[str, str, str], str] = {
    # Negotiation: offers and counter-offers, then both parties confirm one version.
    ("inquiry", "propose_terms", BUYER): "negotiating",
    ("inquiry", "propose_terms", SUPPLIER): "negotiating",
    ("inquiry", "propose_terms", BROKER): "negotiating",
    ("negotiating", "propose_terms", BROKER): "negotiating",
    ("negotiating", "propose_terms", BUYER): "negotiating",
    ("negotiating", "propose_terms", SUPPLIER): "negotiating",
    ("negotiating", "confirm_terms", BUYER): "negotiating",
    ("negotiating", "confirm_terms", SUPPLIER): "negotiating",
    ("negotiating", "agree", SYSTEM): "agreed",  # buyer and supplier confirmed one hash
    # Funding the escrow.
    ("agreed", "request_funding", BUYER): "agreed",
    ("agreed", "confirm_funding", OPERATOR): "funded",  # bank transfer received
    ("agreed", "confirm_funding", SYSTEM): "funded",  # provider notification
    # Delivery, milestone by milestone.
    ("funded", "start_work", SUPPLIER): "in_progress",
    ("funded", "deliver_milestone", SUPPLIER): "in_progress",
    ("in_progress", "deliver_milestone", SUPPLIER): "in_progress",
    ("resolved", "deliver_milestone", SUPPLIER): "in_progress",
    ("in_progress", "accept_milestone", BUYER): "in_progress",
    ("resolved", "accept_milestone", BUYER): "in_progress",
    # The acceptance period passed (the sweep, deals/acceptance.py).
    ("in_progress", "accept_milestone", SYSTEM): "in_progress",
    ("resolved", "accept_milestone", SYSTEM): "in_progress",
    ("in_progress", "reject_milestone", BUYER): "in_progress",
    ("resolved", "reject_milestone", BUYER): "in_progress",
    ("funded", "dispute_milestone", BUYER): "disputed",
    ("in_progress", "dispute_milestone", BUYER): "disputed",
    ("resolved", "dispute_milestone", BUYER): "disputed",
    ("disputed", "resolve_dispute", OPERATOR): "resolved",
    # Only when the contract says so (broker_may_arbitrate): see ``_role_may``.
    ("disputed", "resolve_dispute", BROKER): "resolved",
    ("in_progress", "complete", SYSTEM): "completed",  # every milestone settled
    ("resolved", "complete", SYSTEM): "completed",
    # Cancellation before funding: either party (or an operator), nothing to refund.
    ("inquiry", "cancel", BUYER): "cancelled",
    ("inquiry", "cancel", SUPPLIER): "cancelled",
    ("inquiry", "cancel", OPERATOR): "cancelled",
    ("negotiating", "cancel", BUYER): "cancelled",
    ("negotiating", "cancel", SUPPLIER): "cancelled",
    ("negotiating", "cancel", OPERATOR): "cancelled",
    ("agreed", "cancel", BUYER): "cancelled",
    ("agreed", "cancel", SUPPLIER): "cancelled",
    ("agreed", "cancel", OPERATOR): "cancelled",
    # The platform, when a buyer does not fund in time (an auction's winner:
    # auctions/settlement.py forfeits the deposit escrow holds).
    ("inquiry", "cancel", SYSTEM): "cancelled",
    ("negotiating", "cancel", SYSTEM): "cancelled",
    ("agreed", "cancel", SYSTEM): "cancelled",
    # After funding: one party proposes (deals/cancellation.py), the other accepts or
    # declines, the proposer may withdraw; only an accepted proposal cancels and refunds.
    # Never during a dispute: the dispute's resolution decides.
    **{
        (state, action, party): state
        for state in ("funded", "in_progress", "resolved")
        for action in (
            "propose_cancellation",
            "accept_cancellation",
            "decline_cancellation",
            "withdraw_cancellation",
        )
        for party in (BUYER, SUPPLIER)
    },
    ("funded", "cancel_by_agreement", SYSTEM): "cancelled",
    ("in_progress", "cancel_by_agreement", SYSTEM): "cancelled",
    ("resolved", "cancel_by_agreement", SYSTEM): "cancelled",
    # Or an operator arbitrates (in a dispute too).
    ("funded", "cancel", OPERATOR): "cancelled",
    ("in_progress", "cancel", OPERATOR): "cancelled",
    ("disputed", "cancel", OPERATOR): "cancelled",
    ("resolved", "cancel", OPERATOR): "cancelled",
}
FUNDED_STATES = ("funded", "in_progress", "disputed", "resolved")

# Why an action is refused in a state where nobody may take it (the 409's message).
REFUSALS = {
    "propose_terms": N_(
        "Terms can only change during negotiation; the contract is fixed once agreed."
    ),
    "confirm_terms": N_("There is nothing to confirm: terms are confirmed during negotiation."),
    "request_funding": N_("Funding is requested once both parties agreed the terms."),
    "confirm_funding": N_("Only an agreed, unfunded deal can be funded."),
    "start_work": N_("Work starts once the deal is funded."),
    "deliver_milestone": N_(
        "Milestones are delivered while a funded deal is under way and not in dispute."
    ),
    "accept_milestone": N_(
        "Milestones are accepted once delivered, while a funded deal is under way and not"
        " in dispute."
    ),
    "reject_milestone": N_(
        "Deliveries are rejected while a funded deal is under way and not in dispute."
    ),
    "dispute_milestone": N_(
        "Milestones are disputed while a funded deal is under way and not already in dispute."
    ),
    "resolve_dispute": N_("The deal is not in dispute."),
    "cancel": N_("The deal is already closed."),
    "propose_cancellation": N_(
        "Cancellation is proposed after funding, before the deal is closed, and never during"
        " a dispute: the dispute's resolution decides."
    ),
    "accept_cancellation": N_(
        "Only a funded deal under way and not in dispute is cancelled by agreement."
    ),
    "decline_cancellation": N_("There is no cancellation proposal to decline."),
    "withdraw_cancellation": N_("There is no cancellation proposal to withdraw."),
}
FORBIDDEN_HINTS = {
    ("cancel", OPERATOR): N_(
        "A funded deal is cancelled when one party accepts the other's proposal, or by an"
        " operator's arbitration; propose cancellation instead."
    ),
}


def _cannot(deal: Deal, action: str) -> Conflict:
    """Nobody may take ``action`` in the deal's state (and why, if the table says)."""
    values = {"action": DEAL.term("action", action), "state": DEAL.term("state", deal.state)}
    if action in REFUSALS:
        return Conflict(
            N_("Cannot %(action)s a deal that is %(state)s. %(reason)s"),
            code="deal_state",
            reason=Message(REFUSALS[action]),
            **values,
        )
    return Conflict(N_("Cannot %(action)s a deal that is %(state)s."), code="deal_state", **values)


def _only(deal: Deal, action: str, allowed: frozenset[str]) -> Forbidden:
    """Only other roles may take ``action`` now (with a hint for the operator's cancel)."""
    parties = allowed - {SYSTEM}
    who = roles_of(parties) if parties else labels.term("role", SYSTEM, text="the platform")
    verb = DEAL.term("action", action)
    hints = [
        FORBIDDEN_HINTS[(action, r)] for r in sorted(allowed) if (action, r) in FORBIDDEN_HINTS
    ]
    if hints:
        return Forbidden(
            N_("Only the %(who)s may %(action)s now. %(hint)s"),
            who=who,
            action=verb,
            hint=Joined(hints, " "),
        )
    return Forbidden(N_("Only the %(who)s may %(action)s now."), who=who, action=verb)


DEAL: Lifecycle[Deal] = Lifecycle(
    "deal",
    "state",
    TRANSITIONS,
    initial=("inquiry",),
    refusals=REFUSALS,
    wrong_state=_cannot,
    wrong_role=_only,
    code="deal_state",
    words={
        "name": labels.NAMES["deal"],
        "state": labels.LABELS["state"],
        "action": labels.LABELS["verb"],
        "role": labels.LABELS["role"],
    },
)
ACTIONS = DEAL.actions
# A user who holds two roles acts as a party rather than as an operator.
PREFERENCE = (BUYER, SUPPLIER, BROKER, OPERATOR)

# A milestone's (state, action, role) → next state, applied in delivery.py after the deal's
# own transition was checked (the role is the one the deal's check returned).
MILESTONE_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("pending", "deliver", SUPPLIER): "delivered",  # with a note and files
    ("delivered", "accept", BUYER): "accepted",  # its amount is released from escrow
    # Not answered within the terms' acceptance period: the platform accepts it.
    ("delivered", "accept", SYSTEM): "accepted",
    ("delivered", "reject", BUYER): "pending",  # with a reason; the supplier delivers again
    ("pending", "dispute", BUYER): "disputed",
    ("delivered", "dispute", BUYER): "disputed",
    ("disputed", "resolve", OPERATOR): "resolved",  # released, refunded or split
    ("disputed", "resolve", BROKER): "resolved",  # if the contract lets the broker arbitrate
    # The deal is cancelled after funding (arbitration or an accepted proposal): what is
    # not settled is refunded.
    ("pending", "cancel", SYSTEM): "cancelled",
    ("delivered", "cancel", SYSTEM): "cancelled",
    ("disputed", "cancel", SYSTEM): "cancelled",
}


def _milestone_is_not(milestone: Milestone, action: str) -> Conflict:
    """The milestone is not in a state the action needs."""
    return Conflict(
        N_("Milestone %(position)s is %(state)s, not %(expected)s."),
        code="milestone_state",
        position=milestone.position,
        state=MILESTONE.term("state", milestone.state),
        expected=OneOf(MILESTONE.term("state", s) for s in MILESTONE.sources(action)),
    )


MILESTONE: Lifecycle[Milestone] = Lifecycle(
    "milestone",
    "state",
    MILESTONE_TRANSITIONS,
    initial=("pending",),
    wrong_state=_milestone_is_not,
    code="milestone_state",
    words={
        "name": labels.NAMES["milestone"],
        "state": labels.LABELS["milestone"],
        "action": labels.LABELS["milestone_verb"],
        "role": labels.LABELS["role"],
    },
)


def actor_roles(deal: Deal, actor: User | None) -> set[str]:
    """The roles this user has on this deal (a user may in principle hold two)."""
    if actor is None:
        return set()
    roles = set()
    if actor.organization_id is not None and actor.organization_id == deal.buyer_org_id:
        roles.add(BUYER)
    if actor.organization_id is not None and actor.organization_id == deal.supplier_org_id:
        roles.add(SUPPLIER)
    if actor.is_operator:
        roles.add(OPERATOR)
    if deal.active_broker_id is not None and deal.active_broker_id == actor.id:
        roles.add(BROKER)
    return roles


def can_view(deal: Deal, actor: User | None) -> bool:
    return bool(actor_roles(deal, actor))


def _role_may(deal: Deal, action: str, role: str) -> bool:
    """Conditions the table cannot say: the broker arbitrates only if the contract lets
    the broker it names do so."""
    if role == BROKER and action == "resolve_dispute":
        terms = deal.agreed_terms
        return bool(
            terms and terms.broker_may_arbitrate and terms.broker_id == deal.active_broker_id
        )
    return True


CANCELLATION_ACTIONS = (
    "propose_cancellation",
    "accept_cancellation",
    "decline_cancellation",
    "withdraw_cancellation",
)


def open_cancellation(deal: Deal) -> CancellationProposal | None:
    """The cancellation proposal that can still be answered now, if any (one that is past
    its lapse time is lapsed, whether or not the sweep has recorded it yet)."""
    now = utcnow()
    return next((p for p in deal.cancellation_proposals if p.answerable(now)), None)


def _proposal_allows(deal: Deal, action: str, role: str) -> bool:
    """Which of the cancellation actions make sense given the open proposal (the service
    refuses the others with a reason; buttons and ``actions`` leave them out)."""
    if action not in CANCELLATION_ACTIONS:
        return True
    proposal = open_cancellation(deal)
    if action == "propose_cancellation":
        return proposal is None
    if proposal is None:
        return False
    mine = proposal.proposed_by_role == role
    return mine if action == "withdraw_cancellation" else not mine


def allowed_actions(deal: Deal, actor: User | None) -> list[str]:
    """What this user may do now (buttons, the API's ``actions``)."""
    roles = actor_roles(deal, actor)
    return sorted(
        {
            a
            for r in roles
            for a in DEAL.available(deal, [r])
            if _role_may(deal, a, r) and _proposal_allows(deal, a, r)
        }
    )


def get_deal(session: Session, actor: User | None, deal_id: int) -> Deal:
    """The deal if the actor is a party or an operator; NotFound for everyone else."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    deal = session.get(Deal, deal_id)
    if deal is None or not can_view(deal, actor):
        raise NotFound(N_("No deal %(deal)s."), deal=deal_id)
    return deal


def lock_deal(session: Session, actor: User | None, deal_id: int) -> Deal:
    """Lock the deal row, then read it fresh: every change to a deal starts here, so two
    requests on one deal run one after the other and the second sees the first's result."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    lock_rows(session, Deal, [deal_id])
    deal = session.get(Deal, deal_id, populate_existing=True)
    if deal is None or not can_view(deal, actor):
        raise NotFound(N_("No deal %(deal)s."), deal=deal_id)
    session.expire(
        deal, ["milestones", "terms_versions", "broker_assignments", "cancellation_proposals"]
    )
    return deal


def fresh_milestones(session: Session, deal: Deal) -> list[Milestone]:
    """The deal's milestones as committed now (read after lock_deal)."""
    return list(
        session.scalars(
            select(Milestone)
            .where(Milestone.deal_id == deal.id)
            .order_by(Milestone.position)
            .execution_options(populate_existing=True)
        )
    )


def roles_of(codes: set[str]) -> OneOf:
    """Roles as a message value: "buyer or supplier" (on pages, their labels)."""
    return labels.roles(sorted(codes))


def state_conflict(deal: Deal, action: str) -> Conflict:
    """Nobody may take ``action`` in the deal's state: the 409, saying why."""
    return DEAL.conflict(deal, action)


def check(deal: Deal, action: str, actor: User | None) -> str:
    """The role in which ``actor`` may take ``action`` now; Conflict or Forbidden if not."""
    if action not in ACTIONS:
        raise Invalid({"action": Message(N_("Unknown action '%(action)s'."), action=action)})
    roles = {r for r in actor_roles(deal, actor) if _role_may(deal, action, r)}
    ever = DEAL.roles_for(action)
    if not roles & ever:  # never theirs to take, whatever the state
        raise Forbidden(
            N_("Only the %(who)s may %(action)s."),
            who=roles_of(ever - {SYSTEM}),
            action=DEAL.term("action", action),
        )
    return DEAL.check(deal, action, [r for r in PREFERENCE if r in roles])


def apply(
    session: Session,
    deal: Deal,
    action: str,
    role: str,
    actor: User | None,
    *,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Deal:
    """Move a locked deal along the table and write the timeline event."""
    from_state = deal.state
    next_state = DEAL.apply(deal, action, role)
    record(
        session,
        deal,
        action,
        role,
        actor,
        from_state=from_state,
        to_state=next_state,
        ip=ip,
        detail=detail,
    )
    deal.updated_at = utcnow()
    flush_or_conflict(session)
    return deal


def record(
    session: Session,
    deal: Deal,
    action: str,
    role: str,
    actor: User | None,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> DealEvent:
    """One timeline event: a transition, or a money event that leaves the state as it is."""
    event = DealEvent(
        deal_id=deal.id,
        actor_id=actor.id if actor is not None else None,
        role=role,
        action=action,
        from_state=from_state or deal.state,
        to_state=to_state or deal.state,
        ip=ip,
        detail=detail or {},
        created_at=utcnow(),
    )
    session.add(event)
    notices.announce(session, deal, event)  # told to those concerned, once, at commit
    return event


def speaking_role(deal: Deal, actor: User) -> str:
    roles = actor_roles(deal, actor)
    return next(r for r in (BUYER, SUPPLIER, BROKER, OPERATOR) if r in roles)
