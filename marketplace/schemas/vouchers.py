"""科技创新券 shapes: programmes, applications, wallets, paying by voucher, 兑付."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from marketplace.core.messages import N_
from marketplace.models.vocab import DOMAINS, TRANSFER_MODES
from marketplace.models.vouchers import APPLICATION_STATES, SUPPLIER_KINDS
from marketplace.schemas import validate
from marketplace.schemas.common import Choice, ChoiceList, MinorUnits, RowId, StrictSchema

Positive = validate.Range(min=1, max=10**12)


class ProgrammeIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    issuing_body = fields.String(required=True, validate=validate.Length(min=1, max=200))
    currency = Choice(("CNY",), load_default="CNY")
    budget = MinorUnits(required=True, validate=Positive)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))
    per_application_cap = MinorUnits(required=True, validate=Positive)
    per_year_cap = MinorUnits(required=True, validate=Positive)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)
    transfer_modes = ChoiceList(TRANSFER_MODES, load_default=list)
    domains = ChoiceList(DOMAINS, load_default=list)
    supplier_kinds = ChoiceList(SUPPLIER_KINDS, load_default=lambda: list(SUPPLIER_KINDS))
    max_share_bp = fields.Integer(load_default=5000, validate=validate.Range(min=1, max=10_000))

    @validates_schema
    def _suppliers(self, data, **kwargs):
        if not data.get("supplier_kinds"):
            raise ValidationError({"supplier_kinds": [N_("Name at least one kind of supplier.")]})


class TopUpIn(StrictSchema):
    amount = MinorUnits(required=True, validate=Positive)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ProgrammeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    issuing_body = fields.String()
    currency = fields.String()
    per_application_cap = fields.Integer()
    per_year_cap = fields.Integer()
    valid_from = fields.Date()
    valid_to = fields.Date()
    transfer_modes = fields.List(fields.String())
    domains = fields.List(fields.String())
    supplier_kinds = fields.List(fields.String())
    max_share_bp = fields.Integer(metadata={"description": "5000 = a voucher pays ≤ 50 %"})
    open = fields.Boolean()
    funded = fields.Integer(metadata={"description": "What the bureau paid into the budget"})
    budget_left = fields.Integer(metadata={"description": "Funded, not yet granted"})


class ApplicationIn(StrictSchema):
    programme_id = RowId(required=True)
    amount = MinorUnits(required=True, validate=Positive)
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    deal_id = RowId(load_default=None, allow_none=True)


class GrantIn(StrictSchema):
    amount = MinorUnits(
        load_default=None,
        allow_none=True,
        validate=Positive,
        metadata={"description": "Less than applied for; all of it when left out"},
    )
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class RefuseIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class VoucherDocumentOut(Schema):
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class ApplicationOut(Schema):
    id = fields.Integer()
    programme_id = fields.Integer()
    programme = fields.Function(lambda a: a.programme.name)
    organization_id = fields.Integer()
    organization = fields.Function(lambda a: a.organization.name)
    amount = fields.Integer()
    purpose = fields.String()
    deal_id = fields.Integer(allow_none=True)
    documents = fields.List(fields.Nested(VoucherDocumentOut))
    state = Choice(APPLICATION_STATES)
    granted_amount = fields.Integer(allow_none=True)
    reason = fields.String()
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class QueueArgs(Schema):
    state = Choice(APPLICATION_STATES, load_default="submitted")


class WalletOut(Schema):
    programme_id = fields.Integer()
    programme = fields.String()
    currency = fields.String()
    balance = fields.Integer()
    valid_to = fields.Date()
    open = fields.Boolean()


class VoucherFundingIn(StrictSchema):
    programme_id = RowId(required=True)
    voucher_amount = MinorUnits(required=True, validate=Positive)


class VoucherOptionOut(Schema):
    programme_id = fields.Integer()
    programme = fields.String()
    max = fields.Integer(metadata={"description": "The most the voucher may pay of this deal"})


class RedemptionArgs(Schema):
    period = fields.String(
        required=True,
        validate=validate.Regexp(r"^(19\d\d|2\d\d\d)(-(0[1-9]|1[0-2])|Q[1-4])$"),
        metadata={"description": "An Asia/Shanghai month (2026-12) or quarter (2026Q4)"},
    )
    programme_id = RowId(load_default=None)


class ExportArgs(RedemptionArgs):
    format = Choice(("xlsx", "csv"), load_default="xlsx")


class RedemptionLineOut(Schema):
    programme_id = fields.Integer()
    programme = fields.String()
    issuing_body = fields.String()
    supplier_org_id = fields.Integer()
    supplier = fields.String()
    credit_code = fields.String()
    deal_id = fields.Integer()
    contract_amount = fields.Integer()
    voucher_amount = fields.Integer()
    released_gross = fields.Integer()
    currency = fields.String()
    released_on = fields.Date()


class RedemptionTotalOut(Schema):
    programme_id = fields.Integer()
    programme = fields.String()
    supplier_org_id = fields.Integer()
    supplier = fields.String()
    credit_code = fields.String()
    currency = fields.String()
    voucher_amount = fields.Integer()
    deals = fields.Integer()


class RedemptionOut(Schema):
    period = fields.String()
    totals = fields.List(fields.Nested(RedemptionTotalOut))
    lines = fields.List(fields.Nested(RedemptionLineOut))
