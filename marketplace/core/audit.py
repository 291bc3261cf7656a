"""The audit log: operator and money actions, append-only, searchable by operators.

``record`` is called by the service that does the action, in the same transaction (so an
action and its entry commit or roll back together). Who: the actor; when: now; from where:
the ``ip`` the service was given, else the request's address that the web layer puts in
``request_ip`` for the request; what: an action name and a target; before/after: the
fields the action changed. The table's triggers refuse UPDATE and DELETE (migration 0013).
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.errors import Forbidden, Unauthorized
from marketplace.core.localtime import local
from marketplace.core.messages import N_
from marketplace.models import AuditEntry, User

# Set by the web layer for each request (web/request_body.py); services never read Flask.
request_ip: ContextVar[str] = ContextVar("request_ip", default="")

COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_email",
    "ip",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
)


def record(
    session: Session,
    actor: User | None,
    action: str,
    target_type: str = "",
    target_id: Any = "",
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "",
        ip=(ip or request_ip.get() or "")[:45],
        action=action,
        target_type=target_type,
        target_id=str(target_id or ""),
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


def _require_operator(actor: User | None) -> None:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    if not actor.is_operator:
        raise Forbidden(N_("Only operators may read the audit log."))


def search(
    session: Session,
    actor: User | None,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[AuditEntry]:
    """Entries newest first, filtered; ``before_id`` pages back through older ones."""
    _require_operator(actor)
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id:
        stmt = stmt.where(AuditEntry.target_id == str(target_id))
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(session.scalars(stmt))


def as_text(change: dict | None) -> str:
    """A before/after snapshot as people read it (the page and the exports): JSON with its
    Chinese as it is, keys sorted."""
    return json.dumps(change, ensure_ascii=False, sort_keys=True) if change else ""


def rows(entries: list[AuditEntry]) -> list[list[Any]]:
    """The entries as plain rows for the CSV/XLSX export (web/exports.py)."""
    out = []
    for e in entries:
        out.append(
            [
                e.id,
                local(e.at).isoformat(),
                e.actor_id if e.actor_id is not None else "",
                e.actor_email,
                e.ip,
                e.action,
                e.target_type,
                e.target_id,
                as_text(e.before),
                as_text(e.after),
            ]
        )
    return out
