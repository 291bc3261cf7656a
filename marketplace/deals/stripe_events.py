"""Stripe webhook events: what each verified event does (the endpoint is api/webhooks.py).

No login and no CSRF token: the request is authenticated by its Stripe-Signature header,
checked by the stripe library with the signing secret (STRIPE_WEBHOOK_SECRET) and its
default tolerance. A bad or stale signature is a 400 and changes nothing.

Each event id is recorded once (a unique constraint); a repeated delivery answers 200
and changes nothing. What the events do:

- payment_intent.succeeded: funds the deal named in the PaymentIntent's metadata (the
  deal service posts once per funding reference, as the system role). A PaymentIntent
  whose metadata names a ``purpose`` instead (an auction deposit) goes to the handler a
  higher domain registered for it with ``register_purpose`` at app start (this module
  imports no domain above deals); an unknown purpose is ignored.
- payment_intent.payment_failed: noted on the funding (``client_data.last_payment_error``)
  and on the deal's timeline; no money moves.
- charge.refunded: refunds are posted to the ledger when the platform asks for them (the
  provider's refund call), so this event only checks that Stripe agrees: every refund it
  lists must be one the platform asked for. One that is not (made in the Stripe dashboard)
  is left to an operator (status ``needs_operator``): the ledger moves only through the deal
  services.

Out-of-order rule: an event about a payment whose funding is not confirmed yet (a refund
before its payment_intent.succeeded) is stored as ``deferred`` and applied right after
that payment funds the deal, so the end state does not depend on delivery order.

An event that verifies but cannot be applied (a payment for a cancelled deal, an amount
that is not the contract's) is recorded as ``needs_operator`` and answered 200: Stripe's
retries would not change the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.core.errors import Conflict, Invalid, NotFound
from marketplace.core.locking import begin_write
from marketplace.core.uow import unit_of_work
from marketplace.deals import escrow as deal_money
from marketplace.deals import machine as deals
from marketplace.models import Deal, Funding, StripeRequest, StripeWebhookEvent
from marketplace.models.types import utcnow
from payments.stripe_provider import object_id

log = logging.getLogger(__name__)
Outcome = tuple[str, str]  # (status, note)


def _payment_intent_of(event_type: str, obj: dict[str, Any]) -> str:
    if event_type.startswith("payment_intent."):
        return object_id(obj.get("id"))[:255]
    return object_id(obj.get("payment_intent"))[:255]


def _funding(session: Session, payment_intent: str) -> Funding | None:
    return session.scalar(
        select(Funding).where(Funding.provider == "stripe", Funding.reference == payment_intent)
    )


# What a succeeded PaymentIntent with metadata "purpose" pays for, by purpose: each
# handler receives the verified PaymentIntent and answers (status, note) like the
# handlers below; it must be idempotent on the intent's id.
PURPOSES: dict[str, Callable[[Session, dict[str, Any]], Outcome]] = {}


def register_purpose(purpose: str, handler: Callable[[Session, dict[str, Any]], Outcome]) -> None:
    PURPOSES[purpose] = handler


def payment_succeeded(session: Session, intent: dict[str, Any]) -> Outcome:
    purpose = (intent.get("metadata") or {}).get("purpose")
    if purpose:
        handler = PURPOSES.get(purpose)
        if handler is None:
            return "ignored", f"No handler for the purpose {purpose!r}."
        return handler(session, intent)
    deal_id = (intent.get("metadata") or {}).get("deal_id")
    if not deal_id:
        return "ignored", "No deal in the PaymentIntent's metadata."
    # amount_received is what was captured; localstripe leaves it out (then: amount).
    amount = intent.get("amount_received") or intent["amount"]
    deal_money.funding_succeeded(session, int(deal_id), reference=intent["id"], amount=amount)
    replayed = _apply_deferred(session, intent["id"])
    return "processed", f"Funded; {replayed} deferred event(s) applied." if replayed else ""


def payment_failed(session: Session, intent: dict[str, Any]) -> Outcome:
    funding = _funding(session, intent["id"])
    if funding is None:
        return "ignored", "No funding of ours has this PaymentIntent."
    error = intent.get("last_payment_error") or {}
    detail = {
        "code": error.get("code") or "",
        "decline_code": error.get("decline_code") or "",
        "message": error.get("message") or "The payment failed.",
    }
    # A new dict: the JSON column notices assignment, not mutation.
    funding.client_data = {**(funding.client_data or {}), "last_payment_error": detail}
    deal = session.get(Deal, funding.deal_id)
    deals.record(
        session, deal, "payment_failed", deals.SYSTEM, None, detail={"reference": funding.reference}
    )
    return "processed", detail["message"]


def charge_refunded(session: Session, charge: dict[str, Any]) -> Outcome:
    intent = object_id(charge.get("payment_intent"))
    funding = _funding(session, intent)
    if funding is None:
        return "ignored", "No funding of ours has this PaymentIntent."
    if funding.status != "confirmed":
        return "deferred", "The payment is not confirmed yet; applied when it is."
    ours = dict(
        session.execute(
            select(StripeRequest.object_id, StripeRequest.amount).where(
                StripeRequest.kind == "refund",
                StripeRequest.payment_intent == intent,
                StripeRequest.object_id != "",
            )
        ).all()
    )
    listed = [r["id"] for r in (charge.get("refunds") or {}).get("data") or []]
    unknown = [r for r in listed if r not in ours]
    if unknown:
        return "needs_operator", f"Refunds the platform did not ask for: {', '.join(unknown)}."
    if (charge.get("amount_refunded") or 0) > sum(ours.values()):
        return (
            "needs_operator",
            f"Stripe shows {charge['amount_refunded']} refunded, the platform asked for "
            f"{sum(ours.values())}.",
        )
    return "processed", "Matches the refunds already posted."


HANDLERS = {
    "payment_intent.succeeded": payment_succeeded,
    "payment_intent.payment_failed": payment_failed,
    "charge.refunded": charge_refunded,
}


def _apply(session: Session, row: StripeWebhookEvent) -> None:
    handler = HANDLERS.get(row.type)
    if handler is None:
        row.status, row.note = "ignored", ""
    else:
        try:
            with session.begin_nested():  # a refused event leaves nothing behind
                row.status, row.note = handler(session, row.payload["data"]["object"])
        except (Conflict, Invalid, NotFound) as exc:
            row.status = "needs_operator"
            row.note = f"{exc.message} {exc.fields or ''}".strip()
            log.warning("Stripe event %s not applied: %s", row.event_id, row.note)
        except (KeyError, TypeError, ValueError) as exc:
            # Signed by Stripe, yet its object is not in the shape this code reads (a field
            # missing, or of another type): kept for an operator, never a 500 that Stripe
            # would retry for days.
            row.status = "needs_operator"
            row.note = f"The event's object could not be read: {exc!r}"
            # With the traceback: the same exceptions from a bug of ours must be found.
            log.exception("Stripe event %s not readable: %s", row.event_id, row.note)
    row.processed_at = utcnow() if row.status != "deferred" else None


def _apply_deferred(session: Session, payment_intent: str) -> int:
    waiting = session.scalars(
        select(StripeWebhookEvent)
        .where(
            StripeWebhookEvent.payment_intent == payment_intent,
            StripeWebhookEvent.status == "deferred",
        )
        .order_by(StripeWebhookEvent.id)
    ).all()
    for row in waiting:
        _apply(session, row)
    return len(waiting)


@unit_of_work
def receive(session: Session, payload: dict[str, Any]) -> tuple[StripeWebhookEvent, bool]:
    """Record a verified event once and apply it; returns (row, newly recorded)."""
    begin_write(session)
    row = StripeWebhookEvent(
        event_id=payload["id"],
        type=payload["type"],
        payment_intent=_payment_intent_of(payload["type"], payload["data"]["object"]),
        status="ignored",
        payload=payload,
        received_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # Delivered before (maybe concurrently): nothing more to do. The SAVEPOINT is rolled
        # back; the unit of work ends the transaction, which holds nothing.
        found = session.scalars(
            select(StripeWebhookEvent).where(StripeWebhookEvent.event_id == payload["id"])
        ).one()
        return found, False
    _apply(session, row)
    return row, True


def event_counts(session: Session) -> dict[str, int]:
    """Recorded events by status (for tests and the back office)."""
    rows = session.execute(
        select(StripeWebhookEvent.status, func.count()).group_by(StripeWebhookEvent.status)
    )
    return {status: int(n) for status, n in rows}
