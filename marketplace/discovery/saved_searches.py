"""Saved searches (保存的搜索): a user's query and facet filters, run again on demand and
checked against newly published items by the alert step.

The stored query is what the search argument schemas validated (q, facets, price and
TRL bounds); paging and sort are not part of a saved search. Only the owner sees,
changes or deletes a saved search; anyone else gets 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.core.errors import Invalid, NotFound, Unauthorized
from marketplace.core.messages import N_, Message
from marketplace.core.uow import unit_of_work
from marketplace.discovery import search as search_service
from marketplace.discovery.index import search_index
from marketplace.models import SavedSearch, User
from search.queries import SearchParams, build_search, query_keys

MAX_PER_USER = 50
NEW_RESULTS_SCAN = 100  # how far back "new results" looks, newest first


def clean_query(doc_type: str, args: dict[str, Any]) -> dict[str, Any]:
    """Validated search arguments → what is stored: the kept keys, blanks dropped."""
    return {
        k: v for k, v in args.items() if k in query_keys(doc_type) and v not in (None, "", [], ())
    }


def _require(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    return actor


def list_saved(session: Session, actor: User | None) -> list[SavedSearch]:
    user = _require(actor)
    return list(
        session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == user.id)
            .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())
        )
    )


def get_own(session: Session, actor: User | None, saved_id: int) -> SavedSearch:
    user = _require(actor)
    saved = session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user.id:
        raise NotFound(N_("No saved search %(saved)s."), saved=saved_id)
    return saved


def _name_taken(session: Session, user_id: int, name: str, except_id: int | None) -> bool:
    stmt = select(SavedSearch.id).where(SavedSearch.user_id == user_id, SavedSearch.name == name)
    if except_id is not None:
        stmt = stmt.where(SavedSearch.id != except_id)
    return session.scalar(stmt) is not None


NAME_TAKEN = N_("You already have a saved search with this name.")


def _flush_or_name_taken(session: Session) -> None:
    """A concurrent save under the same name loses on the unique constraint (the
    transaction held nothing else; the unit of work rolls it back whole)."""
    try:
        session.flush()
    except IntegrityError:
        raise Invalid({"name": NAME_TAKEN}) from None


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid({"name": N_("Give the search a name.")})
    return name


@unit_of_work
def create(
    session: Session,
    actor: User | None,
    *,
    name: str,
    doc_type: str,
    query: dict[str, Any],
    alerts: bool = True,
) -> SavedSearch:
    """Save a search for the actor."""
    user = _require(actor)
    name = _clean_name(name)
    count = session.scalar(
        select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id)
    )
    if (count or 0) >= MAX_PER_USER:
        raise Invalid(
            {
                "name": Message(
                    N_("You can keep %(count)s saved searches; delete one to save another."),
                    count=MAX_PER_USER,
                )
            }
        )
    if _name_taken(session, user.id, name, None):
        raise Invalid({"name": NAME_TAKEN})
    saved = SavedSearch(
        user_id=user.id,
        name=name,
        doc_type=doc_type,
        query=clean_query(doc_type, query),
        alerts=alerts,
    )
    session.add(saved)
    _flush_or_name_taken(session)
    return saved


@unit_of_work
def update(
    session: Session, actor: User | None, saved_id: int, changes: dict[str, Any]
) -> SavedSearch:
    """Rename, switch alerts, or replace the query."""
    saved = get_own(session, actor, saved_id)
    if "name" in changes:
        name = _clean_name(changes["name"])
        if _name_taken(session, saved.user_id, name, saved.id):
            raise Invalid({"name": NAME_TAKEN})
        saved.name = name
    if "alerts" in changes:
        saved.alerts = bool(changes["alerts"])
    if "query" in changes:
        saved.query = clean_query(saved.doc_type, changes["query"])
    _flush_or_name_taken(session)
    return saved


@unit_of_work
def delete(session: Session, actor: User | None, saved_id: int) -> None:
    saved = get_own(session, actor, saved_id)
    session.delete(saved)
    session.flush()


def params(saved: SavedSearch, **overrides: Any) -> SearchParams:
    return search_service.params_from_args(saved.doc_type, {**saved.query, **overrides})


def watermark(saved: SavedSearch) -> datetime:
    """Results published after this are new: the last alert, or when it was saved."""
    return saved.last_notified_at or saved.created_at


def new_results(session: Session, saved: SavedSearch, limit: int = 20) -> dict[str, Any]:
    """The saved search run now through the search service, newest first, keeping the
    results published after the watermark (scans the newest NEW_RESULTS_SCAN)."""
    since = aware(watermark(saved))
    result = search_service.search(
        session, params(saved, sort="newest", page=1, per_page=NEW_RESULTS_SCAN)
    )
    fresh = [
        item
        for item in result["items"]
        if item.get("published_at") and _parse(item["published_at"]) > since
    ]
    return {
        "items": fresh[:limit],
        "total": len(fresh),
        "more": len(fresh) == NEW_RESULTS_SCAN,
        "since": since,
        "degraded": result["degraded"],
    }


def matching_ids(saved: SavedSearch, ids: list[int]) -> set[int]:
    """Which of these (published, indexed) items the saved search finds: its own query
    restricted to the ids. Raises the search client's errors (the alert step retries)."""
    if not ids:
        return set()
    body = build_search(params(saved, sort="newest", page=1, per_page=len(ids)))
    body["query"]["bool"]["filter"].append({"ids": {"values": [str(i) for i in ids]}})
    for unused in ("aggs", "highlight", "track_total_hits"):
        body.pop(unused, None)
    body["_source"] = False
    index = search_index()
    response = index.client.search(index=index.names.alias(saved.doc_type), **body)
    return {int(hit["_id"]) for hit in response.body["hits"]["hits"]}


def could_match(saved: SavedSearch, item: Any) -> bool:
    """A cheap pre-check before asking the index: the item's own domain and region
    against the saved filters (both are exact values in the index too)."""
    for name in ("domain", "region"):
        wanted = saved.query.get(name)
        if wanted and getattr(item, name) not in wanted:
            return False
    return True


def _parse(value: str) -> datetime:
    return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = [
    "MAX_PER_USER",
    "clean_query",
    "could_match",
    "create",
    "delete",
    "get_own",
    "list_saved",
    "matching_ids",
    "new_results",
    "params",
    "query_keys",
    "update",
    "watermark",
]
