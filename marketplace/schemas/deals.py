"""Deal schemas: opening, the thread, terms, funding, milestones, payouts, and the deal view.

Amounts are integers in minor units (fen for CNY); rates are basis points (300 = 3 %).
"""

from __future__ import annotations

from marshmallow import Schema, fields

from marketplace.models.deals import DEAL_STATES, PARTY_ROLES, PAYOUT_STATUSES, RESOLUTIONS
from marketplace.models.vocab import CURRENCIES, TRANSFER_MODES
from marketplace.schemas import validate
from marketplace.schemas.common import (
    Choice,
    MinorUnits,
    PageArgs,
    PageMeta,
    RowId,
    StrictSchema,
)

Body = validate.Length(min=1, max=5_000)
Positive = validate.Range(min=1, max=10**15)


class DealOpenIn(StrictSchema):
    listing_id = RowId(strict=True)
    demand_id = RowId(strict=True)
    message = fields.String(load_default="", validate=validate.Length(max=5_000))


class DealQuery(PageArgs):
    state = Choice(DEAL_STATES)
    role = Choice((*PARTY_ROLES, "broker"))


class MessageIn(StrictSchema):
    body = fields.String(required=True, validate=Body)


class MilestoneTermsIn(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    amount = MinorUnits(required=True, validate=Positive)
    due_date = fields.Date(allow_none=True, load_default=None)


class TermsIn(StrictSchema):
    """An offer or counter-offer. Milestone amounts must sum exactly to the price; the
    platform fee comes from the platform's configuration, not from the parties."""

    price = MinorUnits(required=True, validate=Positive)
    currency = Choice(CURRENCIES, load_default="CNY")
    transfer_mode = Choice(TRANSFER_MODES, required=True)
    milestones = fields.List(
        fields.Nested(MilestoneTermsIn), required=True, validate=validate.Length(min=1, max=50)
    )
    note = fields.String(load_default="", validate=validate.Length(max=5_000))
    # Only with a broker assigned to the deal (the broker the terms then name).
    commission_bp = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=10_000)
    )
    broker_may_arbitrate = fields.Boolean(load_default=False)
    # Days the buyer has to answer a delivered milestone before it is accepted
    # automatically; the platform's default (14) without it.
    acceptance_days = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=3, max=90)
    )


class ConfirmTermsIn(StrictSchema):
    terms_hash = fields.String(required=True, validate=validate.Length(equal=64))


class BankTransferIn(StrictSchema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))
    amount = MinorUnits(required=True, validate=Positive)


class DisputeIn(StrictSchema):
    reason = fields.String(required=True, validate=Body)


class ResolveIn(StrictSchema):
    outcome = Choice(RESOLUTIONS, required=True)
    # For a split: the part released to the supplier; the rest is refunded.
    release_amount = MinorUnits(validate=Positive)
    note = fields.String(load_default="", validate=validate.Length(max=5_000))


class CancelIn(StrictSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=5_000))


class DeliverIn(StrictSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=5_000))
    # Files uploaded to the deal first (POST /api/v1/deals/<id>/attachments).
    attachment_ids = fields.List(
        fields.Integer(strict=True), load_default=list, validate=validate.Length(max=20)
    )


class RejectIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5_000))


class ProposeCancellationIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5_000))


class CancellationOut(Schema):
    id = fields.Integer()
    status = fields.String(
        metadata={"description": "open, accepted, declined, withdrawn, lapsed or cleared"}
    )
    proposed_by_role = fields.String()
    proposed_by_id = fields.Integer(allow_none=True)
    reason = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closing_note = fields.String()


class PayoutExecuteIn(StrictSchema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PayoutQuery(Schema):
    status = Choice(PAYOUT_STATUSES, load_default="pending")


class PartyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()


class ConfirmationOut(Schema):
    role = fields.String()
    user_id = fields.Integer(allow_none=True)
    terms_hash = fields.String()
    created_at = fields.DateTime()


class MilestoneTermsOut(Schema):
    title = fields.String()
    amount = fields.Integer()
    due_date = fields.String(allow_none=True)


class TermsOut(Schema):
    id = fields.Integer()
    number = fields.Integer()
    proposed_by_id = fields.Integer(allow_none=True)
    proposed_by_role = fields.String()
    price = fields.Integer()
    currency = fields.String()
    transfer_mode = fields.String()
    milestones = fields.List(fields.Nested(MilestoneTermsOut))
    platform_fee_bp = fields.Integer()
    commission_bp = fields.Integer()
    broker_id = fields.Integer(allow_none=True)
    broker_may_arbitrate = fields.Boolean()
    acceptance_days = fields.Integer()
    note = fields.String()
    terms_hash = fields.String()
    created_at = fields.DateTime()
    agreed_at = fields.DateTime(allow_none=True)
    confirmations = fields.List(fields.Nested(ConfirmationOut))


class MilestoneOut(Schema):
    id = fields.Integer()
    position = fields.Integer()
    title = fields.String()
    amount = fields.Integer()
    due_date = fields.Date(allow_none=True)
    state = fields.String()
    released_amount = fields.Integer()
    refunded_amount = fields.Integer()
    fee_amount = fields.Integer()
    commission_amount = fields.Integer()
    dispute_reason = fields.String()
    resolution = fields.String()
    delivered_at = fields.DateTime(allow_none=True)
    delivery_note = fields.String()
    delivery_files = fields.List(fields.Dict())
    rejection_reason = fields.String()
    acceptance_due_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "A delivered milestone is accepted automatically then"},
    )


