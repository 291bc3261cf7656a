"""Payment providers behind one small interface (payments/base.py).

A ``Gateway`` holds the configured providers and says which one new fundings use:
``offline`` unless another provider is configured (the Stripe provider registers itself
here when STRIPE_SECRET_KEY is set). Releases and refunds go through the provider that
took the deal's funding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payments.base import (
    Beneficiary,
    FundingInstruction,
    PaymentProvider,
    PayoutResult,
    ProviderUnavailable,
)
from payments.offline import BankAccount, OfflineProvider


class Gateway:
    def __init__(self, providers: list[PaymentProvider], default: str):
        self.providers = {p.name: p for p in providers}
        if default not in self.providers:
            raise ValueError(f"No payment provider {default!r}")
        self.default = default

    def funding_provider(self) -> PaymentProvider:
        return self.providers[self.default]

    def get(self, name: str) -> PaymentProvider:
        try:
            return self.providers[name]
        except KeyError:
            raise LookupError(f"Payment provider {name!r} is not configured") from None


def gateway_from_config(config: Mapping[str, Any]) -> Gateway:
    """The gateway an app's configuration describes."""
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
        # Imported here: the provider records its requests through the app's session.
        from marketplace.extensions import db
        from payments.stripe_provider import StripeProvider

        providers.append(
            StripeProvider(
                config["STRIPE_SECRET_KEY"],
                api_base=config.get("STRIPE_API_BASE") or "",
                session=lambda: db.session,
            )
        )
        return Gateway(providers, default="stripe")
    return Gateway(providers, default="offline")


def default_gateway() -> Gateway:
    return Gateway([OfflineProvider()], default="offline")


__all__ = [
    "Beneficiary",
    "FundingInstruction",
    "Gateway",
    "PaymentProvider",
    "PayoutResult",
    "ProviderUnavailable",
    "default_gateway",
    "gateway_from_config",
]


def gateway_for(app) -> Gateway:
    """The app's payment providers, built once from its configuration and kept with it."""
    found = app.extensions.get("payments_gateway")
    if found is None:
        found = app.extensions["payments_gateway"] = gateway_from_config(app.config)
    return found
