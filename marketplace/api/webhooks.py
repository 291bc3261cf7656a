"""Stripe webhooks: POST /api/v1/payments/stripe/webhook.

No login and no CSRF token: the request is authenticated by its Stripe-Signature header,
checked by the stripe library with the signing secret (STRIPE_WEBHOOK_SECRET) and its
default tolerance. A bad or stale signature is a 400 and changes nothing. What each event
does, and the rules for repeats and out-of-order delivery, are in
marketplace/services/stripe_events.py.
"""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint, abort
from marshmallow import INCLUDE, Schema, fields, validate
from stripe import SignatureVerificationError

from marketplace.deals.stripe_events import HANDLERS, receive
from marketplace.extensions import db
from marketplace.schemas.common import ApiError
from payments.stripe_provider import verify_event


class WebhookReceipt(Schema):
    received = fields.Boolean(required=True)
    duplicate = fields.Boolean(required=True, metadata={"description": "Seen before."})
    status = fields.String(required=True, metadata={"description": "What became of it."})


class _EventData(Schema):
    class Meta:
        unknown = INCLUDE

    object = fields.Dict(required=True)


class StripeEventEnvelope(Schema):
    """What receive() reads from a verified event; everything else is kept as sent."""

    class Meta:
        unknown = INCLUDE

    id = fields.String(required=True, validate=validate.Length(min=1, max=255))
    type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data = fields.Nested(_EventData, required=True)


# The request body, for the document: a Stripe Event. The types acted on are listed (so a
# generator reaches their handlers); any other type is recorded and ignored.
EVENT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["id", "type", "data"],
                "properties": {
                    "id": {"type": "string", "minLength": 1, "maxLength": 255},
                    "type": {
                        "anyOf": [
                            {"type": "string", "enum": sorted(HANDLERS)},
                            {"type": "string", "minLength": 1, "maxLength": 100},
                        ]
                    },
                    "data": {
                        "type": "object",
                        "required": ["object"],
                        "properties": {
                            "object": {
                                "type": "object",
                                "description": "A PaymentIntent or a Charge.",
                                "properties": {
                                    "id": {"type": "string"},
                                    "amount": {"type": "integer"},
                                    "amount_received": {"type": "integer"},
                                    "payment_intent": {"type": "string"},
                                    "metadata": {
                                        "type": "object",
                                        "properties": {"deal_id": {"type": "string"}},
                                    },
                                },
                            }
                        },
                    },
                },
            }
        }
    },
}


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "stripe_webhooks",
        __name__,
        url_prefix="/api/v1/payments/stripe",
        description="Stripe webhooks (signed by Stripe; no login)",
    )

    @blp.route("/webhook", methods=["POST"])
    @blp.doc(security=[], requestBody=EVENT_BODY)
    @blp.response(200, WebhookReceipt)
    @blp.alt_response(400, schema=ApiError, description="Bad signature, or not an event")
    @blp.alt_response(404, schema=ApiError, description="Webhooks are not configured")
    def webhook():
        """Stripe calls this; the Stripe-Signature header authenticates the request."""
        secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
        if not secret:
            abort(404, message="Stripe webhooks are not configured.")
        body = request.get_data()
        try:
            payload = verify_event(body, request.headers.get("Stripe-Signature"), secret)
        except (ValueError, SignatureVerificationError) as exc:
            abort(400, message=f"Invalid Stripe webhook: {exc}")
        errors = StripeEventEnvelope().validate(payload)
        if errors:
            # Signed, so from Stripe, yet not an event: retrying will not change the answer.
            abort(400, message="Not a Stripe event.", messages={"json": errors})
        row, new = receive(db.session, payload)
        return {"received": True, "duplicate": not new, "status": row.status}

    return blp
