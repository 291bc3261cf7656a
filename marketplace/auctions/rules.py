"""The auction's rules as data: the lifecycles of a lot and of a deposit (literal
tables), the increment ladder, and the bidders' pseudonyms (竞买人 A, B, C…)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from marketplace.core.errors import Invalid
from marketplace.core.lifecycle import Lifecycle
from marketplace.core.messages import N_, Message

OWNER = "owner"  # members of the listing's organization (the seller)
OPERATOR = "operator"
SYSTEM = "system"  # the clock: closing a lot

# (state, action, role) → next state: a lot.
LOT_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("applied", "admit", OPERATOR): "admitted",
    ("applied", "reject", OPERATOR): "rejected",
    ("applied", "withdraw", OWNER): "withdrawn",
    ("admitted", "sell", SYSTEM): "sold",  # closed with a bid at or above the reserve
    ("admitted", "pass", SYSTEM): "unsold",  # closed with no bid, or below the reserve
    # After the close (auctions/settlement.py): the winner did not fund and the runner-up
    # takes the lot at its own highest bid; or nobody buys after all.
    ("sold", "reassign", SYSTEM): "sold",
    ("sold", "default", SYSTEM): "defaulted",
}

# (state, action, role) → next state: a bidder's deposit.
DEPOSIT_TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("pending", "confirm", OPERATOR): "held",  # the bank transfer arrived
    ("pending", "confirm", SYSTEM): "held",  # the card payment succeeded (Stripe's webhook)
    ("held", "apply", SYSTEM): "applied",  # the winner's, to the deal's escrow
    ("held", "refund", SYSTEM): "refunded",  # everybody else's, at the close
    ("pending", "lapse", SYSTEM): "lapsed",  # never paid before the close
    # The deal it was applied to fell through before funding: the winner's fault (did not
    # fund in time, or cancelled) forfeits it; otherwise it goes back to the bidder.
    ("applied", "forfeit", SYSTEM): "forfeited",
    ("applied", "refund", SYSTEM): "refunded",
}

LOT_WORDS: dict[str, Any] = {
    "name": _l("auction lot"),
    "state": {
        "applied": _l("Applied"),
        "admitted": _l("Admitted"),
        "rejected": _l("Rejected"),
        "withdrawn": _l("Withdrawn"),
        "sold": _l("Sold"),
        "unsold": _l("Unsold"),
        "defaulted": _l("Sale fell through"),
    },
    "action": {
        "admit": _l("admit"),
        "reject": _l("reject"),
        "withdraw": _l("withdraw"),
        "sell": _l("sell"),
        "pass": _l("close unsold"),
        "reassign": _l("offer to the runner-up"),
        "default": _l("close as fallen through"),
    },
    "role": {OWNER: _l("seller"), OPERATOR: _l("operator"), SYSTEM: _l("platform")},
}

DEPOSIT_WORDS: dict[str, Any] = {
    "name": _l("deposit"),
    "state": {
        "pending": _l("Awaiting payment"),
        "held": _l("Held in escrow"),
        "applied": _l("Applied to the deal"),
        "refunded": _l("Refunded"),
        "lapsed": _l("Lapsed"),
        "forfeited": _l("Forfeited"),
    },
    "action": {
        "confirm": _l("confirm"),
        "apply": _l("apply"),
        "refund": _l("refund"),
        "lapse": _l("lapse"),
        "forfeit": _l("forfeit"),
    },
    "role": {OPERATOR: _l("operator"), SYSTEM: _l("platform")},
}

LOT = Lifecycle(
    name="auction lot",
    attribute="state",
    table=LOT_TRANSITIONS,
    initial=("applied",),
    code="lot_state",
    words=LOT_WORDS,
)
DEPOSIT = Lifecycle(
    name="deposit",
    attribute="deposit_state",
    table=DEPOSIT_TRANSITIONS,
    initial=("pending",),
    code="deposit_state",
    words=DEPOSIT_WORDS,
)

DEFAULT_EXTENSION_MINUTES = 5
DEFAULT_FUNDING_DAYS = 7  # the app passes config AUCTION_FUNDING_DAYS
DEFAULT_FORFEIT_SELLER_BP = 5000  # a forfeited deposit: half to the seller


# The increment ladder ---------------------------------------------------------------


def validate_ladder(tiers: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tiers ``{"below": fen | None, "step": fen}`` with increasing bounds, positive
    steps and a last, unbounded tier; returns them normalised."""
    if not tiers:
        raise Invalid({"ladder": N_("Give at least one increment tier.")})
    out: list[dict[str, Any]] = []
    previous = 0
    for n, tier in enumerate(tiers):
        below, step = tier.get("below"), tier.get("step")
        last = n == len(tiers) - 1
        if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
            raise Invalid({"ladder": N_("Every increment is a positive amount in minor units.")})
        if last and below is not None:
            raise Invalid({"ladder": N_("The last tier has no upper bound.")})
        if not last and (
            not isinstance(below, int) or isinstance(below, bool) or below <= previous
        ):
            raise Invalid(
                {
                    "ladder": Message(
                        N_("Tier %(tier)s needs an upper bound above %(previous)s."),
                        tier=n + 1,
                        previous=previous,
                    )
                }
            )
        previous = below or previous
        out.append({"below": below, "step": step})
    return out


def increment(ladder: Sequence[dict[str, Any]], price: int) -> int:
    """The minimum increment at ``price``."""
    for tier in ladder:
        if tier["below"] is None or price < tier["below"]:
            return int(tier["step"])
    return int(ladder[-1]["step"])  # pragma: no cover - the last tier is unbounded


def minimum_bid(ladder: Sequence[dict[str, Any]], start_price: int, current: int | None) -> int:
    """The least acceptable next bid: the start price, then the price plus its increment."""
    return start_price if current is None else current + increment(ladder, current)


def pseudonym(ordinal: int) -> str:
    """1 → A, 26 → Z, 27 → AA: the bidder's public name on a lot (竞买人 A)."""
    letters = ""
    while ordinal > 0:
        ordinal, rest = divmod(ordinal - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
