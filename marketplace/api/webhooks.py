"""Stripe webhooks: POST /api/v1/payments/stripe/webhook.

No login and no CSRF token: the request is authenticated by its Stripe-Signature header,
checked by the stripe library with the signing secret (STRIPE_WEBHOOK_SECRET) and its
default tolerance. A bad or stale signature is a 400 and changes nothing. What each event
does, and the rules for repeats and out-of-order delivery, are in
marketplace/services/stripe_events.py.
"""

from __future__ import annotations

import json

from flask import current_app, request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields
from stripe import SignatureVerificationError

from marketplace.extensions import db
from marketplace.schemas.common import ApiError
from marketplace.services.stripe_events import receive
from payments.stripe_provider import verify_event


class WebhookReceipt(Schema):
    received = fields.Boolean(required=True)
    duplicate = fields.Boolean(required=True, metadata={"description": "Seen before."})
    status = fields.String(required=True, metadata={"description": "What became of it."})


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "stripe_webhooks",
        __name__,
        url_prefix="/api/v1/payments/stripe",
        description="Stripe webhooks (signed by Stripe; no login)",
    )

    @blp.route("/webhook", methods=["POST"])
    @blp.doc(security=[])
    @blp.response(200, WebhookReceipt)
    @blp.alt_response(400, schema=ApiError, description="Bad or stale signature")
    @blp.alt_response(404, schema=ApiError, description="Webhooks are not configured")
    def webhook():
        """Stripe calls this; the Stripe-Signature header authenticates the request."""
        secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
        if not secret:
            abort(404, message="Stripe webhooks are not configured.")
        body = request.get_data()
        try:
            verify_event(body, request.headers.get("Stripe-Signature"), secret)
        except (ValueError, SignatureVerificationError) as exc:
            abort(400, message=f"Invalid Stripe webhook: {exc}")
        payload = json.loads(body)
        row, new = receive(db.session, payload)
        db.session.commit()
        return {"received": True, "duplicate": not new, "status": row.status}

    return blp
