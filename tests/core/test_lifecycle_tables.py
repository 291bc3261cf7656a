"""The lifecycle tables: each speaks only of its model's states (the database's CHECK
list) and known roles, reaches every state from where rows are born, and ends where it
should. And nothing outside core/lifecycle.py sets a governed status field: a static
scan of marketplace/ finds every assignment to ``.status`` / ``.state``, every
``setattr(…, "status", …)``, every bulk ``.values(status=…)``, and every constructor
that creates a governed row in a state its lifecycle does not start in."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from marketplace.accounts.invitations import INVITATION as ORG_INVITATION
from marketplace.accounts.join_requests import JOIN_REQUEST
from marketplace.auctions.rules import DEPOSIT, LOT
from marketplace.brokers.assignment import INVITATION
from marketplace.brokers.offers import OFFER
from marketplace.catalog.publication import PUBLICATION
from marketplace.challenges.lifecycle import CHALLENGE, PROPOSAL
from marketplace.core.lifecycle import Lifecycle
from marketplace.deals.machine import DEAL, MILESTONE
from marketplace.models import (
    AuctionLot,
    AuctionRegistration,
    BrokerAssignment,
    Challenge,
    ChallengeProposal,
    Deal,
    Demand,
    JoinRequest,
    Listing,
    MediationOffer,
    Milestone,
    OrganizationInvitation,
)
from marketplace.models.auctions import DEPOSIT_STATES, LOT_STATES
from marketplace.models.brokers import ASSIGNMENT_STATUSES, OFFER_STATUSES
from marketplace.models.challenges import CHALLENGE_STATES, PROPOSAL_STATES
from marketplace.models.deals import ACTOR_ROLES, DEAL_STATES, MILESTONE_STATES
from marketplace.models.vocab import (
    INVITATION_STATUSES,
    JOIN_REQUEST_STATUSES,
    PUBLICATION_STATUSES,
)

ROOT = Path(__file__).resolve().parents[2]

# name → (lifecycle, models it governs, the CHECK constraint's states, its roles, final states)
LIFECYCLES: dict[str, tuple[Lifecycle, tuple[type, ...], tuple[str, ...], set[str], set[str]]] = {
    "publication": (
        PUBLICATION,
        (Listing, Demand),
        PUBLICATION_STATUSES,
        {"owner", "operator", "system"},
        {"closed", "withdrawn"},
    ),
    "challenge": (
        CHALLENGE,
        (Challenge,),
        CHALLENGE_STATES,
        {"poster", "operator", "system"},
        {"awarded", "not_awarded", "withdrawn"},
    ),
    "challenge proposal": (
        PROPOSAL,
        (ChallengeProposal,),
        PROPOSAL_STATES,
        {"poster", "system"},
        {"awarded", "not_awarded"},
    ),
    "deal": (DEAL, (Deal,), DEAL_STATES, set(ACTOR_ROLES), {"completed", "cancelled"}),
    "milestone": (
        MILESTONE,
        (Milestone,),
        MILESTONE_STATES,
        set(ACTOR_ROLES),
        {"accepted", "resolved", "cancelled"},
    ),
    "invitation": (
        INVITATION,
        (BrokerAssignment,),
        ASSIGNMENT_STATUSES,
        {"buyer", "supplier", "broker", "system"},
        {"declined", "withdrawn", "released"},
    ),
    "organization invitation": (
        ORG_INVITATION,
        (OrganizationInvitation,),
        INVITATION_STATUSES,
        {"admin", "invitee", "system"},
        {"accepted", "declined", "revoked", "expired"},
    ),
    "join request": (
        JOIN_REQUEST,
        (JoinRequest,),
        JOIN_REQUEST_STATUSES,
        {"admin", "requester", "system"},
        {"approved", "declined", "withdrawn"},
    ),
    "auction lot": (
        LOT,
        (AuctionLot,),
        LOT_STATES,
        {"owner", "operator", "system"},
        {"rejected", "withdrawn", "unsold", "defaulted"},
    ),
    "deposit": (
        DEPOSIT,
        (AuctionRegistration,),
        DEPOSIT_STATES,
        {"operator", "system"},
        {"refunded", "lapsed", "forfeited"},
    ),
    "offer": (
        OFFER,
        (MediationOffer,),
        OFFER_STATUSES,
        {"owner", "broker"},
        {"declined", "withdrawn"},
    ),
}


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_a_table_speaks_of_its_models_states_and_reaches_them_all(name):
    lifecycle, models, vocabulary, roles, final = LIFECYCLES[name]
    for model in models:
        assert lifecycle.attribute in model.__table__.columns
    assert set(lifecycle.states) == set(vocabulary)
    assert {role for _, _, role in lifecycle.table} <= roles
    assert set(lifecycle.initial) <= set(vocabulary)
    reached, frontier = set(lifecycle.initial), list(lifecycle.initial)
    while frontier:
        state = frontier.pop()
        for (source, _, _), target in lifecycle.table.items():
            if source == state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(vocabulary)
    assert set(vocabulary) - {source for source, _, _ in lifecycle.table} == final


def test_the_named_actions_of_pages_and_api_are_in_the_tables():
    from marketplace.catalog import publication
    from marketplace.deals import machine

    assert set(publication.ACTIONS) < set(PUBLICATION.actions)
    assert machine.ACTIONS == DEAL.actions


# Nothing sets a governed status directly ------------------------------------------------

GOVERNED = ("status", "state", "deposit_state")
# Status fields of rows that have no lifecycle table (yet), and a search form's state:
# (file, the expression whose attribute is assigned).
NOT_GOVERNED = {
    ("marketplace/deals/escrow.py", "funding"),  # Funding: pending → confirmed
    ("marketplace/deals/escrow.py", "payout"),  # PayoutInstruction: pending → executed
    ("marketplace/deals/stripe_events.py", "row"),  # StripeEvent processing
    ("marketplace/accounts/brokers.py", "profile"),  # BrokerProfile review
    ("marketplace/views/search.py", "self"),  # the search form's query state
}
# Constructors of governed rows (imports.py creates through ``self.model``).
CONSTRUCTORS = {
    "Listing": PUBLICATION,
    "Demand": PUBLICATION,
    "model": PUBLICATION,
    "Challenge": CHALLENGE,
    "ChallengeProposal": PROPOSAL,
    "Deal": DEAL,
    "AuctionLot": LOT,
    "AuctionRegistration": DEPOSIT,
    "Milestone": MILESTONE,
    "BrokerAssignment": INVITATION,
    "MediationOffer": OFFER,
    "OrganizationInvitation": ORG_INVITATION,
    "JoinRequest": JOIN_REQUEST,
}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        found = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        found = [node.target]
    else:
        return []
    flat = []
    while found:
        target = found.pop()
        if isinstance(target, ast.Tuple | ast.List):
            found.extend(target.elts)
        else:
            flat.append(target)
    return flat


def offences(source: str, path: str) -> list[tuple[str, int, str]]:
    """Where ``source`` sets a governed status outside the lifecycle mechanism."""
    found = []
    for node in ast.walk(ast.parse(source)):
        for target in _targets(node):
            if isinstance(target, ast.Attribute) and target.attr in GOVERNED:
                owner = ast.unparse(target.value)
                if (path, owner) not in NOT_GOVERNED:
                    found.append((path, node.lineno, ast.unparse(node)))
        if not isinstance(node, ast.Call):
            continue
        callee = _name(node.func)
        if (
            callee == "setattr"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in GOVERNED
        ):
            found.append((path, node.lineno, ast.unparse(node)))
        for keyword in node.keywords:
            if keyword.arg not in GOVERNED:
                continue
            if callee == "values":
                found.append((path, node.lineno, ast.unparse(node)))
            elif callee in CONSTRUCTORS:
                value = keyword.value
                born = (
                    isinstance(value, ast.Constant) and value.value in CONSTRUCTORS[callee].initial
                )
                if not born:
                    found.append((path, node.lineno, ast.unparse(keyword)))
    return found


def _sources() -> list[tuple[str, str]]:
    files = sorted((ROOT / "marketplace").rglob("*.py"))
    return [
        (str(f.relative_to(ROOT)), f.read_text(encoding="utf-8"))
        for f in files
        if f.relative_to(ROOT).as_posix() != "marketplace/core/lifecycle.py"
    ]


def test_nothing_sets_a_governed_status_outside_the_mechanism():
    found = [o for path, source in _sources() for o in offences(source, path)]
    assert found == [], "go through a Lifecycle (core/lifecycle.py):\n" + "\n".join(
        f"{path}:{line}: {code}" for path, line, code in found
    )


def test_the_list_of_ungoverned_status_fields_is_not_stale():
    seen = set()
    for path, source in _sources():
        for node in ast.walk(ast.parse(source)):
            for target in _targets(node):
                if isinstance(target, ast.Attribute) and target.attr in GOVERNED:
                    seen.add((path, ast.unparse(target.value)))
    assert NOT_GOVERNED <= seen


@pytest.mark.parametrize(
    "code",
    [
        "item.status = 'published'",
        "deal.state, x = 'agreed', 1",
        "row.status += ''",
        "setattr(offer, 'status', 'accepted')",
        "session.execute(update(Listing).values(status='published'))",
        "Listing(title='t', status='published')",
        "self.model(status=status)",
        "BrokerAssignment(status='released')",
    ],
)
def test_the_scan_finds_a_side_door(code):
    assert offences(code, "marketplace/catalog/example.py")


@pytest.mark.parametrize(
    "code",
    [
        "Listing(title='t', status='draft')",
        "BrokerAssignment(status='active', source='offer')",
        "list_listings(session, user, status='any')",
        "funding.status = 'confirmed'",  # only in escrow.py
    ],
)
def test_the_scan_lets_creation_and_reading_be(code):
    path = "marketplace/deals/escrow.py" if code.startswith("funding") else "marketplace/x.py"
    assert offences(code, path) == []
