"""The Stripe provider: card funding with PaymentIntents, refunds with the Refund API,
releases with Connect transfers (or payout instructions when the supplier has no
connected account).

Every POST carries an idempotency key, and the key is also recorded in the platform's own
store (a ``RequestLog`` the app hands over: the ``stripe_request`` table, unique key)
before the request is sent: Stripe forgets keys after 24 hours
and the local fake (localstripe) ignores them, so our table is what makes one money event
one Stripe object. A key seen before is answered from the recorded Stripe id.

Refunds are limited twice: the deal service only refunds what escrow holds (the ledger),
and here the amount is checked against what the charge can still give back, from both our
records and Stripe's charge (localstripe would accept more than was charged).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import stripe

from payments.base import (
    Beneficiary,
    DealLike,
    FundingInstruction,
    PaymentProvider,
    PayoutResult,
    ProviderUnavailable,
    RequestLog,
    RequestRecord,
    bank_transfer_details,
)

# Refund statuses that mean Stripe took the refund; "failed"/"canceled" leave it to an operator.
REFUND_ACCEPTED = ("succeeded", "pending", "requires_action")


class RefundLimitExceeded(Exception):
    """A refund larger than what the charge can still give back (never sent to Stripe)."""


def _major(amount: int) -> str:
    whole, rest = divmod(amount, 100)
    return f"{whole:,}.{rest:02d}"


def object_id(value: Any) -> str:
    """An expandable field's id: Stripe sends an id, localstripe sometimes the object.
    Anything else (a field this code does not know in that shape) has no id: ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return ""


def verify_event(payload: bytes | str, signature: str | None, secret: str) -> dict[str, Any]:
    """The event as a dict, once its Stripe-Signature is checked (HMAC and the default
    5-minute tolerance). Raises stripe.SignatureVerificationError, or ValueError when the
    body is not UTF-8 or not a JSON object (the stripe library's own parser failed on a
    signed JSON array with an AttributeError: a 500)."""
    text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    stripe.WebhookSignature.verify_header(
        text, signature or "", secret, stripe.Webhook.DEFAULT_TOLERANCE
    )
    event = json.loads(text)
    if not isinstance(event, dict):
        raise ValueError("The event is not a JSON object.")
    return event


# Stripe could not be reached, failed on its side, or asked us to slow down: the request
# may or may not have taken effect, so nothing is recorded as done or refused.
UNCERTAIN = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)


