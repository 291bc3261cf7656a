"""通知 and 保存的搜索 pages: the bell's count in the header, the notification list with
mark read, the alert preferences form, "save this search" and "my saved searches"."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from marketplace.discovery import saved_searches
from marketplace.extensions import db
from marketplace.models import Notification, SavedSearch
from marketplace.notifications import inbox as notifications
from marketplace.schemas.common import MAX_PAGE
from marketplace.schemas.notifications import load_query
from marketplace.views.base import (
    actor,
    attempt,
    bp,
    field_errors,
    form_int,
    require_login,
    safe_next,
)
from marketplace.views.search import ENDPOINTS, SCHEMAS, facet_value_label, query_args
from marketplace.views.search import PARAMETER_TITLES as QUERY_TITLES

PER_PAGE = 20


@bp.app_context_processor
def inject_unread_count() -> dict[str, Any]:
    """The bell's number, for logged-in users (one COUNT on an indexed column)."""

    def unread() -> int:
        user = actor()
        return notifications.unread_count(db.session, user) if user is not None else 0

    return {"unread_notifications": unread}


def notification_item(n: Notification) -> dict[str, Any]:
    endpoint, values = notifications.target_endpoint(n)
    return {
        "id": n.id,
        "kind": n.kind,
        "title": notifications.title(n),
        "body": notifications.body(n),
        "url": url_for(endpoint, **values),
        "open_url": url_for("views.notification_open", notification_id=n.id),
        "created_at": n.created_at,
        "unread": n.read_at is None,
    }


@bp.route("/notifications", endpoint="notifications")
@require_login
def notifications_page():
    user = actor()
    unread_only = request.args.get("unread") == "1"
    page_no = form_int(request.args.get("page"), MAX_PAGE) or 1
    page = notifications.list_notifications(
        db.session, user, unread=unread_only, page=page_no, per_page=PER_PAGE
    )
    return render_template(
        "notifications/list.html",
        items=[notification_item(n) for n in page.items],
        page=page,
        unread_only=unread_only,
        unread=notifications.unread_count(db.session, user),
    )


@bp.route("/notifications/<int:notification_id>/open")
@require_login
def notification_open(notification_id: int):
    """Follow a notification: it is read now, and the reader lands on its item."""
    n = notifications.mark_read(db.session, actor(), notification_id)
    endpoint, values = notifications.target_endpoint(n)
    return redirect(url_for(endpoint, **values), 303)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@require_login
def notification_read(notification_id: int):
    notifications.mark_read(db.session, actor(), notification_id)
    return redirect(safe_next(request.form.get("next"), url_for("views.notifications")), 303)


@bp.route("/notifications/read-all", methods=["POST"])
@require_login
def notifications_read_all():
    marked = notifications.mark_all_read(db.session, actor())
    if marked:
        flash(_("All notifications are marked read."), "success")
    return redirect(url_for("views.notifications"), 303)


PREFERENCE_GROUPS = (
    (
        lambda: _("Matches and searches"),
        {
            "match_alerts": lambda: _(
                "New listings or demands that match mine, and new challenges my listings could solve"
            ),
            "saved_search_alerts": lambda: _("New results of my saved searches"),
        },
    ),
    (
        lambda: _("Deals"),
        {
            "deal_events": lambda: _(
                "My deals: inquiries, messages, terms, funding, deliveries, acceptances,"
                " disputes, cancellations, completion and payouts"
            ),
        },
    ),
    (
        lambda: _("Brokers"),
        {
            "broker_events": lambda: _(
                "Broker invitations, brokers joining my deals, mediation offers and answers"
            ),
        },
    ),
    (
        lambda: _("Publication"),
        {"publication_events": lambda: _("My listings and demands approved or rejected")},
    ),
    (
        lambda: _("Auctions"),
        {"auction_events": lambda: _("Another bidder outbids me on an auction lot")},
    ),
    (
        lambda: _("Challenges"),
        {
            "challenge_events": lambda: _(
                "My challenges reviewed, questions and answers on proposals, their outcomes"
            )
        },
    ),
    (lambda: _("E-mail"), {"email": lambda: _("Also send each notification by e-mail")}),
)


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@require_login
def notification_preferences():
    user = actor()
    if request.method == "POST":
        changes = {name: request.form.get(name) == "on" for name in notifications.PREFERENCE_FIELDS}
        notifications.set_preferences(db.session, user, changes)
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("views.notification_preferences"), 303)
    prefs = notifications.preferences(db.session, user)
    return render_template(
        "notifications/preferences.html",
        groups=[
            (legend(), [(name, text(), getattr(prefs, name)) for name, text in items.items()])
            for legend, items in PREFERENCE_GROUPS
        ],
    )


