"""Deal pages' words: labels for states, roles and events, service messages in the
user's language (with the values some of them carry), and the small helpers every deal
page uses to turn a service error into form messages or flashes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import flash, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError

from marketplace.core.errors import DomainError, NotFound
from marketplace.deals import machine as deals
from marketplace.extensions import db
from marketplace.models import Deal
from marketplace.views.base import actor, bp, field_errors, money
from marketplace.views.messages import N_, localize

Errors = dict[str, list[str]]

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
            "the cancellation proposal no longer stands (a release, an acceptance or a dispute followed it)"
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
    "milestone": {
        "pending": _l("Awaiting delivery"),
        "delivered": _l("Delivered, awaiting acceptance"),
        "accepted": _l("Accepted"),
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

# Service messages without values, so that `pybabel extract` finds them (see messages.py).
MESSAGES = (
    N_("No terms have been proposed yet."),
    N_("Write something."),
    N_("Say what is wrong with the delivery; the operator reads it."),
    N_("An arbitrated cancellation needs a reason."),
    N_("Say why you propose to cancel; the other party reads it."),
    N_("Say what you deliver; the buyer reads it before accepting."),
    N_("Say what is missing or wrong; the supplier reads it."),
    N_("Your cancellation proposal is already waiting for an answer."),
    N_(
        "There is no open cancellation proposal: it was answered, withdrawn, has "
        "lapsed, or a release, an acceptance or a dispute since cleared it."
    ),
    N_("Only the party that proposed the cancellation may withdraw it."),
    N_("The other party answers your cancellation proposal; you may withdraw it."),
    N_("No funding request of this deal has this reference."),
    N_("The bank transfer's reference."),
    N_("Only enterprise members open a deal on a listing."),
    N_("Only members of a university or institute answer a demand."),
    N_("You cannot open a deal on your own organization's item."),
    N_("Only operators confirm bank transfers."),
    N_("Only operators handle payouts."),
    N_("At least one milestone."),
    N_("Every milestone has a positive amount."),
    N_("Every milestone has a title."),
    N_("The deal has no agreed terms."),
    N_("The deal has no confirmed funding."),
)


@bp.app_template_global()
def deal_label(vocabulary: str, code: str | None) -> str:
    return str(LABELS[vocabulary].get(code, code)) if code else ""


@bp.app_template_filter("when")
def when(value) -> str:
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def _who(text: str) -> str:
    roles = [deal_label("role", r) for r in text.split(" or ")]
    return _(" or ").join(roles)


def _pattern(regex: str, render: Callable[..., str]) -> tuple[re.Pattern, Callable[..., str]]:
    return re.compile(regex), render


# Deal messages that carry values (amounts in minor units, states, roles): rebuilt here.
PATTERNS = (
    _pattern(
        r"^The milestone amounts sum to (?P<total>\d+), not to the price (?P<price>\d+)\.$",
        lambda total, price: _(
            "The milestone amounts add up to %(total)s, not to the price %(price)s.",
            total=money(int(total)),
            price=money(int(price)),
        ),
    ),
    _pattern(
        r"^The contract amount is (?P<expected>\d+) (?P<cur>\w+); (?P<given>\d+) does not fund it\.",
        lambda expected, cur, given: _(
            "The contract amount is %(expected)s; %(given)s does not fund it. Return the "
            "transfer or ask for the difference.",
            expected=money(int(expected), cur),
            given=money(int(given), cur),
        ),
    ),
    _pattern(
        r"^A split releases more than 0 and less than (?P<amount>\d+)\.$",
        lambda amount: _(
            "A split releases more than 0 and less than %(amount)s.", amount=money(int(amount))
        ),
    ),
    _pattern(
        r"^Cannot (?P<action>\w+) a deal that is (?P<state>\w+)\.",
        lambda action, state: _(
            "This is not possible while the deal is “%(state)s”.", state=deal_label("state", state)
        ),
    ),
    _pattern(
        r"^Only the (?P<who>[a-z ]+?) may (?P<action>\w+)(?: now)?\.",
        lambda who, action: _("Only the %(who)s may do this now.", who=_who(who)),
    ),
    _pattern(
        r"^These are not the current terms: version (?P<number>\d+) ",
        lambda number: _(
            "These are not the current terms: version %(number)s replaced them. Read it and "
            "confirm again.",
            number=number,
        ),
    ),
    _pattern(
        r"^Milestone (?P<position>\d+) is (?P<state>\w+), not [\w ]+\.$",
        lambda position, state: _(
            "Milestone %(position)s is “%(state)s”: this step is not possible now.",
            position=position,
            state=deal_label("milestone", state),
        ),
    ),
    _pattern(
        r"^Payout (?P<payout>\d+) was already executed as (?P<reference>.+)\.$",
        lambda payout, reference: _(
            "Payout %(payout)s was already executed as %(reference)s.",
            payout=payout,
            reference=reference,
        ),
    ),
    _pattern(
        r"^Deals are opened on published items; this one is \w+\.$",
        lambda: _("Deals are opened on published items only."),
    ),
    _pattern(
        r"^No file (?P<id>\d+) in this deal\.$",
        lambda id: _("No file %(id)s in this deal.", id=id),
    ),
    _pattern(
        r"^The (?P<role>buyer|supplier) has proposed cancelling; ",
        lambda role: _(
            "The %(role)s has proposed cancelling; accept or decline that proposal.",
            role=deal_label("role", role),
        ),
    ),
    _pattern(r"^One of .*\.$", lambda: _("Choose one of the offered values.")),
)


def say(message: object) -> str:
    """A deal service message in the user's language."""
    text = str(message)
    for regex, render in PATTERNS:
        found = regex.match(text)
        if found:
            return render(**found.groupdict())
    return localize(text)


def errors_of(messages: Any) -> Errors:
    return {key: [say(m) for m in msgs] for key, msgs in field_errors(messages).items()}


def flash_error(exc: DomainError) -> None:
    for messages in errors_of(exc.fields).values() if exc.fields else [[say(exc.message)]]:
        for message in messages:
            flash(message, "error")


def load_form(schema: Schema, payload: dict[str, Any]) -> tuple[dict | None, Errors]:
    try:
        return schema.load(payload), {}
    except ValidationError as exc:
        return None, errors_of(exc.messages)


def client_ip() -> str | None:
    return request.remote_addr


def visible_deal(deal_id: int) -> Deal:
    """The deal, or a 404 that says so in the user's language (strangers included)."""
    try:
        return deals.get_deal(db.session, actor(), deal_id)
    except NotFound:
        raise NotFound(_("This deal does not exist, or you are not one of its parties.")) from None
