"""The lifecycles of a challenge (榜单) and of a proposal (揭榜申请), as literal tables.

A challenge is written as a draft, reviewed by an operator, funded (the bounty held in
escrow on the ledger) and only then open for proposals; after the proposal deadline it is
evaluated and decided. A proposal is submitted, possibly shortlisted, and decided with a
written reason.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.core.lifecycle import Lifecycle
from marketplace.models import Challenge, ChallengeProposal

POSTER = "poster"  # a member of the posting organization
OPERATOR = "operator"
SYSTEM = "system"  # the platform itself (the proposal deadline passing)
SOLVER = "solver"  # a member of the proposing organization

CHALLENGE_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("draft", "edit", POSTER): "draft",
    ("draft", "submit", POSTER): "pending_review",
    ("draft", "submit", OPERATOR): "pending_review",  # a government programme's challenge
    ("rejected", "edit", POSTER): "rejected",
    ("rejected", "submit", POSTER): "pending_review",
    ("pending_review", "approve", OPERATOR): "awaiting_funding",
    ("pending_review", "reject", OPERATOR): "rejected",  # with the operator's note
    # The bounty's funding is confirmed: the ledger holds it in the challenge's escrow.
    ("awaiting_funding", "fund", OPERATOR): "open",
    ("awaiting_funding", "fund", SYSTEM): "open",  # a provider's confirmation
    ("open", "close_proposals", SYSTEM): "evaluating",  # the proposal deadline passed
    ("open", "close_proposals", POSTER): "evaluating",
    ("evaluating", "award", POSTER): "awarded",  # a deal opens for each winner
    ("evaluating", "award", OPERATOR): "awarded",
    ("evaluating", "decline_all", POSTER): "not_awarded",  # the bounty is refunded
    ("evaluating", "decline_all", OPERATOR): "not_awarded",
    # Withdrawn: before funding nothing moves; after it the bounty is refunded.
    ("draft", "withdraw", POSTER): "withdrawn",
    ("rejected", "withdraw", POSTER): "withdrawn",
    ("pending_review", "withdraw", POSTER): "withdrawn",
    ("awaiting_funding", "withdraw", POSTER): "withdrawn",
    ("open", "withdraw", POSTER): "withdrawn",
    ("open", "withdraw", OPERATOR): "withdrawn",
    ("evaluating", "withdraw", POSTER): "withdrawn",
    ("evaluating", "withdraw", OPERATOR): "withdrawn",
}

CHALLENGE_WORDS = {
    "name": _l("challenge"),
    "state": {
        "draft": _l("draft"),
        "pending_review": _l("pending review"),
        "rejected": _l("rejected"),
        "awaiting_funding": _l("awaiting funding"),
        "open": _l("open for proposals"),
        "evaluating": _l("under evaluation"),
        "awarded": _l("awarded"),
        "not_awarded": _l("not awarded"),
        "withdrawn": _l("withdrawn"),
    },
    "action": {
        "edit": _l("edit"),
        "submit": _l("submit for review"),
        "approve": _l("approve"),
        "reject": _l("reject"),
        "fund": _l("fund"),
        "close_proposals": _l("close proposals"),
        "award": _l("award"),
        "decline_all": _l("award nobody"),
        "withdraw": _l("withdraw"),
    },
    "role": {
        POSTER: _l("posting organization"),
        OPERATOR: _l("operator"),
        SYSTEM: _l("platform"),
        SOLVER: _l("proposing organization"),
    },
}

CHALLENGE: Lifecycle[Challenge] = Lifecycle(
    "challenge",
    "state",
    CHALLENGE_TRANSITIONS,
    initial=("draft",),
    code="challenge_state",
    words=CHALLENGE_WORDS,
)
EDITABLE_STATES = CHALLENGE.sources("edit")
# Shown in the public hall.
PUBLIC_STATES = ("open", "evaluating", "awarded", "not_awarded")
# The ledger holds the bounty in these states.
FUNDED_STATES = ("open", "evaluating")

PROPOSAL_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("submitted", "shortlist", POSTER): "shortlisted",
    ("submitted", "award", POSTER): "awarded",
    ("shortlisted", "award", POSTER): "awarded",
    ("submitted", "not_award", POSTER): "not_awarded",  # with a written reason
    ("shortlisted", "not_award", POSTER): "not_awarded",
    # The challenge was withdrawn or nobody was awarded: the reason is the poster's.
    ("submitted", "not_award", SYSTEM): "not_awarded",
    ("shortlisted", "not_award", SYSTEM): "not_awarded",
}

PROPOSAL: Lifecycle[ChallengeProposal] = Lifecycle(
    "proposal",
    "state",
    PROPOSAL_TRANSITIONS,
    initial=("submitted",),
    code="proposal_state",
    words={
        "name": _l("proposal"),
        "state": {
            "submitted": _l("submitted"),
            "shortlisted": _l("shortlisted"),
            "awarded": _l("awarded"),
            "not_awarded": _l("not awarded"),
        },
        "action": {
            "shortlist": _l("shortlist"),
            "award": _l("award"),
            "not_award": _l("not award"),
        },
        "role": CHALLENGE_WORDS["role"],
    },
)
