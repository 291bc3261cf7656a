"""Page views of listings and demands, for the owners' analytics: each web process keeps
its own buffer (statistics/item_views.py) and writes it after a response has gone out,
so the page never waits for the write."""

from __future__ import annotations

from flask import Flask, after_this_request, current_app, request

from marketplace.extensions import db
from marketplace.models import Demand, Listing, User
from marketplace.statistics.item_views import ViewBuffer, counts_as_view

KEY = "item_views"


def init_app(app: Flask) -> None:
    app.extensions[KEY] = ViewBuffer(
        flush_seconds=app.config["VIEW_FLUSH_SECONDS"],
        max_keys=app.config["VIEW_FLUSH_MAX_ITEMS"],
    )


def buffer() -> ViewBuffer:
    return current_app.extensions[KEY]


def count_view(doc_type: str, item: Listing | Demand, actor: User | None) -> None:
    """Count this request as a view of the published ``item`` (unless a bot's or its own
    organization's), and write the buffer after the response when it is due."""
    if item.status != "published":
        return
    if not counts_as_view(actor, item, request.user_agent.string):
        return
    views = buffer()
    views.add(doc_type, item.id)
    if views.due():
        after_this_request(_flush_after_response)


def _flush_after_response(response):
    app = current_app._get_current_object()
    views = buffer()

    def flush() -> None:
        with app.app_context():
            views.flush(db.session)

    response.call_on_close(flush)
    return response
