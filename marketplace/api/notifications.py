"""Notifications API (the bell), notification preferences, and saved searches.

Everything here is the caller's own: another user's notification or saved search does
not exist for them (404). Anonymous callers get 401.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_smorest import Blueprint, abort
from marshmallow import ValidationError

from marketplace.api.spec import login_required
from marketplace.core.errors import Unauthorized
from marketplace.core.messages import N_
from marketplace.discovery import saved_searches
from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.notifications import inbox as notifications
from marketplace.schemas.common import ApiError
from marketplace.schemas.notifications import (
    MarkedCount,
    NewResults,
    NotificationOut,
    NotificationPage,
    NotificationQuery,
    PreferencesOut,
    PreferencesSchema,
    SavedSearchIn,
    SavedSearchList,
    SavedSearchOut,
    SavedSearchPatch,
    UnreadCount,
    load_query,
)
from marketplace.web.auth import current_actor


def notification_view(n: Notification) -> dict[str, Any]:
    endpoint, values = notifications.target_endpoint(n)
    target_type, target_id = n.target
    return {
        "id": n.id,
        "kind": n.kind,
        "title": notifications.title(n),
        "body": notifications.body(n),
        "target_type": target_type,
        "target_id": target_id,
        "link": url_for(endpoint, **values),
        "listing_id": n.listing_id,
        "demand_id": n.demand_id,
        "saved_search_id": n.saved_search_id,
        "deal_id": n.deal_id,
        "payload": n.payload,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


def _actor():
    actor = current_actor()
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    return actor


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "notifications",
        __name__,
        url_prefix="/api/v1",
        description="Notifications, alert preferences and saved searches",
    )

    @blp.route("/notifications", methods=["GET"])
    @login_required(blp)
    @blp.arguments(NotificationQuery, location="query")
    @blp.response(200, NotificationPage)
    @blp.alt_response(401, schema=ApiError)
    def list_notifications(args):
        """The caller's notifications, newest first (`unread=true`: only unread ones)."""
        actor = _actor()
        page = notifications.list_notifications(db.session, actor, **args)
        return {
            "items": [notification_view(n) for n in page.items],
            "meta": {
                "page": page.page,
                "per_page": page.per_page,
                "total": page.total,
                "pages": page.pages,
            },
            "unread": notifications.unread_count(db.session, actor),
        }

    @blp.route("/notifications/unread-count", methods=["GET"])
    @login_required(blp)
    @blp.response(200, UnreadCount)
    @blp.alt_response(401, schema=ApiError)
    def unread_count():
        """How many of the caller's notifications are unread (the bell's number)."""
        return {"unread": notifications.unread_count(db.session, _actor())}

    @blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
    @login_required(blp)
    @blp.response(200, NotificationOut)
    @blp.alt_response(404, schema=ApiError)
    def mark_read(notification_id: int):
        """Mark one notification read (again is fine)."""
        n = notifications.mark_read(db.session, _actor(), notification_id)
        return notification_view(n)

    @blp.route("/notifications/read-all", methods=["POST"])
    @login_required(blp)
    @blp.response(200, MarkedCount)
    def mark_all_read():
        """Mark every unread notification of the caller read."""
        marked = notifications.mark_all_read(db.session, _actor())
        return {"marked": marked}

    @blp.route("/notifications/preferences", methods=["GET"])
    @login_required(blp)
    @blp.response(200, PreferencesOut)
    def get_preferences():
        """Which alerts the caller receives (all on until turned off)."""
        return vars(notifications.preferences(db.session, _actor()))

    @blp.route("/notifications/preferences", methods=["PUT"])
    @login_required(blp)
    @blp.arguments(PreferencesSchema)
    @blp.response(200, PreferencesOut)
    @blp.alt_response(422, schema=ApiError)
    def put_preferences(data):
        """Turn match alerts, saved-search alerts or their e-mail copies on or off;
        fields left out keep their value."""
        prefs = notifications.set_preferences(db.session, _actor(), data)
        return vars(prefs)

    @blp.route("/saved-searches", methods=["GET"])
    @login_required(blp)
    @blp.response(200, SavedSearchList)
    def list_saved():
        """The caller's saved searches, newest first."""
        return {"items": saved_searches.list_saved(db.session, _actor())}

    @blp.route("/saved-searches", methods=["POST"])
    @login_required(blp)
    @blp.arguments(SavedSearchIn)
    @blp.response(201, SavedSearchOut)
    @blp.alt_response(422, schema=ApiError)
    def create_saved(data):
        """Save a search (the same arguments as /search/listings or /search/demands,
        without paging or sort); with `alerts`, new results are notified."""
        saved = saved_searches.create(db.session, _actor(), **data)
        return saved

    @blp.route("/saved-searches/<int:saved_id>", methods=["GET"])
    @login_required(blp)
    @blp.response(200, SavedSearchOut)
    @blp.alt_response(404, schema=ApiError)
    def get_saved(saved_id: int):
        return saved_searches.get_own(db.session, _actor(), saved_id)

    @blp.route("/saved-searches/<int:saved_id>", methods=["PATCH"])
    @login_required(blp)
    @blp.arguments(SavedSearchPatch)
    @blp.response(200, SavedSearchOut)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def update_saved(data, saved_id: int):
        """Rename it, switch its alerts, or replace its query."""
        actor = _actor()
        if "query" in data:
            doc_type = saved_searches.get_own(db.session, actor, saved_id).doc_type
            try:
                data["query"] = load_query(doc_type, data["query"])
            except ValidationError as exc:
                abort(422, messages={"json": exc.messages})
        saved = saved_searches.update(db.session, actor, saved_id, data)
        return saved

    @blp.route("/saved-searches/<int:saved_id>", methods=["DELETE"])
    @login_required(blp)
    @blp.response(204)
    @blp.alt_response(404, schema=ApiError)
    def delete_saved(saved_id: int):
        saved_searches.delete(db.session, _actor(), saved_id)

    @blp.route("/saved-searches/<int:saved_id>/new", methods=["GET"])
    @login_required(blp)
    @blp.response(200, NewResults)
    @blp.alt_response(404, schema=ApiError)
    def new_results(saved_id: int):
        """Results of the saved search published since its watermark (the last alert,
        or when it was saved), newest first."""
        saved = saved_searches.get_own(db.session, _actor(), saved_id)
        return saved_searches.new_results(db.session, saved)

    return blp
