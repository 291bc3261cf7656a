"""In-app notifications and their e-mail copies; each user's notification preferences.

A notification is created at most once per (user, kind, listing, demand): the insert is
guarded by a unique index (``uq_notification_once``) with ``ON CONFLICT DO NOTHING``, so
two workers alerting about the same pair at the same moment leave one row (PostgreSQL
makes the second insert wait for the first and then skip it). E-mail goes out after the
row is committed, claimed by a conditional update in the transaction that sends it, so
that it is sent once and a worker that dies while sending leaves it for the next.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from marketplace.core.errors import NotFound, Unauthorized
from marketplace.core.mailer import link_for, send_mail
from marketplace.core.messages import N_
from marketplace.core.paging import Page, paginate
from marketplace.core.uow import current as current_unit
from marketplace.core.uow import unit_of_work
from marketplace.models import Notification, NotificationPreference, User
from marketplace.models.types import utcnow
from marketplace.notifications import texts

log = logging.getLogger(__name__)
PREFERENCE_FIELDS = (
    "match_alerts",
    "saved_search_alerts",
    "deal_events",
    "broker_events",
    "publication_events",
    "auction_events",
    "challenge_events",
    "email",
)
TERMS_SHOWN = 8


# -- preferences -------------------------------------------------------------------
@dataclass(frozen=True)
class Preferences:
    match_alerts: bool = True
    saved_search_alerts: bool = True
    deal_events: bool = True
    broker_events: bool = True
    publication_events: bool = True
    auction_events: bool = True
    challenge_events: bool = True
    email: bool = True


def _require(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    return actor


def preferences(session: Session, actor: User | None) -> Preferences:
    """The actor's preferences; every alert is on until the user turns it off."""
    row = session.get(NotificationPreference, _require(actor).id)
    if row is None:
        return Preferences()
    return Preferences(**{name: getattr(row, name) for name in PREFERENCE_FIELDS})


@unit_of_work
def set_preferences(session: Session, actor: User | None, changes: dict[str, bool]) -> Preferences:
    """Change some of the actor's preferences."""
    user = _require(actor)
    row = session.get(NotificationPreference, user.id)
    if row is None:
        row = NotificationPreference(user_id=user.id, **vars(Preferences()))
        session.add(row)
    for name in PREFERENCE_FIELDS:
        if name in changes:
            setattr(row, name, bool(changes[name]))
    session.flush()
    return preferences(session, user)


def preferences_of(session: Session, user_ids: list[int]) -> dict[int, Preferences]:
    """Preferences of many users at once (the alert step's recipients)."""
    rows = session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids))
    )
    found = {
        row.user_id: Preferences(**{n: getattr(row, n) for n in PREFERENCE_FIELDS}) for row in rows
    }
    return {uid: found.get(uid, Preferences()) for uid in user_ids}


