"""我的待办 shapes."""

from __future__ import annotations

from marshmallow import Schema, fields


class TodoOut(Schema):
    kind = fields.String(
        metadata={
            "description": "What to do: confirm_terms, fund, deliver, accept, answer_dispute,"
            " resolve_dispute, answer_cancellation, decide_invitation, decide_offer, fix_item,"
            " confirm_transfer, execute_payout."
        }
    )
    text = fields.String(metadata={"description": "What to do, in the language of the request."})
    subject = fields.String(metadata={"description": "The deal's or item's title."})
    deal_id = fields.Integer(allow_none=True)
    position = fields.Integer(allow_none=True, metadata={"description": "The milestone."})
    link = fields.String(metadata={"description": "The page where the user acts."})
    since = fields.DateTime(allow_none=True)


class TodoList(Schema):
    items = fields.List(fields.Nested(TodoOut))
    count = fields.Integer()
