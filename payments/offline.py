"""The offline provider (the default without a Stripe key): bank transfers.

The buyer gets the platform's escrow bank account and a unique reference to put on the
transfer; an operator confirms receipt (amount and reference) in the back office.
Releases and refunds become payout instructions that an operator executes by bank
transfer and then marks as executed.

Without an escrow account configured (OFFLINE_BANK_NAME, OFFLINE_BANK_HOLDER,
OFFLINE_BANK_ACCOUNT) the provider takes no money: a buyer is never shown a placeholder
account. ``make run`` configures ``DEMO_ACCOUNT``, which says in its name that it is one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from payments.base import (
    REFERENCE_ALPHABET,
    Beneficiary,
    DealLike,
    FundingInstruction,
    NotConfigured,
    PaymentProvider,
    PayoutResult,
    bank_transfer_details,
)


@dataclass(frozen=True)
class BankAccount:
    bank: str = ""
    holder: str = ""
    number: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.bank.strip() and self.holder.strip() and self.number.strip())


# For `make run`, the demo data and tests: marked as a demo wherever it is shown.
DEMO_ACCOUNT = BankAccount(
    bank="演示银行 DEMO BANK（演示数据，请勿转账 / demo only, do not pay）",
    holder="科技大市场演示托管账户 TechMarket DEMO escrow",
    number="DEMO 0000 0000 0000",
)


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

    @property
    def configured(self) -> bool:
        return self.account.configured

    def create_funding(
        self, deal: DealLike, amount: int, currency: str, idempotency_key: str
    ) -> FundingInstruction:
        if not self.configured:
            raise NotConfigured("The platform's escrow bank account is not configured.")
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
        details = bank_transfer_details(deal, amount, currency, idempotency_key, beneficiary)
        return PayoutResult(
            provider=self.name,
            status="pending",
            instructions=(
                f"Pay {_major(amount)} {currency} to {beneficiary.name} for deal {deal.id} "
                f"(remark {details['remark']}), then mark this payout executed."
            ),
            details=details,
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
        details = bank_transfer_details(
            deal,
            amount,
            currency,
            idempotency_key,
            beneficiary,
            funding_reference=funding_reference,
        )
        return PayoutResult(
            provider=self.name,
            status="pending",
            instructions=(
                f"Refund {_major(amount)} {currency} to {beneficiary.name} for deal {deal.id} "
                f"(paid under {funding_reference}; remark {details['remark']}), then mark "
                "this payout executed."
            ),
            details=details,
        )