# -- saved searches ----------------------------------------------------------------
def describe_query(saved: SavedSearch) -> list[tuple[str, str]]:
    """(parameter title, value) pairs that say in words what the search looks for."""
    pairs = []
    for name, value in saved.query.items():
        title = str(QUERY_TITLES.get(name, name))
        values = value if isinstance(value, list) else [value]
        shown = [facet_value_label(name, v) for v in values]
        pairs.append((title, "、".join(str(v) for v in shown)))
    return pairs


def search_url(saved: SavedSearch, **extra: Any) -> str:
    return url_for(ENDPOINTS[saved.doc_type], **saved.query, **extra)


@bp.route("/my/saved-searches")
@require_login
def saved_searches_page():
    items = [
        {
            "saved": s,
            "described": describe_query(s),
            "url": search_url(s),
            "new_url": url_for("views.saved_search_detail", saved_id=s.id),
        }
        for s in saved_searches.list_saved(db.session, actor())
    ]
    return render_template("notifications/saved_searches.html", items=items)


@bp.route("/my/saved-searches", methods=["POST"])
@require_login
def saved_search_create():
    """ "Save this search" on the search page: the form carries the search's own query
    string (hidden inputs) plus a name."""
    doc_type = request.form.get("doc_type", "")
    if doc_type not in SCHEMAS:
        abort(400)
    back = safe_next(request.form.get("next"), url_for(ENDPOINTS[doc_type]))
    form = MultiDict(
        [(k, v) for k, v in request.form.items(multi=True) if k not in ("name", "doc_type")]
    )
    raw = query_args(SCHEMAS[doc_type](), form)
    raw = {k: v for k, v in raw.items() if k in saved_searches.query_keys(doc_type)}
    name = (request.form.get("name") or "").strip() or raw.get("q", "") or _("My search")
    try:
        query = load_query(doc_type, raw)
    except ValidationError as exc:
        errors = field_errors(exc.messages)
    else:
        saved = attempt(
            lambda: saved_searches.create(
                db.session, actor(), name=name[:100], doc_type=doc_type, query=query
            ),
            flashed=(),
        )
        errors = saved.errors
    if errors:
        for message in _messages(errors):
            flash(message, "error")
        return redirect(back, 303)
    flash(_("Search saved. You will be notified of new results."), "success")
    return redirect(back, 303)


def _messages(errors: dict[str, list[str]]) -> list[str]:
    return [
        _("This search cannot be saved: %(reason)s", reason=m) for ms in errors.values() for m in ms
    ]


@bp.route("/my/saved-searches/<int:saved_id>")
@require_login
def saved_search_detail(saved_id: int):
    saved = saved_searches.get_own(db.session, actor(), saved_id)
    result = saved_searches.new_results(db.session, saved)
    return render_template(
        "notifications/saved_search.html",
        saved=saved,
        described=describe_query(saved),
        url=search_url(saved),
        result=result,
    )


@bp.route("/my/saved-searches/<int:saved_id>/alerts", methods=["POST"])
@require_login
def saved_search_alerts(saved_id: int):
    on = request.form.get("alerts") == "on"
    saved_searches.update(db.session, actor(), saved_id, {"alerts": on})
    flash(
        _("Alerts are on for this search.") if on else _("Alerts are off for this search."),
        "success",
    )
    return redirect(url_for("views.saved_searches_page"), 303)


@bp.route("/my/saved-searches/<int:saved_id>/delete", methods=["POST"])
@require_login
def saved_search_delete(saved_id: int):
    saved_searches.delete(db.session, actor(), saved_id)
    flash(_("The saved search is deleted."), "success")
    return redirect(url_for("views.saved_searches_page"), 303)
