"""The app's payment gateway (payments/), built once per app from its configuration, with
the Stripe provider's request log kept in the ``stripe_request`` table of this database."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

import payments
from marketplace.extensions import db
from marketplace.models.payments import StripeRequest


class StripeRequestLog:
    """payments.RequestLog on the request's database session (same transaction as the
    money event it belongs to)."""

    def find(self, key: str) -> StripeRequest | None:
        return db.session.scalar(select(StripeRequest).where(StripeRequest.idempotency_key == key))

    def add(
        self, key: str, kind: str, deal_id: int | None, amount: int, currency: str, **fields: str
    ) -> StripeRequest:
        row = StripeRequest(
            idempotency_key=key,
            kind=kind,
            deal_id=deal_id,
            amount=amount,
            currency=currency,
            **fields,
        )
        db.session.add(row)
        db.session.flush()  # the unique key: a concurrent twin fails here
        return row

    def refunds_asked(self, payment_intent: str) -> int:
        asked = db.session.scalar(
            select(func.coalesce(func.sum(StripeRequest.amount), 0)).where(
                StripeRequest.kind == "refund",
                StripeRequest.payment_intent == payment_intent,
                StripeRequest.object_id != "",
            )
        )
        return int(asked or 0)


def gateway_for(app: Flask) -> payments.Gateway:
    """The app's payment providers, built once from its configuration and kept with it."""
    found = app.extensions.get("payments_gateway")
    if found is None:
        found = app.extensions["payments_gateway"] = payments.gateway_from_config(
            app.config, requests=StripeRequestLog()
        )
    return found
