"""Payment providers behind one small interface (payments/base.py).

A ``Gateway`` holds the configured providers and says which one new fundings use:
``offline`` unless another provider is configured (the Stripe provider when
STRIPE_SECRET_KEY is set). Releases and refunds go through the provider that took the
deal's funding. This package never imports the app: what a provider must record (the
Stripe provider's requests) is handed to it as a ``RequestLog``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payments.base import (
    Beneficiary,
    FundingInstruction,
    NotConfigured,
    PaymentProvider,
    PayoutResult,
    ProviderUnavailable,
    RequestLog,
    payout_remark,
)
from payments.offline import DEMO_ACCOUNT, BankAccount, OfflineProvider
from payments.stripe_provider import StripeProvider


class Gateway:
    def __init__(self, providers: list[PaymentProvider], default: str):
        self.providers = {p.name: p for p in providers}
        if default not in self.providers:
            raise ValueError(f"No payment provider {default!r}")
        self.default = default

    def funding_provider(self) -> PaymentProvider:
        return self.providers[self.default]

    def funding_configured(self) -> bool:
        """Whether new fundings can be asked for (the offline provider needs its account)."""
        return bool(getattr(self.funding_provider(), "configured", True))

    def get(self, name: str) -> PaymentProvider:
        try:
            return self.providers[name]
        except KeyError:
            raise LookupError(f"Payment provider {name!r} is not configured") from None


def gateway_from_config(
    config: Mapping[str, Any], *, requests: RequestLog | None = None
) -> Gateway:
    """The gateway an app's configuration describes. ``requests`` is where the Stripe
    provider records its requests (required when STRIPE_SECRET_KEY is set)."""
    account = BankAccount(
        **{
            key: config[name]
            for key, name in (
                ("bank", "OFFLINE_BANK_NAME"),
                ("holder", "OFFLINE_BANK_HOLDER"),
                ("number", "OFFLINE_BANK_ACCOUNT"),
            )
            if config.get(name)
        }
    )
    providers: list[PaymentProvider] = [OfflineProvider(account)]
    if config.get("STRIPE_SECRET_KEY"):
        if requests is None:
            raise ValueError("The Stripe provider needs a RequestLog to record its requests")
        providers.append(
            StripeProvider(
                config["STRIPE_SECRET_KEY"],
                api_base=config.get("STRIPE_API_BASE") or "",
                requests=requests,
            )
        )
        return Gateway(providers, default="stripe")
    return Gateway(providers, default="offline")


def default_gateway() -> Gateway:
    """For scripts and tests that call the services without an app's gateway: the offline
    provider with the (clearly marked) demo account. The app always passes its own,
    built from its configuration by ``gateway_from_config``."""
    return Gateway([OfflineProvider(DEMO_ACCOUNT)], default="offline")


__all__ = [
    "Beneficiary",
    "FundingInstruction",
    "Gateway",
    "NotConfigured",
    "PaymentProvider",
    "PayoutResult",
    "ProviderUnavailable",
    "RequestLog",
    "default_gateway",
    "gateway_from_config",
    "payout_remark",
]
