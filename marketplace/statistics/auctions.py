"""Auction and challenge figures of the market statistics, registered by name (the page,
the API, the downloads and the quarterly report show them like the market's).

Definitions (a period is of Asia/Shanghai days, periods.py), per domain:

* **auctions** (网上竞价): sessions (专场) whose end falls in the period; lots closed in
  the period, sold and unsold; the hammer total (sum of the sold lots' final prices, CNY);
  the average premium of a sold lot's final price over its starting price, in per cent
  (CNY lots). A session's domain is its own, a lot's its session's.
* **challenges** (揭榜挂帅): challenges published in the period; the bounty put in escrow
  in the period (challenges funded in it, CNY); challenges awarded in the period (decided
  as awarded) and their bounty.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from marketplace.core.messages import N_
from marketplace.models import AuctionLot, AuctionSession, Challenge
from marketplace.models.vocab import DOMAINS
from marketplace.statistics.figures import Column, Figure, Rows, register
from marketplace.statistics.market import _within
from marketplace.statistics.periods import Period


def _by_domain(table: dict[Any, list[Any]]) -> Rows:
    return [[d] + table[d] for d in DOMAINS if d in table]


def auctions(session: Session, period: Period, now: datetime) -> Rows:
    table: dict[str, list[Any]] = defaultdict(lambda: [0, 0, 0, 0, None])
    sessions = (
        select(AuctionSession.domain, func.count())
        .where(*_within(AuctionSession.ends_at, period))
        .group_by(AuctionSession.domain)
    )
    for domain, n in session.execute(sessions):
        table[domain][0] = int(n)
    sold = AuctionLot.state == "sold"
    cny_sold = sold & (AuctionLot.currency == "CNY")
    premium = (AuctionLot.current_price - AuctionLot.start_price) * 100.0 / AuctionLot.start_price
    lots = (
        select(
            AuctionSession.domain,
            func.coalesce(func.sum(case((sold, 1), else_=0)), 0),
            func.coalesce(func.sum(case((AuctionLot.state == "unsold", 1), else_=0)), 0),
            func.coalesce(func.sum(case((cny_sold, AuctionLot.current_price), else_=0)), 0),
            func.avg(case((cny_sold, premium), else_=None)),
        )
        .select_from(AuctionLot)
        .join(AuctionSession, AuctionSession.id == AuctionLot.session_id)
        .where(AuctionLot.state.in_(("sold", "unsold")), *_within(AuctionLot.closed_at, period))
        .group_by(AuctionSession.domain)
    )
    for domain, n_sold, n_unsold, hammer, avg in session.execute(lots):
        row = table[domain]
        row[1:] = [
            int(n_sold),
            int(n_unsold),
            int(hammer),
            None if avg is None else round(float(avg), 1),
        ]
    return _by_domain(table)


def challenges(session: Session, period: Period, now: datetime) -> Rows:
    table: dict[str, list[Any]] = defaultdict(lambda: [0, 0, 0, 0])
    bounty = func.coalesce(
        func.sum(case((Challenge.currency == "CNY", Challenge.bounty), else_=0)), 0
    )
    published = select(Challenge.domain, func.count()).where(
        *_within(Challenge.published_at, period)
    )
    for domain, n in session.execute(published.group_by(Challenge.domain)):
        table[domain][0] = int(n)
    funded = select(Challenge.domain, bounty).where(*_within(Challenge.funded_at, period))
    for domain, value in session.execute(funded.group_by(Challenge.domain)):
        table[domain][1] = int(value)
    awarded = select(Challenge.domain, func.count(), bounty).where(
        Challenge.state == "awarded", *_within(Challenge.decided_at, period)
    )
    for domain, n, value in session.execute(awarded.group_by(Challenge.domain)):
        table[domain][2:] = [int(n), int(value)]
    return _by_domain(table)


register(
    Figure(
        "auctions",
        N_("Auctions"),
        (
            Column("domain", "domain", N_("Domain")),
            Column("sessions", "count", N_("Sessions")),
            Column("lots_sold", "count", N_("Lots sold")),
            Column("lots_unsold", "count", N_("Lots unsold")),
            Column("hammer_total", "money", N_("Hammer total")),
            Column("avg_premium", "percent", N_("Average premium over start (%)")),
        ),
        auctions,
        note=N_(
            "Sessions ending in the period; lots closed in it. The premium is a sold lot's "
            "final price over its starting price."
        ),
    )
)
register(
    Figure(
        "challenges",
        N_("Challenges"),
        (
            Column("domain", "domain", N_("Domain")),
            Column("published", "count", N_("Published")),
            Column("bounty_escrowed", "money", N_("Bounty put in escrow")),
            Column("awarded", "count", N_("Awarded")),
            Column("bounty_awarded", "money", N_("Bounty awarded")),
        ),
        challenges,
        note=N_("Challenges published, funded and awarded in the period."),
    )
)
