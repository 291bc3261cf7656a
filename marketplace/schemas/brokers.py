"""Broker schemas: profiles and the directory, verification, assignment, mediation offers,
brokerage records, ratings, performance, earnings.

Amounts are integers in minor units; rates are basis points; broker ids are user ids.
"""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, ValidationError, fields, validates_schema

from marketplace.core.messages import N_
from marketplace.models.brokers import (
    ASSIGNMENT_STATUSES,
    OFFER_STATUSES,
    PROFILE_STATUSES,
    RECORD_KINDS,
    RECORD_VISIBILITIES,
)
from marketplace.models.vocab import DOMAINS
from marketplace.schemas import validate
from marketplace.schemas.common import Choice, ChoiceList, PageArgs, PageMeta, RowId, StrictSchema

Text = validate.Length(max=5_000)
Short = validate.Length(min=1, max=100)


class ProfileIn(StrictSchema):
    certificate_number = fields.String(required=True, validate=validate.Length(min=1, max=50))
    display_name = fields.String(load_default="", validate=validate.Length(max=100))
    domains = ChoiceList(DOMAINS, required=True, validate=validate.Length(min=1, max=10))
    regions = fields.List(
        fields.String(validate=Short), required=True, validate=validate.Length(min=1, max=10)
    )
    languages = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$", error=N_("An ISO 639 code."))),
        load_default=list,
        validate=validate.Length(max=10),
    )
    bio = fields.String(load_default="", validate=Text)


class ReviewIn(StrictSchema):
    decision = Choice(("verify", "reject"), required=True)
    reason = fields.String(load_default="", validate=Text)


class DirectoryQuery(PageArgs):
    domain = Choice(DOMAINS)
    region = fields.String(validate=Short)
    q = fields.String(validate=validate.Length(max=100))


class PeriodQuery(Schema):
    start = fields.Date()
    end = fields.Date()
    format = Choice(("json", "csv", "xlsx"), load_default="json")

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(N_("The end date comes after the start date."), "end")


class RankingQuery(PeriodQuery):
    domain = Choice(DOMAINS)
    region = fields.String(validate=Short)


class PerformanceOut(Schema):
    mediated = fields.Integer()
    completed = fields.Integer()
    gross_value = fields.Dict(keys=fields.String(), values=fields.Integer())
    median_days = fields.Float(allow_none=True)
    dispute_rate = fields.Float(allow_none=True)
    rating_average = fields.Float(allow_none=True)
    rating_count = fields.Integer()


class RatingOut(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    role = fields.String()
    score = fields.Integer()
    comment = fields.String()
    created_at = fields.DateTime()


class ProfileOut(Schema):
    id = fields.Integer()
    broker_id = fields.Integer(attribute="user_id")
    certificate_number = fields.String()
    display_name = fields.String()
    domains = fields.List(fields.String())
    regions = fields.List(fields.String())
    languages = fields.List(fields.String())
    bio = fields.String()
    status = Choice(PROFILE_STATUSES)
    rejection_reason = fields.String()
    reviewed_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class ProfileDetailOut(ProfileOut):
    performance = fields.Nested(PerformanceOut)
    ratings = fields.List(fields.Nested(RatingOut))


class ProfilePage(Schema):
    items = fields.List(fields.Nested(ProfileOut))
    meta = fields.Nested(PageMeta)


class RankingRowOut(Schema):
    broker = fields.Nested(ProfileOut)
    performance = fields.Nested(PerformanceOut)


class EarningLineOut(Schema):
    at = fields.DateTime()
    deal_id = fields.Integer(allow_none=True)
    deal_title = fields.String()
    description = fields.String()
    kind = fields.String()
    amount = fields.Integer()


class EarningBookOut(Schema):
    currency = fields.String()
    opening = fields.Integer()
    earned = fields.Integer()
    paid = fields.Integer()
    closing = fields.Integer()
    lines = fields.List(fields.Nested(EarningLineOut))


class CommissionPayoutOut(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    amount = fields.Integer()
    currency = fields.String()
    status = Choice(("pending", "paid"))
    reference = fields.String()
    beneficiary = fields.String(metadata={"description": "The broker's organization"})
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)


class EarningsOut(Schema):
    broker_id = fields.Integer()
    start = fields.Date(allow_none=True)
    end = fields.Date(allow_none=True)
    currencies = fields.List(fields.Nested(EarningBookOut))
    payouts = fields.List(
        fields.Nested(CommissionPayoutOut),
        metadata={"description": "Every payout of the commission, paid or pending (any period)"},
    )


# Assignment and offers -----------------------------------------------------------------


class InviteIn(StrictSchema):
    broker_id = RowId(required=True, strict=True)
    message = fields.String(load_default="", validate=Text)


class AssignmentOut(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    broker_id = fields.Integer()
    broker_name = fields.Function(lambda a: a.broker.display_name)
    status = Choice(ASSIGNMENT_STATUSES)
    source = fields.String()
    invited_by_role = fields.String()
    message = fields.String()
    buyer_release_consent = fields.Boolean()
    supplier_release_consent = fields.Boolean()
    created_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)


class OfferIn(StrictSchema):
    listing_id = RowId(strict=True)
    demand_id = RowId(strict=True)
    message = fields.String(load_default="", validate=Text)

    @validates_schema
    def _one_item(self, data, **kwargs):
        if ("listing_id" in data) == ("demand_id" in data):
            raise ValidationError(N_("Give either a listing_id or a demand_id."), "listing_id")


class DecisionIn(StrictSchema):
    reason = fields.String(load_default="", validate=Text)


class OfferQuery(Schema):
    scope = Choice(("mine", "received"), load_default="mine")


class OfferOut(Schema):
    id = fields.Integer()
    broker_id = fields.Integer()
    broker_name = fields.Function(lambda o: o.broker.display_name)
    listing_id = fields.Integer(allow_none=True)
    demand_id = fields.Integer(allow_none=True)
    message = fields.String()
    status = Choice(OFFER_STATUSES)
    decision_reason = fields.String()
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


# Brokerage records and ratings --------------------------------------------------------


class RecordIn(StrictSchema):
    kind = Choice(RECORD_KINDS, required=True)
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    participants = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    notes = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    visibility = Choice(RECORD_VISIBILITIES, load_default="shared")


class RecordVersionOut(Schema):
    revision = fields.Integer()
    kind = fields.String()
    occurred_at = fields.DateTime()
    participants = fields.List(fields.String())
    notes = fields.String()
    visibility = fields.String()
    written_at = fields.DateTime()
    replaced_at = fields.DateTime()


class RecordAttachmentOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()


class RecordOut(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    broker_id = fields.Integer()
    kind = fields.String()
    occurred_at = fields.DateTime()
    participants = fields.List(fields.String())
    notes = fields.String()
    visibility = fields.String()
    revision = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    editable_until = fields.DateTime()
    versions = fields.List(fields.Nested(RecordVersionOut))
    attachments = fields.List(fields.Nested(RecordAttachmentOut))


class RatingIn(StrictSchema):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=Text)
