"""Money helpers: amounts are integers in minor units (fen for CNY), never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext

from marketplace.core.messages import N_, Message

MINOR_PER_MAJOR = {"CNY": 100, "USD": 100, "EUR": 100}


def to_minor(major: str | int | Decimal, currency: str = "CNY") -> int:
    """'12.34' yuan → 1234 fen. Rejects more decimals than the currency has, and negatives."""
    factor = MINOR_PER_MAJOR.get(currency)
    if factor is None:
        raise ValueError(Message(N_("Unknown currency %(currency)s"), currency=currency))
    try:
        amount = Decimal(str(major).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(N_("Not a number")) from None
    if not amount.is_finite():
        raise ValueError(N_("Not a number"))
    if amount < 0:
        raise ValueError(N_("Must not be negative"))
    if amount.adjusted() > 15:  # 1e999999 would overflow Decimal's context below
        raise ValueError(N_("Too large"))
    minor = amount * factor
    if minor != minor.to_integral_value():
        raise ValueError(N_("Too many decimal places"))
    return int(minor)


def format_major(minor: int | None, currency: str = "CNY") -> str:
    """1234 → '12.34'; whole amounts without decimals ('600,000')."""
    if minor is None:
        return ""
    factor = MINOR_PER_MAJOR.get(currency, 100)
    whole, rest = divmod(minor, factor)
    return f"{whole:,}" if rest == 0 else f"{whole:,}.{rest:02d}"


def format_money(minor: int, currency: str = "CNY") -> str:
    """An amount for people: '600,000 元' in Chinese, '600,000 yuan' in English."""
    amount = format_major(minor, currency)
    if currency == "CNY":
        return gettext("%(amount)s yuan", amount=amount)
    return f"{amount} {currency}"


class Amount(str):
    """An amount in minor units as a message parameter: English messages say the number
    (as the API always did), pages say the money ("1,000,000 元")."""

    def __new__(cls, minor: int, currency: str = "CNY") -> Amount:
        self = super().__new__(cls, str(minor))
        self.minor, self.currency = minor, currency
        return self

    def __getnewargs_ex__(self):
        return (self.minor, self.currency), {}

    def translated(self) -> str:
        return format_money(self.minor, self.currency)
