"""The payment provider interface: how money gets in (funding) and out (release, refund).

Providers talk to the outside world only. They never touch the ledger: the deal service
posts to the ledger once money has really moved (a confirmed bank transfer, a webhook,
an executed payout). Amounts are integers in minor units with their currency code.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Protocol


class DealLike(Protocol):
    """What a provider may know about a deal (the service passes its Deal row)."""

    id: int
    title: str


@dataclass(frozen=True)
class FundingInstruction:
    """How the buyer pays the contract amount into escrow.

    ``reference`` is unique per funding (a bank-transfer reference, a PaymentIntent id);
    ``instructions`` is text to show the buyer; ``client_data`` is what a client needs
    to complete the payment itself (e.g. a Stripe client secret)."""

    provider: str
    reference: str
    amount: int
    currency: str
    instructions: str = ""
    client_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Beneficiary:
    """Who receives a payout: an organization (the supplier, the buyer for a refund, the
    broker's organization for a commission)."""

    organization_id: int
    name: str
    # A provider account, e.g. a Stripe Connect account id, when the beneficiary has one.
    provider_account: str = ""
    # The bank account an operator pays by transfer, when the organization registered one.
    bank: str = ""
    account_holder: str = ""
    account_number: str = ""


@dataclass(frozen=True)
class PayoutResult:
    """What became of a release or refund request.

    ``status`` "pending": an operator must still move the money (``instructions`` say how)
    and mark the payout executed; "executed": the provider moved it, ``reference`` says
    where (a transfer or refund id)."""

    provider: str
    status: str
    reference: str = ""
    instructions: str = ""
    # What an operator needs to pay it (payee, bank, account, amount, the transfer's
    # remark), as data: the page renders it in the reader's language.
    details: dict[str, Any] = field(default_factory=dict)


# No 0/O/1/I: references are typed by hand into bank forms.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def payout_remark(deal_id: int | str, idempotency_key: str) -> str:
    """The remark an operator puts on an outgoing transfer: short, typeable, the same for
    the same payout every time (derived from its idempotency key)."""
    digest = hashlib.sha256(idempotency_key.encode()).digest()
    code = "".join(REFERENCE_ALPHABET[b % len(REFERENCE_ALPHABET)] for b in digest[:6])
    return f"TM-{deal_id}-P{code}"


def bank_transfer_details(
    deal: DealLike,
    amount: int,
    currency: str,
    idempotency_key: str,
    beneficiary: Beneficiary,
    *,
    reason: str = "",
    **extra: str,
) -> dict[str, Any]:
    """A payout an operator makes by bank transfer, as data (``PayoutResult.details``);
    ``reason`` says why a provider left it to a person (no_connected_account,
    transfer_failed, refund_not_accepted), "" for the offline provider, whose payouts
    always are."""
    return {
        "method": "bank_transfer",
        "deal_id": deal.id,
        "payee": beneficiary.name,
        "bank": beneficiary.bank,
        "account_holder": beneficiary.account_holder or beneficiary.name,
        "account_number": beneficiary.account_number,
        "amount": amount,
        "currency": currency,
        "remark": payout_remark(deal.id, idempotency_key),
        "reason": reason,
        **extra,
    }


class RequestRecord(Protocol):
    """One request the platform made to a provider, as the platform's own store keeps it.
    A provider sets ``object_id`` (the provider's id for what it created) and ``status``
    once the provider has answered."""

    idempotency_key: str
    kind: str
    payment_intent: str
    object_id: str
    status: str


class RequestLog(Protocol):
    """The platform's record of provider requests, keyed by idempotency key (unique). A
    provider whose own idempotency is not to be relied on (Stripe forgets keys after 24
    hours) writes each request here before sending it. The app hands one to the provider;
    this package never stores anything itself."""

    def find(self, key: str) -> RequestRecord | None:
        """The request recorded under this key, if any."""

    def add(
        self, key: str, kind: str, deal_id: int | None, amount: int, currency: str, **fields: str
    ) -> RequestRecord:
        """Record a new request; a concurrent twin with the same key fails here."""

    def refunds_asked(self, payment_intent: str) -> int:
        """What was asked back so far from this payment (refunds the provider answered)."""


class NotConfigured(Exception):
    """The provider lacks the configuration it needs to take money (e.g. the escrow bank
    account of the offline provider): nothing was asked of anyone."""


class ProviderUnavailable(Exception):
    """The provider could not be reached, or failed on its side: whether the request took
    effect is unknown. Nothing may be recorded as done or refused; the caller rolls back,
    and a retry with the same idempotency key is safe."""


class PaymentProvider(ABC):
    name: str

    @abstractmethod
    def create_funding(
        self, deal: DealLike, amount: int, currency: str, idempotency_key: str
    ) -> FundingInstruction:
        """Ask the buyer for ``amount``; the same idempotency key gives the same request."""

    @abstractmethod
    def release(
        self,
        deal: DealLike,
        amount: int,
        currency: str,
        idempotency_key: str,
        beneficiary: Beneficiary,
    ) -> PayoutResult:
        """Pay ``amount`` (net of fees) from escrow to the supplier, or a commission to the
        broker's organization: a transfer to ``beneficiary.provider_account`` if the
        provider can, otherwise a pending result whose ``details`` say how to pay it."""

    @abstractmethod
    def refund(
        self,
        deal: DealLike,
        amount: int,
        currency: str,
        idempotency_key: str,
        beneficiary: Beneficiary,
        funding_reference: str,
    ) -> PayoutResult:
        """Return ``amount`` of what was paid under ``funding_reference`` to the buyer."""
