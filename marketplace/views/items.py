"""The pages that listings and demands share: list, detail, new, edit, delete, workflow actions.

Both kinds go through the same publication workflow and the same shapes of page,
so one function registers the routes for a ``Kind`` (as marketplace/api/publication.py
does for the API); listings.py and demands.py only say what differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from marketplace.catalog import publication
from marketplace.core.errors import Forbidden, Invalid
from marketplace.core.messages import N_, translate
from marketplace.core.money import to_minor
from marketplace.extensions import db
from marketplace.views import forms
from marketplace.views.base import actor, attempt, bp, field_errors, require_login, safe_next
from marketplace.web import item_views

PER_PAGE = 12

ACTION_LABELS = {
    "submit": _l("Submit for review"),
    "publish": _l("Publish"),
    "reject": _l("Reject"),
    "withdraw": _l("Withdraw"),
    "close": _l("Close"),
}
ACTION_DONE = {
    "submit": _l("Submitted for review."),
    "publish": _l("Published."),
    "reject": _l("Rejected; the owner sees the reason."),
    "withdraw": _l("Withdrawn."),
    "close": _l("Closed."),
}

NO_ORGANIZATION = {
    "listing": N_("Only members of an organization can list technology."),
    "demand": N_("Only members of an organization can post a demand."),
}

SORT_LABELS = {
    "newest": _l("Newest"),
    "updated": _l("Recently updated"),
    "price_asc": _l("Price: low to high"),
    "price_desc": _l("Price: high to low"),
    "deadline": _l("Deadline: soonest"),
    "budget_desc": _l("Budget: high to low"),
}


@bp.app_template_global()
def sort_label(sort: str) -> str:
    return str(SORT_LABELS.get(sort, sort))


@bp.app_template_global()
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@dataclass(frozen=True)
class Kind:
    name: str  # "listing": endpoint prefix and template variable
    plural: str  # "listings": URL prefix and template folder
    model: type
    schema: type[Schema]
    query_schema: type[Schema]
    create: Callable
    update: Callable
    delete: Callable
    get: Callable
    search: Callable
    to_payload: Callable[[MultiDict], tuple[dict[str, Any], forms.Errors, list[int]]]
    to_form: Callable[[Any], MultiDict]
    amount_filters: tuple[str, str]  # query names of the minimum and maximum amount, in 元
    sorts: tuple[str, ...]
    created_message: Any
    saved_message: Any
    deleted_message: Any
    # Extra template variables for the detail page: (session, actor, item) → dict.
    detail_context: Callable[..., dict[str, Any]] | None = None


def list_args(kind: Kind, query: MultiDict) -> tuple[dict[str, Any], forms.Errors]:
    """Search arguments from the query string: amounts typed in 元, the rest as the API takes them."""
    args: dict[str, Any] = {}
    errors: forms.Errors = {}
    for name in ("domain", "region", "q", "sort", "page"):
        value = (query.get(name) or "").strip()
        if value:
            args[name] = value
    for name in kind.amount_filters:
        value = (query.get(name) or "").strip()
        if value:
            try:
                args[name] = to_minor(value)
            except ValueError as exc:
                errors[name] = [translate(exc.args[0])]
    try:
        loaded = kind.query_schema().load(args)
    except ValidationError as exc:
        # A bad filter is ignored (and said so); the others still apply.
        errors.update(field_errors(exc.messages))
        loaded = kind.query_schema().load({k: v for k, v in args.items() if k not in exc.messages})
    loaded["per_page"] = PER_PAGE
    loaded.pop("status", None)  # the market lists show what is published
    loaded.pop("organization_id", None)
    return loaded, errors


def register(kind: Kind) -> None:
    """Add the pages of one kind to the blueprint."""
    base = f"/{kind.plural}"

    def list_items():
        args, filter_errors = list_args(kind, request.args)
        page = kind.search(db.session, actor(), **args)
        return render_template(
            f"{kind.plural}/list.html",
            page=page,
            filters=request.args,
            filter_errors=filter_errors,
            sorts=kind.sorts,
        )

    def detail(item_id: int):
        user = actor()
        item = kind.get(db.session, user, item_id)
        item_views.count_view(kind.plural, item, user)
        return render_template(
            f"{kind.plural}/detail.html",
            item=item,
            actions=publication.allowed_actions(user, item),
            is_member=publication.is_member(user, item),
            can_edit=publication.can_edit(user, item),
            **(kind.detail_context(db.session, user, item) if kind.detail_context else {}),
        )

    @require_login
    def edit(item_id: int | None = None):
        user = actor()
        item = None
        if item_id is not None:
            item = kind.get(db.session, user, item_id)
            if not publication.can_edit(user, item):
                if not publication.is_member(user, item):
                    raise Forbidden(
                        N_("Only members of the owning organization may %(action)s it."),
                        action=publication.PUBLICATION.term("action", "edit"),
                    )
                raise Forbidden(
                    N_("A %(status)s %(kind)s can no longer be edited."),
                    status=publication.PUBLICATION.term("state", item.status),
                    kind=publication.kind_term(kind.name),
                )
        elif user.organization_id is None:
            raise Forbidden(NO_ORGANIZATION[kind.name])
        if request.method == "GET":
            values = kind.to_form(item) if item is not None else MultiDict()
            return render_form(kind, item, values, {})

        payload, errors, blocks = kind.to_payload(request.form)
        data, errors = forms.load(kind.schema(), payload, errors)
        if data is not None:
            if item is None:
                saved = attempt(lambda: kind.create(db.session, user, data), flashed=())
            else:
                saved = attempt(lambda: kind.update(db.session, user, item.id, data), flashed=())
            if saved.ok:
                flash(str(kind.created_message if item is None else kind.saved_message), "success")
                return redirect(url_for(f"views.{kind.name}_detail", item_id=saved.value.id), 303)
            errors = saved.errors
        errors = forms.renumber_patent_errors(errors, blocks)
        return render_form(kind, item, request.form, errors), 422

    @require_login
    def delete(item_id: int):
        kind.delete(db.session, actor(), item_id)
        flash(str(kind.deleted_message), "success")
        return redirect(url_for("views.my_organization"), 303)

    @require_login
    def act(item_id: int, action: str):
        back = safe_next(
            request.form.get("next"), url_for(f"views.{kind.name}_detail", item_id=item_id)
        )
        done = attempt(
            lambda: publication.transition(
                db.session, kind.model, item_id, action, actor(), request.form.get("reason", "")
            ),
            shown=(),
            flashed=(Invalid,),
        )
        if not done.ok:
            return redirect(back, 303)
        flash(str(ACTION_DONE[action]), "success")
        return redirect(back, 303)

    actions = ",".join(publication.ACTIONS)
    bp.add_url_rule(base, kind.plural, list_items)
    bp.add_url_rule(f"{base}/<int:item_id>", f"{kind.name}_detail", detail)
    bp.add_url_rule(f"{base}/new", f"{kind.name}_new", edit, methods=["GET", "POST"])
    bp.add_url_rule(
        f"{base}/<int:item_id>/edit", f"{kind.name}_edit", edit, methods=["GET", "POST"]
    )
    bp.add_url_rule(f"{base}/<int:item_id>/delete", f"{kind.name}_delete", delete, methods=["POST"])
    bp.add_url_rule(
        f"{base}/<int:item_id>/<any({actions}):action>",
        f"{kind.name}_action",
        act,
        methods=["POST"],
    )


def render_form(kind: Kind, item: Any, values: MultiDict, errors: forms.Errors) -> str:
    return render_template(
        f"{kind.plural}/form.html",
        item=item,
        values=values,
        errors=errors,
        patent_blocks=forms.patent_blocks(values),
    )
