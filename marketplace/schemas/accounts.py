"""Accounts and organizations schemas."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from marketplace.core.messages import N_
from marketplace.models.vocab import (
    DOCUMENT_KINDS,
    MEMBER_ROLES,
    ORGANIZATION_KINDS,
    VERIFICATION_STATUSES,
)
from marketplace.schemas import validate
from marketplace.schemas.common import (
    Choice,
    CreditCode,
    OrganizationRef,
    PageArgs,
    PageMeta,
    StrictSchema,
)


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


class RegistrationConfirmIn(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    roles = fields.Method("sorted_roles")
    organization = fields.Nested(OrganizationRef, allow_none=True)
    csrf_token = fields.String(dump_only=True)

    def sorted_roles(self, user) -> list[str]:
        return sorted(user.roles)


class PasswordChangeIn(StrictSchema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=1000))


class LoginSessionOut(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    verified_at = fields.DateTime()
    ip = fields.String()
    user_agent = fields.String()
    current = fields.Boolean(dump_only=True)


TOKEN_SCOPES = ("read", "write", "deals", "account")


class TokenIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scopes = fields.List(
        Choice(TOKEN_SCOPES),
        load_default=["read", "write"],
        validate=validate.Length(min=1, max=len(TOKEN_SCOPES)),
        metadata={
            "description": "read (GET), write (other methods), deals (deals, escrow, "
            "payouts, earnings), account (tokens, sessions, password)"
        },
    )
    expires_in_days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=366))


class VerifyIn(StrictSchema):
    """The password, or a second-factor code (TOTP), checked again in this session."""

    password = fields.String(validate=validate.Length(min=1, max=1000))
    code = fields.String(validate=validate.Length(min=1, max=20))

    @validates_schema
    def one_of(self, data, **kwargs):
        if bool(data.get("password")) == bool(data.get("code")):
            raise ValidationError(N_("Give either the password or a code."), "_schema")


class SecondFactorCodeIn(StrictSchema):
    """A code from the authenticator app (6 digits)."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=20))


class SecondFactorLoginIn(StrictSchema):
    """The second step of a login: a code from the app, or one of the recovery codes."""

    code = fields.String(validate=validate.Length(min=1, max=20))
    recovery_code = fields.String(validate=validate.Length(min=1, max=40))

    @validates_schema
    def one_of(self, data, **kwargs):
        if bool(data.get("code")) == bool(data.get("recovery_code")):
            raise ValidationError(N_("Give a code or a recovery code."), "_schema")


class SecondFactorDisableIn(StrictSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "A code from the app, or a recovery code"},
    )


class SecondFactorStatusOut(Schema):
    enabled = fields.Boolean()
    enabled_at = fields.DateTime(allow_none=True)
    required = fields.Boolean(metadata={"description": "Compulsory for this account's role"})
    recovery_codes_left = fields.Integer()


class SecondFactorEnrolmentOut(Schema):
    secret = fields.String(metadata={"description": "Base32, shown now and never again"})
    otpauth_uri = fields.String()
    qr_svg = fields.String(metadata={"description": "The URI as an SVG QR code"})


class RecoveryCodesOut(Schema):
    recovery_codes = fields.List(
        fields.String(), metadata={"description": "Each usable once; shown now and never again"}
    )


class SecondFactorNeededOut(Schema):
    second_factor_required = fields.Boolean()
    message = fields.String()


class TokenOut(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    scopes = fields.List(fields.String(), attribute="scope_list")
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    last_used_ip = fields.String()
    token = fields.String(dump_only=True, metadata={"description": "Shown once, at creation."})


class OrganizationIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = Choice(ORGANIZATION_KINDS, required=True)
    region = fields.String(load_default="", validate=validate.Length(max=100))
    credit_code = CreditCode(
        load_default=None,
        allow_none=True,
        metadata={"description": "统一社会信用代码 (18 characters, GB 32100-2015)"},
    )


class OrganizationCreditCodeIn(StrictSchema):
    """The page's form: only the credit code ("" clears it)."""

    credit_code = CreditCode(required=True, allow_none=True)


class OrganizationOut(OrganizationRef):
    verification_note = fields.String()
    credit_code = fields.String(allow_none=True)
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


class PayoutBankAccountIn(StrictSchema):
    """The bank account payouts are transferred to; all three empty clears it."""

    bank = fields.String(required=True, validate=validate.Length(max=200))
    account_holder = fields.String(required=True, validate=validate.Length(max=200))
    account_number = fields.String(required=True, validate=validate.Length(max=64))


class PayoutBankAccountOut(Schema):
    organization_id = fields.Integer(attribute="id")
    bank = fields.String(attribute="payout_bank")
    account_holder = fields.String(attribute="payout_account_holder")
    account_number = fields.String(attribute="payout_account_number")


class VerificationIn(StrictSchema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class PasswordResetRequestIn(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class PasswordResetIn(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    password = fields.String(required=True, validate=validate.Length(min=8, max=1000))
    keep_tokens = fields.Boolean(
        load_default=False,
        metadata={"description": "Keep the personal API tokens (revoked by default)"},
    )


class NoticeOut(Schema):
    message = fields.String()


# Members, invitations, join requests, verification documents (accounts/members.py) -------


class MemberOut(Schema):
    id = fields.Integer()
    display_name = fields.String()
    email = fields.String()
    role = fields.String(attribute="org_role", metadata={"description": "admin or member"})
    roles = fields.Function(lambda user: sorted(user.roles))
    created_at = fields.DateTime()


class MemberRoleIn(StrictSchema):
    role = Choice(MEMBER_ROLES, required=True)


class InvitationIn(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = Choice(MEMBER_ROLES, load_default="member")


class InvitationOut(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    email = fields.String()
    role = fields.String()
    status = fields.Function(
        lambda invitation: invitation.effective_status(),
        metadata={"description": "pending, accepted, declined, revoked or expired"},
    )
    invited_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class InvitationTokenIn(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class InvitationAcceptIn(InvitationTokenIn):
    """Logged in as the invited address: only the token. Without an account for the
    address: the new account's name, password and role too."""

    display_name = fields.String(validate=validate.Length(min=1, max=100))
    password = fields.String(validate=validate.Length(min=8, max=1000))
    role = Choice(("researcher", "enterprise_member", "broker"))


class JoinRequestIn(StrictSchema):
    message = fields.String(load_default="", validate=validate.Length(max=2000))


class JoinDecisionIn(StrictSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class JoinRequestOut(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    organization_name = fields.String(attribute="organization.name")
    user_id = fields.Integer()
    display_name = fields.String(attribute="user.display_name")
    email = fields.String(attribute="user.email")
    message = fields.String()
    status = fields.String()
    reason = fields.String()
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class DocumentForm(Schema):
    kind = Choice(DOCUMENT_KINDS, required=True)


class DocumentOut(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    kind = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
