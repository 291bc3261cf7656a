"""我的待办 API: what waits for the caller now (computed from the current state)."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint

from marketplace.api.spec import login_required
from marketplace.extensions import db
from marketplace.schemas.todos import TodoList
from marketplace.todos import waiting
from marketplace.web.auth import current_actor


def create_blueprint() -> Blueprint:
    blp = Blueprint("todos", __name__, url_prefix="/api/v1", description="My to-dos")

    @blp.route("/me/todos", methods=["GET"])
    @login_required(blp)
    @blp.response(200, TodoList)
    def my_todos():
        """What waits for the caller: terms to confirm, a payment to make or a transfer to
        confirm, milestones to deliver or accept, disputes, cancellation proposals,
        invitations and offers to decide, listings and demands to fix; a challenge's
        bounty to pay (or, for operators, to confirm), a rejected challenge to fix, a
        closed one to decide, the poster's questions on a proposal to answer."""
        items = waiting.todos(db.session, current_actor())
        return {
            "items": [
                {
                    "kind": t.kind,
                    "text": waiting.text(t),
                    "subject": t.subject,
                    "deal_id": t.deal_id,
                    "position": t.position,
                    "link": url_for(t.endpoint, **t.values),
                    "since": t.since,
                }
                for t in items
            ],
            "count": len(items),
        }

    return blp
