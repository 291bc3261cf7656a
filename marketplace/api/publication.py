"""One blueprint shape for the two published kinds (listings and demands):
CRUD plus the workflow actions as explicit endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint

from marketplace.api.spec import login_required
from marketplace.catalog import publication
from marketplace.core.paging import Page
from marketplace.extensions import db
from marketplace.schemas.common import ActionArgs, ApiError, patch_schema
from marketplace.web.auth import current_actor


def with_actions(item, actor):
    item.actions = publication.allowed_actions(actor, item)
    return item


def page_body(page: Page, decorate: Callable | None = None) -> dict[str, Any]:
    return {
        "items": [decorate(item) if decorate else item for item in page.items],
        "meta": {
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "pages": page.pages,
        },
    }


def make_blueprint(
    *,
    name: str,
    model,
    schema_in,
    schema_out,
    query_schema,
    page_schema,
    create: Callable,
    update: Callable,
    delete: Callable,
    get: Callable,
    search: Callable,
) -> Blueprint:
    plural = f"{name}s"
    blp = Blueprint(
        plural, __name__, url_prefix=f"/api/v1/{plural}", description=f"{name.title()}s"
    )

    @blp.route("", methods=["GET"])
    @blp.arguments(query_schema, location="query")
    @blp.response(200, page_schema)
    def list_items(args):
        """List what the caller may see. Without `status`, only published items;
        `status=any` shows everything visible (operators: all; members: their own too)."""
        actor = current_actor()
        return page_body(search(db.session, actor, **args), lambda item: with_actions(item, actor))

    @blp.route("", methods=["POST"])
    @login_required(blp)
    @blp.arguments(schema_in)
    @blp.response(201, schema_out)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def create_item(data):
        """Create a draft owned by the caller's organization."""
        actor = current_actor()
        item = create(db.session, actor, data)
        return with_actions(item, actor)

    @blp.route("/<int:item_id>", methods=["GET"])
    @blp.response(200, schema_out)
    @blp.alt_response(404, schema=ApiError)
    def get_item(item_id: int):
        actor = current_actor()
        return with_actions(get(db.session, actor, item_id), actor)

    @blp.route("/<int:item_id>", methods=["PATCH"])
    @login_required(blp)
    @blp.arguments(patch_schema(schema_in))
    @blp.response(200, schema_out)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def update_item(data, item_id: int):
        """Change some fields. Editing a published item sends it back to review."""
        actor = current_actor()
        item = update(db.session, actor, item_id, data)
        return with_actions(item, actor)

    @blp.route("/<int:item_id>", methods=["DELETE"])
    @login_required(blp)
    @blp.response(204)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def delete_item(item_id: int):
        """Delete a draft (anything submitted is withdrawn instead)."""
        delete(db.session, current_actor(), item_id)

    def action_view(action: str):
        def view(args, item_id: int):
            actor = current_actor()
            item = publication.transition(
                db.session, model, item_id, action, actor, args.get("reason", "")
            )
            return with_actions(item, actor)

        view.__name__ = f"{action}_item"
        view.__doc__ = _ACTION_DOCS[action]
        return view

    for action in publication.ACTIONS:
        view = action_view(action)
        for decorate in (
            blp.alt_response(403, schema=ApiError),
            blp.alt_response(409, schema=ApiError),
            blp.response(200, schema_out),
            blp.arguments(ActionArgs, required=False),
            login_required(blp),
            blp.route(f"/<int:item_id>/{action}", methods=["POST"]),
        ):
            view = decorate(view)
    return blp


_ACTION_DOCS = {
    "submit": "Submit for review (owner; from draft or rejected).",
    "publish": "Publish (operator; from pending_review).",
    "reject": "Reject with a reason (operator; from pending_review or published).",
    "withdraw": "Withdraw (owner; from draft, pending_review, published or rejected).",
    "close": "Close a published item (owner), e.g. once it is transferred.",
}
