"""The bidding engine, pure: given a lot's price, its leader and the bidders' maximums,
which bids a new submission produces. No database, no clock (auctions/bidding.py applies
the result under the lot's row lock).

Rules (issue 16):
* a typed bid is at least the current price plus the increment at that price (the
  opening bid at least the start price);
* a bidder's maximum (proxy bid) bids for them automatically, by the minimum increment,
  up to that maximum; between two maximums the higher wins, and between equal ones the
  earlier;
* every recorded bid, typed or automatic, respects the ladder: it is at least the
  previous bid plus the increment at the previous bid.

Two proxies that outbid each other step by step along the ladder's path (q, q + inc(q),
…) are recorded compressed: only the loser's last step and the winner's answer, which is
still a valid sequence, and the price the step-by-step exchange would have reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marketplace.auctions.rules import increment, minimum_bid


@dataclass(frozen=True)
class Contender:
    """A registered bidder: the most it will pay, and when that maximum was set (a
    smaller ``since`` is earlier)."""

    id: int
    max: int
    since: int


@dataclass(frozen=True)
class Step:
    bidder: int
    amount: int
    kind: str  # "bid" (typed) or "proxy" (made by the bidder's maximum)


class TooLow(Exception):
    def __init__(self, minimum: int):
        super().__init__(minimum)
        self.minimum = minimum


def path_floor(
    ladder: Sequence[dict[str, Any]], price: int, limit: int
) -> tuple[int | None, int | None]:
    """The last two values of the ladder's path from ``price`` (price + inc(price), …)
    that are at most ``limit``: (one before, last); None where there is none."""
    before: int | None = None
    last: int | None = None
    value = price
    while True:
        step = increment(ladder, value)
        bound = next((t["below"] for t in ladder if t["below"] is None or value < t["below"]), None)
        # Every point from ``value`` up to the tier's bound steps by ``step``: ``tier``
        # steps reach the bound (None: no bound), ``room`` steps stay within the limit.
        room = (limit - value) // step
        if room <= 0:
            return before, last
        tier = None if bound is None else -(-(bound - value) // step)
        span = room if tier is None else min(room, tier)
        before = value + (span - 1) * step if span >= 2 else last
        last = value + span * step
        value = last
        if tier is None or span < tier:
            return before, last


def _beats(a: Contender, b: Contender) -> bool:
    """Whether a's maximum wins over b's: higher, or equal and set earlier."""
    return a.max > b.max or (a.max == b.max and a.since < b.since)


def resolve(
    ladder: Sequence[dict[str, Any]],
    price: int,
    leader: int,
    contenders: Mapping[int, Contender],
) -> list[Step]:
    """The automatic bids that follow once ``leader`` leads at ``price``."""
    steps: list[Step] = []
    while True:
        floor = price + increment(ladder, price)
        rivals = [c for c in contenders.values() if c.id != leader and c.max >= floor]
        if not rivals:
            return steps
        challenger = min(rivals, key=lambda c: (-c.max, c.since))
        holder = contenders.get(leader) or Contender(leader, price, -1)
        if _beats(challenger, holder):
            winner, loser = challenger, holder
        else:
            winner, loser = holder, challenger
        before, last = path_floor(ladder, price, loser.max)
        if last is None:  # the loser (the leader) cannot bid again: one step wins
            new = [Step(winner.id, floor, "proxy")]
        else:
            answer = last + increment(ladder, last)
            if answer <= winner.max:
                new = [Step(loser.id, last, "proxy"), Step(winner.id, answer, "proxy")]
            else:  # the winner can only reach ``last``: the loser stops one step below
                new = [Step(loser.id, before, "proxy")] if before is not None else []
                new.append(Step(winner.id, last, "proxy"))
        # The holder's own intermediate step adds nothing: it leads already.
        steps.extend(s for s in new[:-1] if s.bidder != leader)
        steps.append(new[-1])
        leader = new[-1].bidder
        price = new[-1].amount


def submit(
    ladder: Sequence[dict[str, Any]],
    start_price: int,
    price: int | None,
    leader: int | None,
    contenders: Mapping[int, Contender],
    bidder: int,
    amount: int,
) -> list[Step]:
    """A typed bid of ``amount`` by ``bidder`` (whose maximum, in ``contenders``, is at
    least ``amount``), and the automatic bids that answer it. Raises TooLow."""
    least = minimum_bid(ladder, start_price, price)
    if amount < least:
        raise TooLow(least)
    steps = [Step(bidder, amount, "bid")]
    return steps + resolve(ladder, amount, bidder, contenders)