class EventOut(Schema):
    # None for a shared brokerage entry shown in the timeline (action "brokerage_record").
    id = fields.Integer(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    role = fields.String()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)  # None for a brokerage entry
    # Shown to operators only.
    ip = fields.String(allow_none=True)
    detail = fields.Dict()
    created_at = fields.DateTime()


class FundingOut(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    provider = fields.String()
    reference = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    status = fields.String()
    instructions = fields.String()
    client_data = fields.Dict()
    created_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)


class MilestoneStatementOut(Schema):
    id = fields.Integer()
    position = fields.Integer()
    title = fields.String()
    state = fields.String()
    amount = fields.Integer()
    released = fields.Integer()
    refunded = fields.Integer()
    fee = fields.Integer()
    commission = fields.Integer()
    held = fields.Integer()


class StatementOut(Schema):
    currency = fields.String(allow_none=True)
    funded = fields.Integer()
    held = fields.Integer()
    released = fields.Integer()
    refunded = fields.Integer()
    forfeited = fields.Integer(
        metadata={
            "description": "A deposit the buyer forfeited (an auction winner who did not fund)"
        }
    )
    fees = fields.Integer()
    commission = fields.Integer()
    supplier_share = fields.Integer()
    voucher = fields.Integer(
        metadata={"description": "The part of `funded` an innovation voucher paid (科技创新券)"}
    )
    voucher_returned = fields.Integer(
        metadata={"description": "Voucher money refunds returned to the wallet or programme"}
    )
    paid_out = fields.Integer()
    payouts_pending = fields.Integer()
    milestones = fields.List(fields.Nested(MilestoneStatementOut))


class DealSummaryOut(Schema):
    id = fields.Integer()
    state = fields.String()
    title = fields.String()
    listing_id = fields.Integer(allow_none=True)
    demand_id = fields.Integer(allow_none=True)
    buyer = fields.Nested(PartyOut)
    supplier = fields.Nested(PartyOut)
    my_roles = fields.List(fields.String())
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class DealOut(DealSummaryOut):
    opened_by_role = fields.String()
    # The user id of the broker mediating the deal (None without one).
    broker_id = fields.Integer(allow_none=True)
    actions = fields.List(fields.String())
    current_terms_hash = fields.String(allow_none=True)
    agreed_terms_id = fields.Integer(allow_none=True)
    terms = fields.List(fields.Nested(TermsOut))
    milestones = fields.List(fields.Nested(MilestoneOut))
    fundings = fields.List(fields.Nested(FundingOut))
    timeline = fields.List(fields.Nested(EventOut))
    statement = fields.Nested(StatementOut)
    # The cancellation proposal waiting for an answer (None without one), and every one.
    cancellation = fields.Nested(CancellationOut, allow_none=True)
    cancellation_proposals = fields.List(fields.Nested(CancellationOut))
    version = fields.Integer()


class DealPage(Schema):
    items = fields.List(fields.Nested(DealSummaryOut))
    meta = fields.Nested(PageMeta)


class MessageOut(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    author_id = fields.Integer(allow_none=True)
    role = fields.String()
    body = fields.String()
    created_at = fields.DateTime()


class PayoutOut(Schema):
    id = fields.Integer()
    deal_id = fields.Integer(
        allow_none=True, metadata={"description": "None for a refund paid in without a deal"}
    )
    subject = fields.String(
        metadata={
            "description": "What the money was paid for: deal:ID, auction_registration:ID "
            "(an auction deposit) or challenge:ID (a challenge's bounty)"
        }
    )
    milestone_id = fields.Integer(allow_none=True)
    kind = fields.String()
    provider = fields.String()
    beneficiary = fields.Nested(PartyOut)
    amount = fields.Integer()
    currency = fields.String()
    status = fields.String()
    instructions = fields.String()
    details = fields.Dict(
        metadata={
            "description": "For a bank transfer: payee, bank, account_holder, account_number, "
            "amount, currency and the remark to put on the transfer"
        }
    )
    reference = fields.String()
    created_at = fields.DateTime()
    executed_at = fields.DateTime(allow_none=True)
