"""What a notification of a deal, broker or review event says, and where it leads.

The row keeps the facts (``payload``: the deal's title, who acted, which milestone, the
reason given); the words are chosen here in the reader's language when the list is shown
or the mail is written. Each kind leads to the page where the reader acts on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from marketplace.core import localtime
from marketplace.core.money import format_money

Payload = dict[str, Any]

TITLES: dict[str, Callable[[Payload], str]] = {
    "deal_opened": lambda p: _("New inquiry: “%(deal)s”", deal=p.get("deal", "")),
    "deal_message": lambda p: _("New message in “%(deal)s”", deal=p.get("deal", "")),
    "terms_proposed": lambda p: _(
        "Terms version %(number)s proposed for “%(deal)s”: please read and confirm",
        number=p.get("terms_version", ""),
        deal=p.get("deal", ""),
    ),
    "terms_confirmed": lambda p: _(
        "The other party confirmed the terms of “%(deal)s”: your confirmation is awaited",
        deal=p.get("deal", ""),
    ),
    "terms_agreed": lambda p: _("The terms of “%(deal)s” are agreed", deal=p.get("deal", "")),
    "deal_funded": lambda p: _(
        "The escrow of “%(deal)s” is funded: work can start", deal=p.get("deal", "")
    ),
    "milestone_delivered": lambda p: _(
        "Milestone %(position)s of “%(deal)s” was delivered: please accept or reject it",
        position=p.get("position", ""),
        deal=p.get("deal", ""),
    ),
    "milestone_rejected": lambda p: _(
        "Milestone %(position)s of “%(deal)s” was rejected: please deliver again",
        position=p.get("position", ""),
        deal=p.get("deal", ""),
    ),
    "milestone_accepted": lambda p: _(
        "Milestone %(position)s of “%(deal)s” was accepted and its amount released",
        position=p.get("position", ""),
        deal=p.get("deal", ""),
    ),
    "acceptance_due": lambda p: _(
        "Milestone %(position)s of “%(deal)s” will be accepted automatically soon",
        position=p.get("position", ""),
        deal=p.get("deal", ""),
    ),
    "dispute_opened": lambda p: _(
        "Milestone %(position)s of “%(deal)s” is disputed",
        position=p.get("position", ""),
        deal=p.get("deal", ""),
    ),
    "dispute_resolved": lambda p: _(
        "The dispute over milestone %(position)s of “%(deal)s” is resolved",
        position=p.get("position", ""),
        deal=p.get("deal", ""),
    ),
    "cancel_proposed": lambda p: _(
        "Cancellation of “%(deal)s” proposed: please accept or decline",
        deal=p.get("deal", ""),
    ),
    "cancel_accepted": lambda p: _(
        "Cancellation of “%(deal)s” accepted: the deal is cancelled", deal=p.get("deal", "")
    ),
    "cancel_declined": lambda p: _(
        "Cancellation of “%(deal)s” declined: the deal goes on", deal=p.get("deal", "")
    ),
    "deal_cancelled": lambda p: _("“%(deal)s” was cancelled", deal=p.get("deal", "")),
    "deal_completed": lambda p: _("“%(deal)s” is completed", deal=p.get("deal", "")),
    "payout_executed": lambda p: _(
        "%(amount)s paid out for “%(deal)s”",
        amount=format_money(int(p.get("amount") or 0), p.get("currency") or "CNY"),
        deal=p.get("deal", ""),
    ),
    "broker_invited": lambda p: _(
        "You are invited to broker “%(deal)s”: please accept or decline", deal=p.get("deal", "")
    ),
    "broker_joined": lambda p: _(
        "Broker %(broker)s joined “%(deal)s”", broker=p.get("actor", ""), deal=p.get("deal", "")
    ),
    "mediation_offered": lambda p: _(
        "Broker %(broker)s offers to mediate “%(item)s”: please accept or decline",
        broker=p.get("actor", ""),
        item=p.get("item", ""),
    ),
    "mediation_answered": lambda p: (
        _("Your offer to mediate “%(item)s” was accepted", item=p.get("item", ""))
        if p.get("accepted")
        else _("Your offer to mediate “%(item)s” was declined", item=p.get("item", ""))
    ),
    "outbid": lambda p: _(
        "You were outbid on “%(item)s”: the price is now %(price)s",
        item=p.get("item", ""),
        price=format_money(int(p.get("amount") or 0), p.get("currency") or "CNY"),
    ),
    "item_approved": lambda p: _("“%(item)s” is approved and published", item=p.get("item", "")),
    "item_rejected": lambda p: _(
        "“%(item)s” was not approved: please fix it and submit it again", item=p.get("item", "")
    ),
    "challenge_approved": lambda p: _(
        "Your challenge “%(challenge)s” is approved: pay the bounty into escrow to open it",
        challenge=p.get("challenge", ""),
    ),
    "challenge_rejected": lambda p: _(
        "Your challenge “%(challenge)s” was not approved: please fix it and submit it again",
        challenge=p.get("challenge", ""),
    ),
    "challenge_question": lambda p: _(
        "The poster of “%(challenge)s” asks about your proposal", challenge=p.get("challenge", "")
    ),
    "challenge_answer": lambda p: _(
        "%(org)s answered your question on “%(challenge)s”",
        org=p.get("organization", ""),
        challenge=p.get("challenge", ""),
    ),
    "challenge_outcome": lambda p: (
        _("Your proposal for “%(challenge)s” is awarded", challenge=p.get("challenge", ""))
        if p.get("outcome") == "awarded"
        else _("Your proposal for “%(challenge)s” was not chosen", challenge=p.get("challenge", ""))
    ),
    "challenge_match": lambda p: _(
        "You may be able to solve the challenge “%(challenge)s”", challenge=p.get("challenge", "")
    ),
    "voucher_granted": lambda p: _(
        "Your innovation voucher application to “%(programme)s” is granted: %(amount)s",
        programme=p.get("programme", ""),
        amount=format_money(int(p.get("amount") or 0), p.get("currency") or "CNY"),
    ),
    "voucher_refused": lambda p: _(
        "Your innovation voucher application to “%(programme)s” was refused",
        programme=p.get("programme", ""),
    ),
}


def title(kind: str, payload: Payload) -> str:
    return TITLES[kind](payload)


def body(kind: str, payload: Payload) -> str:
    """The second line: who acted and what they said (a reason, a note, a message)."""
    if kind == "challenge_match":
        return _challenge_match_body(payload)
    said = payload.get("text") or ""
    who = payload.get("actor") or ""
    if who and said:
        return _("%(who)s: %(text)s", who=who, text=said)
    if who:
        return _("By %(who)s", who=who)
    return said


def _challenge_match_body(p: Payload) -> str:
    try:
        deadline = localtime.local(datetime.fromisoformat(p.get("deadline") or "")).strftime(
            "%Y-%m-%d %H:%M"
        )
    except (TypeError, ValueError):
        deadline = ""
    return _(
        "Bounty %(bounty)s, proposals until %(deadline)s. Your listings that match it: "
        "%(listings)s",
        bounty=format_money(int(p.get("bounty") or 0), p.get("currency") or "CNY"),
        deadline=deadline,
        listings="、".join(p.get("listings") or []),
    )


def target(
    kind: str,
    *,
    deal_id: int | None,
    listing_id: int | None,
    demand_id: int | None,
    payload: Payload | None = None,
):
    """(endpoint, values) of the page where the reader acts on this kind."""
    if kind == "outbid" and payload and payload.get("lot_id"):
        return "views.auction_lot", {"lot_id": payload["lot_id"]}
    if kind == "challenge_match" and payload and payload.get("challenge_id"):
        return "views.challenge_detail", {"challenge_id": payload["challenge_id"]}
    if kind.startswith("challenge_"):
        return "views.my_challenges", {}
    if kind.startswith("voucher_"):
        return "views.my_vouchers", {}
    if kind == "broker_invited":
        return "views.my_broker_profile", {}
    if kind in ("mediation_offered", "mediation_answered"):
        return "views.mediation_offers", {}
    if deal_id is not None:
        return "views.deal", {"deal_id": deal_id}
    if listing_id is not None:
        return "views.listing_detail", {"item_id": listing_id}
    return "views.demand_detail", {"item_id": demand_id}
