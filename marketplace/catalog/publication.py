"""The publication workflow shared by listings and demands.

One explicit transition table, applied by one function under a row lock, so that
two operators (or an owner and an operator) acting at once cannot both win.

    draft ──submit──▶ pending_review ──publish──▶ published ──close──▶ closed
      ▲                  │    ▲                      │
      │               reject  └──submit── rejected ◀─┘ reject (take-down)
      └─ withdraw from draft, pending_review, published or rejected ──▶ withdrawn
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.locking import flush_or_conflict
from marketplace.core.messages import N_, Message
from marketplace.core.uow import unit_of_work
from marketplace.models import Demand, Listing, User
from marketplace.models.types import utcnow

Item = TypeVar("Item", Listing, Demand)

OWNER = "owner"
OPERATOR = "operator"

# (state, action) → (next state, who may do it)
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("draft", "submit"): ("pending_review", OWNER),
    ("rejected", "submit"): ("pending_review", OWNER),
    ("pending_review", "publish"): ("published", OPERATOR),
    ("pending_review", "reject"): ("rejected", OPERATOR),
    ("published", "reject"): ("rejected", OPERATOR),
    ("published", "close"): ("closed", OWNER),
    ("draft", "withdraw"): ("withdrawn", OWNER),
    ("pending_review", "withdraw"): ("withdrawn", OWNER),
    ("published", "withdraw"): ("withdrawn", OWNER),
    ("rejected", "withdraw"): ("withdrawn", OWNER),
}
ACTIONS = tuple(sorted({action for _, action in TRANSITIONS}))
# States in which the owner may edit; editing a published item sends it back to review.
EDITABLE_STATES = ("draft", "rejected", "pending_review", "published")
PUBLIC_STATES = ("published", "closed")


def is_member(actor: User | None, item: Listing | Demand) -> bool:
    return actor is not None and actor.organization_id == item.organization_id


def can_view(actor: User | None, item: Listing | Demand) -> bool:
    if item.status in PUBLIC_STATES:
        return True
    return actor is not None and (actor.is_operator or is_member(actor, item))


def can_edit(actor: User | None, item: Listing | Demand) -> bool:
    return is_member(actor, item) and item.status in EDITABLE_STATES


def visible_clause(model: type[Item], actor: User | None):
    """SQL condition: the rows of ``model`` that ``actor`` may see."""
    public = model.status.in_(PUBLIC_STATES)
    if actor is None:
        return public
    if actor.is_operator:
        return True
    if actor.organization_id is not None:
        return or_(public, model.organization_id == actor.organization_id)
    return public


def not_found(model: type[Item], item_id: int) -> NotFound:
    """No such item, or not one the actor may see (the same answer either way)."""
    if model is Listing:
        return NotFound(N_("No listing %(id)s."), id=item_id)
    return NotFound(N_("No demand %(id)s."), id=item_id)


def get_visible(session: Session, model: type[Item], item_id: int, actor: User | None) -> Item:
    """The item if the actor may see it; NotFound otherwise (drafts are not admitted to exist)."""
    item = session.get(model, item_id)
    if item is None or not can_view(actor, item):
        raise not_found(model, item_id)
    return item


def lock(session: Session, model: type[Item], item_id: int) -> Item | None:
    return session.scalar(
        select(model)
        .where(model.id == item_id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    )


def lock_owned(session: Session, model: type[Item], item_id: int, actor: User, verb: str) -> Item:
    """Lock the item for a change that only members of its organization may make."""
    item = lock(session, model, item_id)
    if item is None or not can_view(actor, item):
        raise not_found(model, item_id)
    if not is_member(actor, item):
        raise Forbidden(
            N_("Only members of the owning organization may %(action)s it."), action=verb
        )
    return item


def after_edit(item: Listing | Demand) -> None:
    """What the operator approved is no longer what is shown: a published item goes back to review."""
    if item.status == "published":
        item.status = "pending_review"
        item.submitted_at = utcnow()


def allowed_actions(actor: User | None, item: Listing | Demand) -> list[str]:
    """The actions this actor may apply now (for buttons and the API's `actions` field)."""
    result = []
    for (state, action), (_, who) in TRANSITIONS.items():
        if state != item.status:
            continue
        if (who == OWNER and is_member(actor, item)) or (
            who == OPERATOR and actor is not None and actor.is_operator
        ):
            result.append(action)
    return result


@unit_of_work
def transition(
    session: Session,
    model: type[Item],
    item_id: int,
    action: str,
    actor: User | None,
    reason: str = "",
) -> Item:
    """Apply one workflow action under a row lock (one unit of work)."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    item = lock(session, model, item_id)
    if item is None or not can_view(actor, item):
        raise not_found(model, item_id)
    if action not in ACTIONS:
        raise Invalid({"action": Message(N_("Unknown action '%(action)s'."), action=action)})
    rule = TRANSITIONS.get((item.status, action))
    if rule is None:
        raise Conflict(
            N_("Cannot %(action)s a %(kind)s that is %(status)s."),
            code="item_state",
            action=action,
            kind=model.__tablename__,
            status=item.status,
        )
    next_state, who = rule
    if who == OWNER and not is_member(actor, item):
        raise Forbidden(
            N_("Only members of the owning organization may %(action)s it."), action=action
        )
    if who == OPERATOR and not actor.is_operator:
        raise Forbidden(N_("Only operators may %(action)s."), action=action)
    if action == "reject":
        reason = (reason or "").strip()
        if not reason:
            raise Invalid({"reason": N_("Say why it is rejected; the owner sees this.")})
        item.rejection_reason = reason
    now = utcnow()
    if next_state == "pending_review":
        item.submitted_at = now
    if next_state == "published":
        item.published_at = now
        item.rejection_reason = ""
    item.status = next_state
    flush_or_conflict(session)
    return item


def base_query(
    model: type[Item],
    actor: User | None,
    *,
    domain: str | None = None,
    region: str | None = None,
    status: str | None = None,
    organization_id: int | None = None,
    q: str | None = None,
) -> Select:
    """Filtered, visibility-restricted query shared by the listing and demand lists."""
    stmt = select(model).where(visible_clause(model, actor))
    if domain:
        stmt = stmt.where(model.domain == domain)
    if region:
        stmt = stmt.where(model.region == region)
    if status == "any":
        pass
    elif status:
        stmt = stmt.where(model.status == status)
    else:
        # Without an explicit status filter a list shows the market: what is published.
        stmt = stmt.where(model.status == "published")
    if organization_id:
        stmt = stmt.where(model.organization_id == organization_id)
    if q:
        # Simple substring filter for the database list; full-text search lives in search/.
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(model.title.ilike(like), model.description.ilike(like)))
    return stmt


def apply_changes(item: Listing | Demand, changes: dict[str, Any]) -> bool:
    """Set attributes that differ; True if anything changed."""
    changed = False
    for key, value in changes.items():
        if getattr(item, key) != value:
            setattr(item, key, value)
            changed = True
    return changed
