"""Accounts and organizations schemas."""

from __future__ import annotations

from marshmallow import Schema, fields

from marketplace.models.vocab import ORGANIZATION_KINDS, VERIFICATION_STATUSES
from marketplace.schemas import validate
from marketplace.schemas.common import Choice, OrganizationRef, PageArgs, PageMeta, StrictSchema


class LoginIn(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class RegisterIn(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=8, max=1000))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = Choice(("researcher", "enterprise_member", "broker"), required=True)
    organization_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    organization_kind = Choice(ORGANIZATION_KINDS, required=True)
    region = fields.String(load_default="", validate=validate.Length(max=100))


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    roles = fields.Method("sorted_roles")
    organization = fields.Nested(OrganizationRef, allow_none=True)
    csrf_token = fields.String(dump_only=True)

    def sorted_roles(self, user) -> list[str]:
        return sorted(user.roles)


class TokenIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class TokenOut(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    token = fields.String(dump_only=True, metadata={"description": "Shown once, at creation."})


class OrganizationIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = Choice(ORGANIZATION_KINDS, required=True)
    region = fields.String(load_default="", validate=validate.Length(max=100))


class OrganizationOut(OrganizationRef):
    verification_note = fields.String()
    payout_account_connected = fields.Function(lambda org: bool(org.stripe_account_id))
    created_at = fields.DateTime()


class OrganizationQuery(PageArgs):
    kind = Choice(ORGANIZATION_KINDS)
    region = fields.String(validate=validate.Length(max=100))
    verification_status = Choice(VERIFICATION_STATUSES)
    q = fields.String(validate=validate.Length(max=200))


class OrganizationPage(Schema):
    items = fields.List(fields.Nested(OrganizationOut))
    meta = fields.Nested(PageMeta)


class PayoutAccountIn(StrictSchema):
    stripe_account_id = fields.String(required=True, validate=validate.Length(max=64))


class PayoutAccountOut(Schema):
    organization_id = fields.Integer(attribute="id")
    stripe_account_id = fields.Function(lambda org: org.stripe_account_id or "")


class VerificationIn(StrictSchema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class PasswordResetRequestIn(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class PasswordResetIn(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    password = fields.String(required=True, validate=validate.Length(min=8, max=1000))


class NoticeOut(Schema):
    message = fields.String()