def _uncertain_is_unavailable(method):
    @functools.wraps(method)
    def call(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except UNCERTAIN as exc:
            raise ProviderUnavailable(
                f"Stripe did not answer ({exc.__class__.__name__}); nothing was changed. "
                "Try again in a moment."
            ) from exc

    return call


class StripeProvider(PaymentProvider):
    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        *,
        requests: RequestLog,
        api_base: str = "",
        http_client: stripe.HTTPClient | None = None,
    ):
        options: dict[str, Any] = {"http_client": http_client}
        if api_base:
            options["base_addresses"] = {"api": api_base.rstrip("/")}
        self.client = stripe.StripeClient(secret_key, **options)
        self.requests = requests

    # Our record of requests ------------------------------------------------------------

    def _record(
        self, key: str, kind: str, deal: DealLike, amount: int, currency: str, **kw: str
    ) -> RequestRecord:
        row = self.requests.find(key)
        if row is None:
            row = self.requests.add(key, kind, deal.id, amount, currency.upper(), **kw)
        return row

    # Funding ---------------------------------------------------------------------------

    @_uncertain_is_unavailable
    def create_funding(
        self,
        deal: DealLike,
        amount: int,
        currency: str,
        idempotency_key: str,
        *,
        purpose: Mapping[str, str] | None = None,
    ) -> FundingInstruction:
        """A PaymentIntent for ``amount``. Its metadata names the deal, or with ``purpose``
        (e.g. {"purpose": "auction_deposit", "registration_id": "12"}) what else it pays
        for: ``deal`` is then only the payee's id and title, and no deal is recorded."""
        if purpose:
            metadata = {**purpose, "idempotency_key": idempotency_key}
            row = self.requests.find(idempotency_key) or self.requests.add(
                idempotency_key, "payment_intent", None, amount, currency.upper()
            )
        else:
            metadata = {"deal_id": str(deal.id), "idempotency_key": idempotency_key}
            row = self._record(idempotency_key, "payment_intent", deal, amount, currency)
        if row.object_id:
            intent = self.client.v1.payment_intents.retrieve(row.object_id)
        else:
            intent = self.client.v1.payment_intents.create(
                {
                    "amount": amount,
                    "currency": currency.lower(),
                    "payment_method_types": ["card"],
                    "metadata": metadata,
                },
                {"idempotency_key": idempotency_key},
            )
            row.object_id = row.payment_intent = intent.id
        row.status = intent.status
        return FundingInstruction(
            provider=self.name,
            reference=intent.id,
            amount=amount,
            currency=currency,
            instructions=(
                f"Pay {_major(amount)} {currency} by card. The deal is funded when Stripe "
                f"confirms the payment. 银行卡支付，支付成功后资金进入平台托管。"
            ),
            client_data={"payment_intent": intent.id, "client_secret": intent.client_secret},
        )

    # Releases --------------------------------------------------------------------------

    @_uncertain_is_unavailable
    def release(
        self,
        deal: DealLike,
        amount: int,
        currency: str,
        idempotency_key: str,
        beneficiary: Beneficiary,
    ) -> PayoutResult:
        if not beneficiary.provider_account:
            return PayoutResult(
                provider=self.name,
                status="pending",
                details=bank_transfer_details(
                    deal,
                    amount,
                    currency,
                    idempotency_key,
                    beneficiary,
                    reason="no_connected_account",
                ),
                instructions=(
                    f"{beneficiary.name} has no Stripe connected account: pay "
                    f"{_major(amount)} {currency} for deal {deal.id} (release "
                    f"{idempotency_key}) by bank transfer, then mark this payout executed."
                ),
            )
        row = self._record(idempotency_key, "transfer", deal, amount, currency)
        if not row.object_id:
            try:
                transfer = self.client.v1.transfers.create(
                    {
                        "amount": amount,
                        "currency": currency.lower(),
                        "destination": beneficiary.provider_account,
                        "transfer_group": f"deal-{deal.id}",
                        "metadata": {"deal_id": str(deal.id), "idempotency_key": idempotency_key},
                    },
                    {"idempotency_key": idempotency_key},
                )
            except UNCERTAIN:
                raise  # the transfer may exist: never pay by hand on top of it
            except stripe.StripeError as exc:
                # Refused for certain (a 4xx: balance, account, key). The buyer's acceptance
                # stands (the money is owed to the supplier either way); what Stripe refused
                # becomes a payout an operator executes by hand.
                row.status = "failed"
                return PayoutResult(
                    provider=self.name,
                    status="pending",
                    details=bank_transfer_details(
                        deal,
                        amount,
                        currency,
                        idempotency_key,
                        beneficiary,
                        reason="transfer_failed",
                        error=exc.user_message or exc.__class__.__name__,
                    ),
                    instructions=(
                        f"The Stripe transfer to {beneficiary.provider_account} failed "
                        f"({exc.user_message or exc.__class__.__name__}): pay {_major(amount)} "
                        f"{currency} to {beneficiary.name} for deal {deal.id} (release "
                        f"{idempotency_key}) by bank transfer, then mark this payout executed."
                    ),
                )
            row.object_id, row.status = transfer.id, "created"
        return PayoutResult(provider=self.name, status="executed", reference=row.object_id)

    # Refunds ---------------------------------------------------------------------------

    @_uncertain_is_unavailable
    def refundable(self, payment_intent: str) -> int:
        """What the PaymentIntent's charge can still give back: the smaller of Stripe's
        figure and ours (our requests count even if Stripe has not shown them yet)."""
        intent = self.client.v1.payment_intents.retrieve(payment_intent)
        charge_ref = intent.to_dict().get("latest_charge")
        if not charge_ref:
            return 0  # nothing was charged
        charge = self.client.v1.charges.retrieve(object_id(charge_ref))
        by_stripe = charge.amount - (charge.amount_refunded or 0)
        asked = self.requests.refunds_asked(payment_intent)
        return max(0, min(by_stripe, charge.amount - asked))

    @_uncertain_is_unavailable
    def refund(
        self,
        deal: DealLike,
        amount: int,
        currency: str,
        idempotency_key: str,
        beneficiary: Beneficiary,
        funding_reference: str,
    ) -> PayoutResult:
        row = self.requests.find(idempotency_key)
        if row is None or not row.object_id:
            available = self.refundable(funding_reference)
            if amount > available:
                raise RefundLimitExceeded(
                    f"Refund of {amount} asked on {funding_reference}; only {available} "
                    "can still be refunded."
                )
            row = self._record(
                idempotency_key, "refund", deal, amount, currency, payment_intent=funding_reference
            )
            refund = self.client.v1.refunds.create(
                {
                    "payment_intent": funding_reference,
                    "amount": amount,
                    "metadata": {"deal_id": str(deal.id), "idempotency_key": idempotency_key},
                },
                {"idempotency_key": idempotency_key},
            )
            row.object_id, row.status = refund.id, refund.status or ""
        if row.status not in REFUND_ACCEPTED:
            return PayoutResult(
                provider=self.name,
                status="pending",
                reference=row.object_id,
                details=bank_transfer_details(
                    deal,
                    amount,
                    currency,
                    idempotency_key,
                    beneficiary,
                    reason="refund_not_accepted",
                    refund=row.object_id,
                    refund_status=row.status,
                ),
                instructions=(
                    f"Stripe refund {row.object_id} is {row.status}: refund {_major(amount)} "
                    f"{currency} to {beneficiary.name} for deal {deal.id} by bank transfer, "
                    "then mark this payout executed."
                ),
            )
        return PayoutResult(provider=self.name, status="executed", reference=row.object_id)
