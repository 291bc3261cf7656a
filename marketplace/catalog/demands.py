"""Demands (技术需求): create, edit, list, and the publication workflow."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from marketplace.catalog import publication
from marketplace.core.errors import Conflict, Forbidden, Invalid, Unauthorized
from marketplace.core.locking import flush_or_conflict
from marketplace.core.messages import N_
from marketplace.core.paging import Page, paginate
from marketplace.core.uow import unit_of_work
from marketplace.models import Demand, User

DEMAND_FIELDS = (
    "title",
    "description",
    "domain",
    "budget_min",
    "budget_max",
    "currency",
    "cooperation_modes",
    "deadline",
    "region",
    "language",
)


def check_budget(data: dict[str, Any]) -> None:
    low, high = data.get("budget_min"), data.get("budget_max")
    if low is not None and high is not None and low > high:
        raise Invalid({"budget_max": N_("The maximum budget is below the minimum.")})


def _require_author(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    if actor.organization_id is None:
        raise Forbidden(N_("Only members of an organization can post a demand."))
    return actor


@unit_of_work
def create_demand(session: Session, actor: User | None, data: dict[str, Any]) -> Demand:
    actor = _require_author(actor)
    check_budget(data)
    demand = Demand(
        **{k: data[k] for k in DEMAND_FIELDS if k in data},
        organization_id=actor.organization_id,
        created_by_id=actor.id,
        status="draft",
    )
    session.add(demand)
    session.flush()
    return demand


@unit_of_work
def update_demand(
    session: Session, actor: User | None, demand_id: int, data: dict[str, Any]
) -> Demand:
    actor = _require_author(actor)
    demand = publication.lock_owned(session, Demand, demand_id, actor, "edit")
    if demand.status not in publication.EDITABLE_STATES:
        raise Conflict(
            N_("A %(status)s %(kind)s can no longer be edited."),
            code="item_state",
            status=demand.status,
            kind="demand",
        )
    merged = {k: getattr(demand, k) for k in DEMAND_FIELDS} | dict(data)
    check_budget(merged)
    if publication.apply_changes(demand, {k: v for k, v in data.items() if k in DEMAND_FIELDS}):
        publication.after_edit(demand)
    flush_or_conflict(session)
    return demand


@unit_of_work
def delete_demand(session: Session, actor: User | None, demand_id: int) -> None:
    actor = _require_author(actor)
    demand = publication.lock_owned(session, Demand, demand_id, actor, "delete")
    if demand.status != "draft":
        raise Conflict(
            N_("Only drafts can be deleted; withdraw a submitted demand instead."),
            code="item_state",
        )
    session.delete(demand)
    session.flush()


def list_demands(
    session: Session,
    actor: User | None,
    *,
    page: int = 1,
    per_page: int = 20,
    min_budget: int | None = None,
    max_budget: int | None = None,
    sort: str = "newest",
    **filters: Any,
) -> Page:
    stmt = publication.base_query(Demand, actor, **filters)
    # A price range selects demands whose budget range overlaps it.
    if min_budget is not None:
        stmt = stmt.where((Demand.budget_max.is_(None)) | (Demand.budget_max >= min_budget))
    if max_budget is not None:
        stmt = stmt.where((Demand.budget_min.is_(None)) | (Demand.budget_min <= max_budget))
    order = {
        "newest": (Demand.published_at.desc().nulls_last(), Demand.id.desc()),
        "updated": (Demand.updated_at.desc(), Demand.id.desc()),
        "deadline": (Demand.deadline.asc().nulls_last(), Demand.id),
        "budget_desc": (Demand.budget_max.desc().nulls_last(), Demand.id),
    }[sort]
    return paginate(session, stmt.order_by(*order), page, per_page)


def get_demand(session: Session, actor: User | None, demand_id: int) -> Demand:
    return publication.get_visible(session, Demand, demand_id, actor)