# -- creating ------------------------------------------------------------------------
def create(
    session: Session,
    *,
    user_id: int,
    kind: str,
    listing_id: int | None = None,
    demand_id: int | None = None,
    saved_search_id: int | None = None,
    deal_id: int | None = None,
    event_key: str = "",
    payload: dict[str, Any] | None = None,
    email: bool = False,
) -> int | None:
    """Insert one notification unless this user already has one for (kind, listing,
    demand, deal, event); return the new id, or None when it existed. The caller
    commits; inside a unit of work its e-mail copy is sent once that unit has committed
    (otherwise by the worker's next ``send_pending_mail``)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(Notification)
        .values(
            user_id=user_id,
            kind=kind,
            listing_id=listing_id,
            demand_id=demand_id,
            saved_search_id=saved_search_id,
            deal_id=deal_id,
            event_key=event_key,
            payload=payload or {},
            created_at=utcnow(),
            email_state="pending" if email else "none",
            email_error="",
        )
        .on_conflict_do_nothing()
        .returning(Notification.id)
    )
    new_id = session.execute(stmt).scalar()
    if new_id is not None and email:
        _mail_after_commit(session, new_id)
    return new_id


_MAIL_QUEUE = "notification_mail"


def _mail_after_commit(session: Session, notification_id: int) -> None:
    """Send the e-mail copy once the unit of work that created the row has committed:
    one callback per unit sends all its copies (each claimed as send_pending_mail does).
    Without a unit (the alert worker's own transactions) the worker sends them."""
    unit = current_unit(session)
    if unit is None:
        return
    queue = unit.__dict__.setdefault(_MAIL_QUEUE, [])
    if not queue:
        unit.on_commit(lambda: send_pending_mail(session, ids=list(queue)))
    queue.append(notification_id)


# -- reading -------------------------------------------------------------------------
def list_notifications(
    session: Session,
    actor: User | None,
    *,
    unread: bool = False,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    user = _require(actor)
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    stmt = stmt.order_by(Notification.id.desc())
    return paginate(session, stmt, page, per_page)


def unread_count(session: Session, actor: User | None) -> int:
    user = _require(actor)
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def get_own(session: Session, actor: User | None, notification_id: int) -> Notification:
    """The actor's notification; someone else's does not exist for them (404)."""
    user = _require(actor)
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise NotFound(N_("No notification %(notification)s."), notification=notification_id)
    return row


@unit_of_work
def mark_read(session: Session, actor: User | None, notification_id: int) -> Notification:
    row = get_own(session, actor, notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
        session.flush()
    return row


@unit_of_work
def mark_all_read(session: Session, actor: User | None) -> int:
    user = _require(actor)
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0


# -- text: rendered in the reader's language when shown or mailed --------------------
def title(n: Notification) -> str:
    p = n.payload or {}
    if n.kind in texts.TITLES:
        return texts.title(n.kind, p)
    if n.kind == "match_listing":
        return _("A new listing matches your demand “%(title)s”", title=p.get("demand_title", ""))
    if n.kind == "match_demand":
        return _("A new demand matches your listing “%(title)s”", title=p.get("listing_title", ""))
    return _("New result for your saved search “%(name)s”", name=p.get("search_name", ""))


def body(n: Notification) -> str:
    p = n.payload or {}
    if n.kind in texts.TITLES:
        return texts.body(n.kind, p)
    if n.kind == "saved_search":
        return p.get("item_title", "")
    other = p.get("listing_title" if n.kind == "match_listing" else "demand_title", "")
    terms = p.get("matched_terms") or []
    if not terms:
        return other
    return _(
        "%(title)s — matched on: %(terms)s",
        title=other,
        terms=", ".join(terms[:TERMS_SHOWN]),
    )


def target_endpoint(n: Notification) -> tuple[str, dict[str, int]]:
    if n.kind in texts.TITLES:
        return texts.target(
            n.kind,
            deal_id=n.deal_id,
            listing_id=n.listing_id,
            demand_id=n.demand_id,
            payload=n.payload or {},
        )
    doc_type, item_id = n.target
    endpoint = "views.listing_detail" if doc_type == "listings" else "views.demand_detail"
    return endpoint, {"item_id": item_id}


# -- e-mail --------------------------------------------------------------------------
def send_pending_mail(session: Session, limit: int = 100, ids: list[int] | None = None) -> int:
    """Send the e-mail copies of committed notifications: each once, none lost.

    A row is claimed (pending → sent) and the message sent in one transaction, committed
    after the mail server took the message. While it is open the claim holds the row
    (PostgreSQL: a second worker's claim waits, then finds it sent and skips it; SQLite:
    the database's write lock), and a worker that dies before the commit (killed, the
    machine gone) leaves the row pending for the next one: the drill
    tests/search/test_worker_kill_drill.py kills it there. Only a death between the
    server's acceptance and the commit sends a message twice, and both copies carry the
    same Message-ID, by which mail clients drop the second. A message that fails is
    marked failed with the reason and logged (the in-app notification stays).

    ``ids``: only these (a unit of work's own, right after its commit)."""
    stmt = select(Notification.id).where(Notification.email_state == "pending")
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    ids = list(session.scalars(stmt.order_by(Notification.id).limit(limit)))
    session.commit()
    sent = 0
    for notification_id in ids:
        claimed = session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.email_state == "pending")
            .values(email_state="sent"),
            execution_options={"synchronize_session": False},
        ).rowcount
        if not claimed:
            session.rollback()
            continue
        n = session.get(Notification, notification_id)
        try:
            _send_one(n)
        except Exception as exc:  # noqa: BLE001 - recorded on the row and logged, not hidden
            session.rollback()
            log.exception("notification %s: e-mail failed", notification_id)
            session.execute(
                update(Notification)
                .where(Notification.id == notification_id, Notification.email_state == "pending")
                .values(email_state="failed", email_error=f"{type(exc).__name__}: {exc}"[:500]),
                execution_options={"synchronize_session": False},
            )
            session.commit()
            continue
        session.commit()
        sent += 1
    return sent


def _send_one(n: Notification) -> None:
    user = n.user
    locale = user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")
    with force_locale(locale):
        subject = title(n)
        endpoint, values = target_endpoint(n)
        lines = [
            body(n),
            "",
            link_for(endpoint, **values),
            "",
            _("Your notifications: %(url)s", url=link_for("views.notifications")),
            _(
                "To stop these e-mails, change your notification settings: %(url)s",
                url=link_for("views.notification_preferences"),
            ),
        ]
    stamp = n.created_at.strftime("%Y%m%d%H%M%S") if n.created_at else "0"
    send_mail(user.email, subject, "\n".join(lines), message_id=f"notification-{n.id}-{stamp}")
