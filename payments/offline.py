"""The offline provider (the default without a Stripe key): bank transfers.

The buyer gets the platform's escrow bank account and a unique reference to put on the
transfer; an operator confirms receipt (amount and reference) in the back office.
Releases and refunds become payout instructions that an operator executes by bank
transfer and then marks as executed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from payments.base import (
    Beneficiary,
    DealLike,
    FundingInstruction,
    PaymentProvider,
    PayoutResult,
)

# No 0/O/1/I: references are typed by hand into bank forms.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class BankAccount:
    bank: str = "TechMarket escrow bank (configure OFFLINE_BANK_NAME)"
    holder: str = "TechMarket platform escrow account"
    number: str = "(configure OFFLINE_BANK_ACCOUNT)"


def new_reference(deal_id: int) -> str:
    """TM-<deal>-<8 random characters>; the database's unique constraint backs it."""
    token = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"TM-{deal_id}-{token}"


def _major(amount: int) -> str:
    whole, rest = divmod(amount, 100)
    return f"{whole:,}.{rest:02d}"


class OfflineProvider(PaymentProvider):
    name = "offline"

    def __init__(self, account: BankAccount | None = None):
        self.account = account or BankAccount()

    def create_funding(
        self, deal: DealLike, amount: int, currency: str, idempotency_key: str
    ) -> FundingInstruction:
        # Idempotency is the caller's: the deal service reuses a pending funding.
        reference = new_reference(deal.id)
        text = (
            f"Transfer exactly {_major(amount)} {currency} to {self.account.holder}, "
            f"{self.account.bank}, account {self.account.number}. "
            f"Put the reference {reference} in the transfer's remark so the platform can "
            f"match it to deal {deal.id}. 请在转账附言中注明参考号 {reference}。"
        )
        return FundingInstruction(
            provider=self.name,
            reference=reference,
            amount=amount,
            currency=currency,
            instructions=text,
            client_data={
                "bank": self.account.bank,
                "holder": self.account.holder,
                "account": self.account.number,
            },
        )

    def release(
        self,
        deal: DealLike,
        amount: int,
        currency: str,
        idempotency_key: str,
        beneficiary: Beneficiary,
    ) -> PayoutResult:
        return PayoutResult(
            provider=self.name,
            status="pending",
            instructions=(
                f"Pay {_major(amount)} {currency} to {beneficiary.name} for deal {deal.id} "
                f"(release {idempotency_key}), then mark this payout executed."
            ),
        )

    def refund(
        self,
        deal: DealLike,
        amount: int,
        currency: str,
        idempotency_key: str,
        beneficiary: Beneficiary,
        funding_reference: str,
    ) -> PayoutResult:
        return PayoutResult(
            provider=self.name,
            status="pending",
            instructions=(
                f"Refund {_major(amount)} {currency} to {beneficiary.name} for deal {deal.id} "
                f"(paid under {funding_reference}), then mark this payout executed."
            ),
        )
