"""The deal domain's words: labels of its states, roles, timeline actions, milestone
states, dispute outcomes and payouts (pages show them; refusal messages name them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from marketplace.core.messages import OneOf, Term

# What the rows are called in refusals ("Cannot … a deal that is …").
NAMES: dict[str, Any] = {"deal": _l("deal"), "milestone": _l("milestone")}

LABELS: dict[str, dict[str, Any]] = {
    "state": {
        "inquiry": _l("Inquiry"),
        "negotiating": _l("Negotiating"),
        "agreed": _l("Contract agreed"),
        "funded": _l("Escrow funded"),
        "in_progress": _l("In progress"),
        "disputed": _l("In dispute"),
        "resolved": _l("Dispute resolved"),
        "completed": _l("Completed"),
        "cancelled": _l("Cancelled"),
    },
    "role": {
        "buyer": _l("Buyer"),
        "supplier": _l("Supplier"),
        "operator": _l("Operator"),
        "system": _l("Platform"),
        "broker": _l("Broker"),
    },
    "action": {
        "open": _l("opened the inquiry"),
        "propose_terms": _l("proposed contract terms"),
        "confirm_terms": _l("confirmed the contract terms"),
        "agree": _l("both parties confirmed: the contract is agreed"),
        "request_funding": _l("asked for payment instructions"),
        "confirm_funding": _l("confirmed the payment: escrow funded"),
        "start_work": _l("started delivery"),
        "deliver_milestone": _l("delivered a milestone"),
        "reject_milestone": _l("rejected a delivery"),
        "acceptance_reminder": _l(
            "reminded the buyer: the delivery is accepted automatically in three days"
        ),
        "accept_milestone": _l("accepted a milestone: money released"),
        "dispute_milestone": _l("disputed a milestone"),
        "resolve_dispute": _l("resolved the dispute"),
        "complete": _l("every milestone is settled: deal completed"),
        "cancel": _l("cancelled the deal"),
        "request_cancellation": _l("requested cancellation"),
        "propose_cancellation": _l("proposed to cancel the deal"),
        "accept_cancellation": _l("accepted the cancellation proposal"),
        "decline_cancellation": _l("declined the cancellation proposal"),
        "withdraw_cancellation": _l("withdrew the cancellation proposal"),
        "cancellation_lapsed": _l("the cancellation proposal lapsed unanswered"),
        "cancellation_cleared": _l(
            "the cancellation proposal no longer stands (a release, an acceptance or a"
            " dispute followed it)"
        ),
        "cancel_by_agreement": _l("both parties agreed: deal cancelled"),
        "payout_executed": _l("executed a payout"),
        "broker_invited": _l("invited a broker"),
        "broker_assigned": _l("the broker joined the deal"),
        "broker_declined": _l("the invited broker declined"),
        "broker_invitation_withdrawn": _l("withdrew the broker invitation"),
        "broker_release_consent": _l("consented to release the broker"),
        "broker_released": _l("both parties consented: the broker left the deal"),
    },
    # The deal's actions as verbs, for refusals ("Only the buyer may accept a milestone").
    "verb": {
        "propose_terms": _l("propose terms"),
        "confirm_terms": _l("confirm the terms"),
        "agree": _l("agree the contract"),
        "request_funding": _l("request payment instructions"),
        "confirm_funding": _l("confirm the funding"),
        "start_work": _l("start the work"),
        "deliver_milestone": _l("deliver a milestone"),
        "accept_milestone": _l("accept a milestone"),
        "reject_milestone": _l("reject a delivery"),
        "dispute_milestone": _l("dispute a milestone"),
        "resolve_dispute": _l("resolve the dispute"),
        "complete": _l("complete the deal"),
        "cancel": _l("cancel the deal"),
        "request_cancellation": _l("request cancellation"),
        "propose_cancellation": _l("propose cancellation"),
        "accept_cancellation": _l("accept the cancellation"),
        "decline_cancellation": _l("decline the cancellation"),
        "withdraw_cancellation": _l("withdraw the cancellation proposal"),
        "cancel_by_agreement": _l("cancel the deal by agreement"),
    },
    "milestone_verb": {
        "deliver": _l("deliver the milestone"),
        "accept": _l("accept the milestone"),
        "reject": _l("reject the delivery"),
        "dispute": _l("dispute the milestone"),
        "resolve": _l("resolve the milestone's dispute"),
        "cancel": _l("cancel the milestone"),
    },
    "milestone": {
        "pending": _l("Awaiting delivery"),
        "delivered": _l("Delivered, awaiting acceptance"),
        # 验收 (a milestone accepted as delivered), not 接受 (an offer accepted).
        "accepted": lazy_pgettext("milestone", "Accepted"),
        "disputed": _l("In dispute"),
        "resolved": _l("Resolved by arbitration"),
        "cancelled": _l("Cancelled"),
    },
    "resolution": {
        "release": _l("Release to the supplier"),
        "refund": _l("Refund to the buyer"),
        "split": _l("Split: release part, refund the rest"),
    },
    "payout": {
        "release": _l("Release to the supplier"),
        "refund": _l("Refund to the buyer"),
        "commission": _l("Commission to the broker"),
    },
}


def label(vocabulary: str, code: str | None) -> str:
    """The label of a code in the current language, or the code itself if unknown."""
    return str(LABELS[vocabulary].get(code, code)) if code else ""


def term(vocabulary: str, code: str, *, text: str | None = None) -> Term:
    """A code as a message parameter: the code (or ``text``) in English messages, its
    label on pages."""
    return Term(text or code, LABELS[vocabulary].get(code, code))


def roles(codes: Iterable[str]) -> OneOf:
    """ "buyer or supplier" in a message; "买方或供方" on a Chinese page."""
    return OneOf(term("role", code) for code in codes)
