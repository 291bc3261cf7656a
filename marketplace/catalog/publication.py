"""The publication workflow shared by listings and demands.

One explicit transition table, applied by one function under a row lock, so that
two operators (or an owner and an operator) acting at once cannot both win.

    draft ──submit──▶ pending_review ──publish──▶ published ──close──▶ closed
      ▲                  │    ▲                      │
      │               reject  └──submit── rejected ◀─┘ reject (take-down)
      └─ withdraw from draft, pending_review, published or rejected ──▶ withdrawn

An owner's edit sends a published item back to pending_review; a bulk import creates
items in pending_review, or published with --publish. The table below is the whole of it,
applied by core/lifecycle.py.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from marketplace.core import audit, signals
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.lifecycle import Lifecycle
from marketplace.core.locking import flush_or_conflict
from marketplace.core.messages import N_, Message, Term
from marketplace.core.uow import unit_of_work
from marketplace.models import Demand, Listing, User
from marketplace.models.types import utcnow

Item = TypeVar("Item", Listing, Demand)

OWNER = "owner"  # members of the owning organization
OPERATOR = "operator"  # platform staff
SYSTEM = "system"  # a bulk import (catalog/imports.py): the command line or an operator's upload

# (state, action, role) → next state. Nothing else changes a listing's or demand's status.
TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("draft", "submit", OWNER): "pending_review",
    ("rejected", "submit", OWNER): "pending_review",
    ("pending_review", "publish", OPERATOR): "published",
    ("pending_review", "reject", OPERATOR): "rejected",
    ("published", "reject", OPERATOR): "rejected",
    ("published", "close", OWNER): "closed",
    ("draft", "withdraw", OWNER): "withdrawn",
    ("pending_review", "withdraw", OWNER): "withdrawn",
    ("published", "withdraw", OWNER): "withdrawn",
    ("rejected", "withdraw", OWNER): "withdrawn",
    # An owner's edit (the forms, the API, a member's import): what the operator approved
    # is no longer what is shown, so a published item goes back to review.
    ("draft", "edit", OWNER): "draft",
    ("pending_review", "edit", OWNER): "pending_review",
    ("rejected", "edit", OWNER): "rejected",
    ("published", "edit", OWNER): "pending_review",
    # A bulk import: a new record waits for review, or with --publish is published (and so
    # are existing drafts, pending and rejected ones; closed and withdrawn stay the owner's).
    ("draft", "import", SYSTEM): "pending_review",
    ("draft", "import_publish", SYSTEM): "published",
    ("pending_review", "import_publish", SYSTEM): "published",
    ("rejected", "import_publish", SYSTEM): "published",
}
# The actions users take by name (the API's routes, the pages' buttons); edits and imports
# reach the table through their own services.
ACTIONS = ("close", "publish", "reject", "submit", "withdraw")


# What pages call the rows, their statuses and the actions in refusals.
WORDS: dict[str, Any] = {
    "kind": {"listing": _l("listing"), "demand": _l("demand")},
    "state": {
        "draft": _l("Draft"),
        "pending_review": _l("Pending review"),
        "published": _l("Published"),
        "rejected": _l("Rejected"),
        "closed": _l("Closed"),
        "withdrawn": _l("Withdrawn"),
    },
    "action": {
        "submit": _l("submit for review"),
        "publish": _l("publish"),
        "reject": _l("reject"),
        "close": _l("close"),
        "withdraw": _l("withdraw"),
        "edit": _l("edit"),
        "import": _l("import"),
        "import_publish": _l("import and publish"),
    },
    "role": {"owner": _l("owner"), "operator": _l("operator"), "system": _l("platform")},
}


def kind_term(kind: str) -> Term:
    """ "listing" or "demand" as a message value (on pages, 技术成果 or 技术需求)."""
    return Term(kind, WORDS["kind"].get(kind, kind))


def _cannot(item: Listing | Demand, action: str) -> Conflict:
    return Conflict(
        N_("Cannot %(action)s a %(kind)s that is %(status)s."),
        code="item_state",
        action=PUBLICATION.term("action", action),
        kind=kind_term(item.__tablename__),
        status=PUBLICATION.term("state", item.status),
    )


def _only(item: Listing | Demand, action: str, allowed: frozenset[str]) -> Forbidden:
    verb = PUBLICATION.term("action", action)
    if OWNER in allowed:
        return Forbidden(
            N_("Only members of the owning organization may %(action)s it."), action=verb
        )
    return Forbidden(N_("Only operators may %(action)s."), action=verb)


PUBLICATION: Lifecycle[Listing | Demand] = Lifecycle(
    "publication",
    "status",
    TRANSITIONS,
    initial=("draft",),
    wrong_state=_cannot,
    wrong_role=_only,
    code="item_state",
    words=WORDS,
)
# States in which the owner may edit.
EDITABLE_STATES = PUBLICATION.sources("edit")
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
    before = item.status
    if PUBLICATION.apply(item, "edit", OWNER) != before:
        item.submitted_at = utcnow()


def roles(actor: User | None, item: Listing | Demand) -> list[str]:
    """The roles this user has on this item."""
    result = []
    if is_member(actor, item):
        result.append(OWNER)
    if actor is not None and actor.is_operator:
        result.append(OPERATOR)
    return result


def allowed_actions(actor: User | None, item: Listing | Demand) -> list[str]:
    """The actions this actor may apply now (for buttons and the API's `actions` field)."""
    return [a for a in PUBLICATION.available(item, roles(actor, item)) if a in ACTIONS]


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
    role = PUBLICATION.check(item, action, roles(actor, item))
    if action == "reject":
        reason = (reason or "").strip()
        if not reason:
            raise Invalid({"reason": N_("Say why it is rejected; the owner sees this.")})
        item.rejection_reason = reason
    now = utcnow()
    before = item.status
    next_state = PUBLICATION.apply(item, action, role)
    if next_state == "pending_review":
        item.submitted_at = now
    if next_state == "published":
        item.published_at = now
        item.rejection_reason = ""
    flush_or_conflict(session)
    if role == OPERATOR:  # reviews: publish, reject
        review = audit.record(
            session,
            actor,
            f"{model.__tablename__}.{action}",
            model.__tablename__,
            item.id,
            before={"status": before},
            after={"status": next_state, "reason": item.rejection_reason or ""},
        )
        # The owners are told (notifications/events.py), in this transaction.
        signals.item_reviewed.send(
            session, item=item, action=action, actor_id=actor.id, review_id=review.id
        )
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
