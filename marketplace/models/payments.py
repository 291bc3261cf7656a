"""What the platform said to Stripe and what Stripe told it back.

``StripeRequest``: one row per POST the app makes to Stripe (a PaymentIntent, a Refund, a
Connect Transfer), keyed by our own idempotency key. Stripe honours idempotency keys for
24 hours only, and the local fake (localstripe) not at all, so the unique key here is what
guarantees that one money event makes one Stripe object.

``StripeWebhookEvent``: every verified webhook event, once (the event id is unique), with
what became of it. A repeated delivery finds its row and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.outbox import BigId
from marketplace.models.types import JSONList, TZDateTime, in_list, utcnow

REQUEST_KINDS = ("payment_intent", "refund", "transfer")
# processed: applied; deferred: waits for its payment (see api/webhooks.py);
# ignored: nothing to do; needs_operator: verified but not applied automatically.
EVENT_STATUSES = ("processed", "deferred", "ignored", "needs_operator")


class StripeRequest(db.Model):
    __tablename__ = "stripe_request"
    __table_args__ = (
        CheckConstraint(in_list("kind", REQUEST_KINDS), name="kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    # None for a payment without a deal (an auction deposit paid by card).
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deal.id", ondelete="CASCADE"), index=True
    )
    # The PaymentIntent the request is about (its own id for a payment_intent request,
    # the refunded one for a refund; "" for a transfer).
    payment_intent: Mapped[str] = mapped_column(String(255), default="", index=True)
    # The id Stripe gave the created object; "" until Stripe answered.
    object_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class StripeWebhookEvent(db.Model):
    __tablename__ = "stripe_webhook_event"
    __table_args__ = (CheckConstraint(in_list("status", EVENT_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    # The PaymentIntent the event concerns, to find deferred events when it succeeds.
    payment_intent: Mapped[str] = mapped_column(String(255), default="", index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONList)
