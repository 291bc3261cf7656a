"""Listing and patent schemas: the API's shapes and the import's validation."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from marketplace.core.messages import N_, Message
from marketplace.core.validators import patent_type_of
from marketplace.models.vocab import (
    CURRENCIES,
    DOMAINS,
    LANGUAGES,
    LEGAL_STATUSES,
    PATENT_TYPES,
    PRICE_TYPES,
    PUBLICATION_STATUSES,
    TRANSFER_MODES,
)
from marketplace.schemas import validate
from marketplace.schemas.common import (
    Choice,
    ChoiceList,
    IpcCode,
    MinorUnits,
    OrganizationRef,
    PageArgs,
    PageMeta,
    PatentNumber,
    RowId,
    StrictSchema,
    unique_items,
)

Text = validate.Length(max=20_000)


class PatentIn(StrictSchema):
    patent_number = PatentNumber(required=True)
    patent_type = Choice(PATENT_TYPES)
    legal_status = Choice(LEGAL_STATUSES, load_default="pending")
    ipc_codes = fields.List(IpcCode(), load_default=list, validate=validate.Length(max=50))
    applicant = fields.String(load_default="", validate=validate.Length(max=200))
    inventors = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=100),
    )
    filing_date = fields.Date(allow_none=True, load_default=None)
    abstract = fields.String(load_default="", validate=Text)
    first_claim = fields.String(load_default="", validate=Text)

    @validates_schema
    def type_matches_number(self, data, **kwargs):
        number = data.get("patent_number")
        if not number:
            return
        encoded = patent_type_of(number)
        if data.get("patent_type") is None:
            data["patent_type"] = encoded
        elif data["patent_type"] != encoded:
            raise ValidationError(
                Message(
                    N_("The number %(number)s encodes patent type %(encoded)s, not %(given)s."),
                    number=number,
                    encoded=encoded,
                    given=data["patent_type"],
                ),
                "patent_type",
            )


class ListingIn(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    summary = fields.String(load_default="", validate=validate.Length(max=500))
    description = fields.String(load_default="", validate=Text)
    domain = Choice(DOMAINS, required=True)
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        load_default=list,
        validate=[validate.Length(max=20), unique_items],
    )
    trl = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=9, error=N_("TRL is between 1 and 9.")),
    )
    transfer_modes = ChoiceList(
        TRANSFER_MODES, required=True, validate=[validate.Length(min=1), unique_items]
    )
    price_type = Choice(PRICE_TYPES, required=True)
    price_amount = MinorUnits(allow_none=True, load_default=None)
    currency = Choice(CURRENCIES, load_default="CNY")
    region = fields.String(load_default="", validate=validate.Length(max=100))
    language = Choice(LANGUAGES, load_default="zh")
    patents = fields.List(
        fields.Nested(PatentIn), load_default=list, validate=validate.Length(max=50)
    )


class PatentOut(Schema):
    id = fields.Integer()
    patent_number = fields.String()
    patent_type = fields.String()
    legal_status = fields.String()
    ipc_codes = fields.List(fields.String())
    applicant = fields.String()
    inventors = fields.List(fields.String())
    filing_date = fields.Date(allow_none=True)
    abstract = fields.String()
    first_claim = fields.String()


class ListingOut(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    description = fields.String()
    domain = fields.String()
    tags = fields.List(fields.String())
    trl = fields.Integer()
    transfer_modes = fields.List(fields.String())
    price_type = fields.String()
    price_amount = fields.Integer(allow_none=True)
    currency = fields.String()
    region = fields.String()
    language = fields.String()
    status = fields.String()
    rejection_reason = fields.String()
    source = fields.String()
    external_id = fields.String(allow_none=True)
    organization = fields.Nested(OrganizationRef)
    patents = fields.List(fields.Nested(PatentOut))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    actions = fields.List(fields.String(), dump_only=True)


class ListingQuery(PageArgs):
    domain = Choice(DOMAINS)
    region = fields.String(validate=validate.Length(max=100))
    status = Choice((*PUBLICATION_STATUSES, "any"))
    organization_id = RowId()
    q = fields.String(validate=validate.Length(max=200))
    min_price = MinorUnits(strict=False)
    max_price = MinorUnits(strict=False)
    sort = Choice(("newest", "updated", "price_asc", "price_desc"), load_default="newest")


class ListingPage(Schema):
    items = fields.List(fields.Nested(ListingOut))
    meta = fields.Nested(PageMeta)
