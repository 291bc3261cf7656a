"""Owners' analytics: what happened around one listing or demand, day by day (Asia/Shanghai)
— page views (item_views.py), inquiries (deals opened on it), matches (the other side's
items it was matched with in alerts, each counterpart once a day) and saved-search hits
(saved searches that alerted their owners to it, each once). For the members of the
item's organization and operators."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.core.errors import Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.messages import N_, Message
from marketplace.models import Deal, Demand, ItemViewCount, Listing, Notification, User
from marketplace.models.types import utcnow
from marketplace.statistics.figures import Column
from marketplace.statistics.periods import local_day, local_midnight, local_today

MODELS = {"listings": Listing, "demands": Demand}
MAX_DAYS = 366
COLUMNS = (
    Column("day", "day", N_("Day")),
    Column("views", "count", N_("Views")),
    Column("inquiries", "count", N_("Inquiries")),
    Column("matches", "count", N_("Matches")),
    Column("saved_search_hits", "count", N_("Saved-search hits")),
)


def owned_item(session: Session, actor: User | None, doc_type: str, item_id: int):
    model = MODELS[doc_type]
    item = session.get(model, item_id)
    if item is None:
        raise NotFound(N_("No such item."))
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    if not (
        actor.is_operator
        or (actor.organization_id and actor.organization_id == item.organization_id)
    ):
        if item.status != "published":  # what a stranger cannot see does not exist for them
            raise NotFound(N_("No such item."))
        raise Forbidden(N_("Only the item's organization sees its analytics."))
    return item


def item_analytics(
    session: Session,
    actor: User | None,
    doc_type: str,
    item_id: int,
    *,
    days: int = 30,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The item's daily rows over the last ``days`` days (today included) and its totals
    over all time."""
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise Invalid(
            {"days": Message(N_("A whole number of days from 1 to %(max)s."), max=MAX_DAYS)}
        )
    item = owned_item(session, actor, doc_type, item_id)
    today = local_today(now or utcnow())
    first = today - timedelta(days=days - 1)
    series = {c.key: {} for c in COLUMNS[1:]}
    for key, counts in (
        ("views", _views(session, doc_type, item.id, first)),
        ("inquiries", _inquiries(session, doc_type, item.id, first)),
        ("matches", _matches(session, doc_type, item.id, first)),
        ("saved_search_hits", _saved_search_hits(session, doc_type, item.id, first)),
    ):
        series[key] = {str(day): int(n) for day, n in counts}
    rows = []
    for i in range(days):
        day = (first + timedelta(days=i)).isoformat()
        rows.append([day] + [series[c.key].get(day, 0) for c in COLUMNS[1:]])
    totals = {
        "views": sum(n for _, n in _views(session, doc_type, item.id, None)),
        "inquiries": sum(n for _, n in _inquiries(session, doc_type, item.id, None)),
        "matches": sum(n for _, n in _matches(session, doc_type, item.id, None)),
        "saved_search_hits": sum(
            n for _, n in _saved_search_hits(session, doc_type, item.id, None)
        ),
    }
    return {"item": item, "doc_type": doc_type, "days": days, "rows": rows, "totals": totals}


def _views(session, doc_type, item_id, first):
    stmt = select(ItemViewCount.day, func.sum(ItemViewCount.views)).where(
        ItemViewCount.doc_type == doc_type, ItemViewCount.doc_id == item_id
    )
    if first is not None:
        stmt = stmt.where(ItemViewCount.day >= first)
    return [(day, int(n)) for day, n in session.execute(stmt.group_by(ItemViewCount.day))]


def _inquiries(session, doc_type, item_id, first):
    fk = Deal.listing_id if doc_type == "listings" else Deal.demand_id
    stmt = select(func.count(Deal.id)).where(fk == item_id)
    return [(d, n) for n, d in _daily_rows(session, stmt, Deal.created_at, first)]


def _matches(session, doc_type, item_id, first):
    mine, other = (
        (Notification.listing_id, Notification.demand_id)
        if doc_type == "listings"
        else (Notification.demand_id, Notification.listing_id)
    )
    stmt = select(func.count(func.distinct(other))).where(
        Notification.kind.in_(("match_listing", "match_demand")), mine == item_id
    )
    return [(d, n) for n, d in _daily_rows(session, stmt, Notification.created_at, first)]


def _saved_search_hits(session, doc_type, item_id, first):
    mine = Notification.listing_id if doc_type == "listings" else Notification.demand_id
    stmt = select(func.count(func.distinct(Notification.saved_search_id))).where(
        Notification.kind == "saved_search", mine == item_id
    )
    return [(d, n) for n, d in _daily_rows(session, stmt, Notification.created_at, first)]


def _daily_rows(session, stmt, at, first):
    day = local_day(at)
    if first is not None:
        stmt = stmt.where(at >= local_midnight(first))
    return [(int(n), d) for n, d in session.execute(stmt.add_columns(day).group_by(day))]
