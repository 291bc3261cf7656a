"""Brokers' ratings, performance and earnings.

Performance of a broker over a period of local (Asia/Shanghai) days, both included
(assignments accepted in [start 00:00, the day after end 00:00) on the local clock):

* ``mediated``: deals the broker was active on (assignment accepted), counted once;
* ``completed``: those that reached ``completed`` with the broker still assigned;
* ``gross_value``: the contract prices of the completed deals, per currency (minor units);
* ``median_days``: median of the days from the assignment's acceptance to the deal's
  ``complete`` event, over the completed deals (None without any);
* ``dispute_rate``: share of mediated deals with at least one disputed milestone;
* ``rating_average`` / ``rating_count``: the parties' ratings of the broker on those deals.

Earnings statements and CSV/XLSX writers: broker_earnings.py.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts import brokers
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.localtime import aware, day_bounds
from marketplace.core.locking import begin_write
from marketplace.core.messages import N_
from marketplace.core.uow import unit_of_work
from marketplace.deals import machine as deals
from marketplace.deals.machine import BUYER, SUPPLIER
from marketplace.models import (
    BrokerAssignment,
    BrokerProfile,
    BrokerRating,
    Deal,
    DealEvent,
    DealTerms,
    User,
)
from marketplace.models.types import utcnow

DAY = 86_400


# Ratings -------------------------------------------------------------------------------


@unit_of_work
def rate_broker(
    session: Session, actor: User | None, deal_id: int, score: int, comment: str = ""
) -> BrokerRating:
    """A party rates the broker of a completed deal, once (a unique constraint per deal
    and party makes a second rating — even a concurrent one — a Conflict)."""
    deal = deals.get_deal(session, actor, deal_id)
    roles = deals.actor_roles(deal, actor)
    role = next((r for r in (BUYER, SUPPLIER) if r in roles), None)
    if role is None:
        raise Forbidden(N_("Only the deal's buyer and supplier rate its broker."))
    if deal.state != "completed":
        raise Conflict(N_("The broker is rated once the deal is completed."))
    if deal.active_broker_id is None:
        raise Conflict(N_("No broker mediated this deal."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise Invalid({"score": N_("A whole number from 1 to 5.")})
    rating = BrokerRating(
        deal_id=deal.id,
        broker_id=deal.active_broker_id,
        role=role,
        rater_id=actor.id,
        score=score,
        comment=(comment or "").strip(),
        created_at=utcnow(),
    )
    begin_write(session)
    try:
        with session.begin_nested():
            session.add(rating)
            session.flush()
    except IntegrityError:
        raise Conflict(N_("Your organization already rated the broker of this deal.")) from None
    return rating


def ratings_of(session: Session, broker_id: int, limit: int = 20) -> list[BrokerRating]:
    return list(
        session.scalars(
            select(BrokerRating)
            .where(BrokerRating.broker_id == broker_id)
            .order_by(BrokerRating.id.desc())
            .limit(limit)
        )
    )


# Performance ---------------------------------------------------------------------------


@dataclass
class Performance:
    broker_id: int
    mediated: int = 0
    completed: int = 0
    gross_value: dict[str, int] = field(default_factory=dict)
    median_days: float | None = None
    disputed: int = 0
    rating_sum: int = 0
    rating_count: int = 0

    @property
    def dispute_rate(self) -> float | None:
        return self.disputed / self.mediated if self.mediated else None

    @property
    def rating_average(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "broker_id": self.broker_id,
            "mediated": self.mediated,
            "completed": self.completed,
            "gross_value": dict(self.gross_value),
            "median_days": self.median_days,
            "dispute_rate": self.dispute_rate,
            "rating_average": self.rating_average,
            "rating_count": self.rating_count,
        }


def performance(
    session: Session,
    broker_ids: list[int],
    *,
    start: date | None = None,
    end: date | None = None,
) -> dict[int, Performance]:
    """Every statistic of the module doc for each broker, from a handful of queries."""
    result = {b: Performance(b) for b in broker_ids}
    if not broker_ids:
        return result
    lo, hi = day_bounds(start, end)
    stmt = (
        select(
            BrokerAssignment.broker_id,
            BrokerAssignment.deal_id,
            BrokerAssignment.accepted_at,
            BrokerAssignment.status,
            Deal.state,
        )
        .join(Deal, Deal.id == BrokerAssignment.deal_id)
        .where(
            BrokerAssignment.broker_id.in_(broker_ids),
            BrokerAssignment.accepted_at.is_not(None),
        )
    )
    if lo is not None:
        stmt = stmt.where(BrokerAssignment.accepted_at >= lo)
    if hi is not None:
        stmt = stmt.where(BrokerAssignment.accepted_at < hi)
    # (broker, deal) → (first acceptance, still active, deal state)
    mediated: dict[tuple[int, int], tuple[datetime, bool, str]] = {}
    for broker_id, deal_id, accepted_at, status, state in session.execute(stmt):
        key = (broker_id, deal_id)
        accepted_at = aware(accepted_at)
        previous = mediated.get(key)
        active = status == "active" or (previous is not None and previous[1])
        first = min(accepted_at, previous[0]) if previous else accepted_at
        mediated[key] = (first, active, state)
    deal_ids = sorted({d for _, d in mediated})
    if not deal_ids:
        return result
    completed_at = {
        deal_id: aware(at)
        for deal_id, at in session.execute(
            select(DealEvent.deal_id, func.min(DealEvent.created_at))
            .where(DealEvent.deal_id.in_(deal_ids), DealEvent.action == "complete")
            .group_by(DealEvent.deal_id)
        )
    }
    disputed = set(
        session.scalars(
            select(DealEvent.deal_id)
            .where(DealEvent.deal_id.in_(deal_ids), DealEvent.action == "dispute_milestone")
            .distinct()
        )
    )
    prices = {
        deal_id: (price, currency)
        for deal_id, price, currency in session.execute(
            select(DealTerms.deal_id, DealTerms.price, DealTerms.currency).where(
                DealTerms.deal_id.in_(deal_ids), DealTerms.agreed_at.is_not(None)
            )
        )
    }
    ratings = defaultdict(list)
    for broker_id, deal_id, score in session.execute(
        select(BrokerRating.broker_id, BrokerRating.deal_id, BrokerRating.score).where(
            BrokerRating.deal_id.in_(deal_ids), BrokerRating.broker_id.in_(broker_ids)
        )
    ):
        ratings[(broker_id, deal_id)].append(score)
    durations: dict[int, list[float]] = defaultdict(list)
    for (broker_id, deal_id), (accepted_at, active, state) in mediated.items():
        perf = result[broker_id]
        perf.mediated += 1
        if deal_id in disputed:
            perf.disputed += 1
        scores = ratings.get((broker_id, deal_id), [])
        perf.rating_sum += sum(scores)
        perf.rating_count += len(scores)
        if state == "completed" and active and deal_id in completed_at:
            perf.completed += 1
            if deal_id in prices:
                price, currency = prices[deal_id]
                perf.gross_value[currency] = perf.gross_value.get(currency, 0) + int(price)
            seconds = (completed_at[deal_id] - accepted_at).total_seconds()
            durations[broker_id].append(seconds / DAY)
    for broker_id, values in durations.items():
        result[broker_id].median_days = statistics.median(values)
    return result


def ranking(
    session: Session,
    actor: User | None,
    *,
    start: date | None = None,
    end: date | None = None,
    domain: str | None = None,
    region: str | None = None,
) -> list[tuple[BrokerProfile, Performance]]:
    """Every verified broker (filtered by domain and region) with their performance over
    the period, best first: completed deals, then CNY gross value, then rating."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    if not actor.is_operator:
        raise Forbidden(N_("Only operators see the brokers' ranking."))
    stmt = brokers.verified_profiles(domain=domain, region=region)
    profiles = list(session.scalars(stmt))
    perf = performance(session, [p.user_id for p in profiles], start=start, end=end)
    rows = [(p, perf[p.user_id]) for p in profiles]
    rows.sort(
        key=lambda row: (
            -row[1].completed,
            -row[1].gross_value.get("CNY", 0),
            -(row[1].rating_average or 0),
            row[0].display_name,
        )
    )
    return rows


