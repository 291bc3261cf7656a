"""我的待办: the page of what waits for the user, and the count beside the bell."""

from __future__ import annotations

from typing import Any

from flask import render_template, url_for

from marketplace.extensions import db
from marketplace.todos import waiting
from marketplace.views.base import actor, bp, require_login


@bp.app_context_processor
def inject_todo_count() -> dict[str, Any]:
    """The header's to-do number, for logged-in users."""

    def todo_count() -> int:
        user = actor()
        return waiting.count(db.session, user) if user is not None else 0

    return {"todo_count": todo_count}


@bp.route("/my/todos", endpoint="todos")
@require_login
def todos_page():
    items = [
        {
            "kind": t.kind,
            "text": waiting.text(t),
            "url": url_for(t.endpoint, **t.values),
            "since": t.since,
        }
        for t in waiting.todos(db.session, actor())
    ]
    return render_template("todos/list.html", items=items)
