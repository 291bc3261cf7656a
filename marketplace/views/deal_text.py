"""Deal pages' words and the small helpers every deal page uses: the labels of the deal
vocabularies (deals/labels.py), times, schema-checked forms, and the deal a page shows."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from marketplace.core.errors import NotFound
from marketplace.core.messages import N_
from marketplace.deals import labels
from marketplace.deals import machine as deals
from marketplace.extensions import db
from marketplace.models import Deal
from marketplace.views.base import Errors, actor, bp, field_errors


@bp.app_template_global()
def deal_label(vocabulary: str, code: str | None) -> str:
    return labels.label(vocabulary, code)


def load_form(schema: Schema, payload: dict[str, Any]) -> tuple[dict | None, Errors]:
    try:
        return schema.load(payload), {}
    except ValidationError as exc:
        return None, field_errors(exc.messages)


def client_ip() -> str | None:
    return request.remote_addr


def visible_deal(deal_id: int) -> Deal:
    """The deal, or a 404 that says so in the user's language (strangers included)."""
    try:
        return deals.get_deal(db.session, actor(), deal_id)
    except NotFound:
        raise NotFound(N_("This deal does not exist, or you are not one of its parties.")) from None
