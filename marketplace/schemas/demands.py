"""Demand schemas."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from marketplace.core.messages import N_
from marketplace.models.vocab import (
    CURRENCIES,
    DOMAINS,
    LANGUAGES,
    PUBLICATION_STATUSES,
    TRANSFER_MODES,
)
from marketplace.schemas import validate
from marketplace.schemas.common import (
    Choice,
    ChoiceList,
    MinorUnits,
    OrganizationRef,
    PageArgs,
    PageMeta,
    RowId,
    StrictSchema,
    unique_items,
)


class DemandIn(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=20_000))
    domain = Choice(DOMAINS, required=True)
    budget_min = MinorUnits(allow_none=True, load_default=None)
    budget_max = MinorUnits(allow_none=True, load_default=None)
    currency = Choice(CURRENCIES, load_default="CNY")
    cooperation_modes = ChoiceList(
        TRANSFER_MODES, required=True, validate=[validate.Length(min=1), unique_items]
    )
    deadline = fields.Date(allow_none=True, load_default=None)
    region = fields.String(load_default="", validate=validate.Length(max=100))
    language = Choice(LANGUAGES, load_default="zh")

    @validates_schema
    def budget_order(self, data, **kwargs):
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(N_("The maximum budget is below the minimum."), "budget_max")


class DemandOut(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    domain = fields.String()
    budget_min = fields.Integer(allow_none=True)
    budget_max = fields.Integer(allow_none=True)
    currency = fields.String()
    cooperation_modes = fields.List(fields.String())
    deadline = fields.Date(allow_none=True)
    region = fields.String()
    language = fields.String()
    status = fields.String()
    rejection_reason = fields.String()
    source = fields.String()
    external_id = fields.String(allow_none=True)
    organization = fields.Nested(OrganizationRef)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    actions = fields.List(fields.String(), dump_only=True)


class DemandQuery(PageArgs):
    domain = Choice(DOMAINS)
    region = fields.String(validate=validate.Length(max=100))
    status = Choice((*PUBLICATION_STATUSES, "any"))
    organization_id = RowId()
    q = fields.String(validate=validate.Length(max=200))
    min_budget = MinorUnits(strict=False)
    max_budget = MinorUnits(strict=False)
    sort = Choice(("newest", "updated", "deadline", "budget_desc"), load_default="newest")


class DemandPage(Schema):
    items = fields.List(fields.Nested(DemandOut))
    meta = fields.Nested(PageMeta)
