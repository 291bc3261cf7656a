"""The audit log's API shapes."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields

from marketplace.schemas import validate
from marketplace.schemas.common import Choice


class AuditQuery(Schema):
    action = fields.String(
        validate=validate.Length(max=60),
        metadata={"description": "An action, or its start (e.g. `deal.` or `payout.executed`)"},
    )
    actor_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    target_type = fields.String(validate=validate.Length(max=40))
    target_id = fields.String(validate=validate.Length(max=40))
    # An instant with its offset; one without is UTC (as the API's description says).
    since = fields.AwareDateTime(default_timezone=UTC)
    until = fields.AwareDateTime(default_timezone=UTC)
    before_id = fields.Integer(
        validate=validate.Range(min=1, max=2**63 - 1),
        metadata={"description": "Older entries than this id (paging back)"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    format = Choice(("json", "csv", "xlsx"), load_default="json")


class AuditEntryOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_email = fields.String()
    ip = fields.String()
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
