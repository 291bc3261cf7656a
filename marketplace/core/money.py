"""Money helpers: amounts are integers in minor units (fen for CNY), never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MINOR_PER_MAJOR = {"CNY": 100, "USD": 100, "EUR": 100}


def to_minor(major: str | int | Decimal, currency: str = "CNY") -> int:
    """'12.34' yuan → 1234 fen. Rejects more decimals than the currency has, and negatives."""
    factor = MINOR_PER_MAJOR.get(currency)
    if factor is None:
        raise ValueError(f"Unknown currency {currency}")
    try:
        amount = Decimal(str(major).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError("Not a number") from None
    if not amount.is_finite():
        raise ValueError("Not a number")
    if amount < 0:
        raise ValueError("Must not be negative")
    if amount.adjusted() > 15:  # 1e999999 would overflow Decimal's context below
        raise ValueError("Too large")
    minor = amount * factor
    if minor != minor.to_integral_value():
        raise ValueError("Too many decimal places")
    return int(minor)


def format_major(minor: int | None, currency: str = "CNY") -> str:
    """1234 → '12.34'; whole amounts without decimals ('600,000')."""
    if minor is None:
        return ""
    factor = MINOR_PER_MAJOR.get(currency, 100)
    whole, rest = divmod(minor, factor)
    return f"{whole:,}" if rest == 0 else f"{whole:,}.{rest:02d}"