RANKING_COLUMNS = (
    "broker_id",
    "name",
    "certificate_number",
    "domains",
    "regions",
    "mediated",
    "completed",
    "gross_value_cny_fen",
    "median_days",
    "dispute_rate",
    "rating_average",
    "rating_count",
)


def ranking_rows(rows: list[tuple[BrokerProfile, Performance]]) -> list[list[Any]]:
    """The ranking as plain rows (CSV and XLSX exports)."""
    out = []
    for profile, perf in rows:
        out.append(
            [
                profile.user_id,
                profile.display_name,
                profile.certificate_number,
                " ".join(profile.domains),
                " ".join(profile.regions),
                perf.mediated,
                perf.completed,
                perf.gross_value.get("CNY", 0),
                round(perf.median_days, 2) if perf.median_days is not None else "",
                round(perf.dispute_rate, 4) if perf.dispute_rate is not None else "",
                round(perf.rating_average, 2) if perf.rating_average is not None else "",
                perf.rating_count,
            ]
        )
    return out


def broker_user(session: Session, broker_id: int) -> User:
    user = session.get(User, broker_id)
    if user is None:
        raise NotFound(N_("No broker %(broker)s."), broker=broker_id)
    return user


def profile_detail(session: Session, profile: BrokerProfile) -> BrokerProfile:
    """The public profile with the broker's performance (all time) and latest ratings
    (set on the object for the response schema only)."""
    perf = performance(session, [profile.user_id])[profile.user_id]
    profile.performance = perf.as_dict()
    profile.ratings = ratings_of(session, profile.user_id)
    return profile
