"""Auction shapes: sessions, lots, registrations, bids, the public bid log, results."""

from __future__ import annotations

from marshmallow import Schema, fields

from marketplace.models.auctions import AUCTION_TRANSFER_MODES
from marketplace.models.vocab import DOMAINS
from marketplace.schemas import validate
from marketplace.schemas.common import Choice, MinorUnits, RowId, StrictSchema

Positive = validate.Range(min=1, max=10**12)


class SessionIn(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    domain = Choice(DOMAINS, required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    rules = fields.String(load_default="", validate=validate.Length(max=10_000))


class SessionOut(Schema):
    id = fields.Integer()
    title = fields.String()
    domain = fields.String()
    rules = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    phase = fields.String()
    lot_count = fields.Integer()


class TierIn(StrictSchema):
    below = MinorUnits(required=True, allow_none=True, validate=Positive)
    step = MinorUnits(required=True, validate=Positive)


class LotIn(StrictSchema):
    listing_id = RowId(required=True)
    transfer_mode = Choice(AUCTION_TRANSFER_MODES, required=True)
    start_price = MinorUnits(required=True, validate=Positive)
    ladder = fields.List(
        fields.Nested(TierIn), required=True, validate=validate.Length(min=1, max=20)
    )
    reserve_price = MinorUnits(load_default=None, allow_none=True, validate=Positive)
    deposit = MinorUnits(required=True, validate=Positive)
    extension_minutes = fields.Integer(load_default=5, validate=validate.Range(min=1, max=60))
    forfeit_seller_bp = fields.Integer(
        load_default=5000,
        validate=validate.Range(min=0, max=10_000),
        metadata={
            "description": "The seller's share of a winner's forfeited deposit, in basis "
            "points (the platform keeps the rest)"
        },
    )


class LotDecisionIn(StrictSchema):
    action = Choice(("admit", "reject", "withdraw"), required=True)


class TierOut(Schema):
    below = fields.Integer(allow_none=True)
    step = fields.Integer()


class MyStatusOut(Schema):
    registration_id = fields.Integer()
    bidder = fields.String(metadata={"description": "Your pseudonym on this lot (竞买人 A…)"})
    deposit_state = fields.String()
    deposit_amount = fields.Integer()
    reference = fields.String(metadata={"description": "Put it in the bank transfer's remark"})
    instructions = fields.String()
    proxy_max = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "registered, leading or outbid"})
    won = fields.Boolean(metadata={"description": "You are buying the sold lot"})
    runner_up = fields.Boolean(
        metadata={"description": "Your deposit stays held until the winner funds the deal"}
    )
    deal_id = fields.Integer(allow_none=True)


class LotOut(Schema):
    id = fields.Integer()
    session_id = fields.Integer()
    session_title = fields.String()
    listing_id = fields.Integer()
    title = fields.String()
    seller = fields.String()
    state = fields.String()
    phase = fields.String(
        metadata={"description": "upcoming, open, ended (closing), closed, or applied/…"}
    )
    transfer_mode = fields.String()
    currency = fields.String()
    start_price = fields.Integer()
    current_price = fields.Integer(allow_none=True)
    minimum_bid = fields.Integer()
    increment = fields.Integer()
    ladder = fields.List(fields.Nested(TierOut))
    deposit = fields.Integer()
    extension_minutes = fields.Integer()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    server_time = fields.DateTime()
    seconds_left = fields.Integer()
    extensions = fields.Integer()
    bid_count = fields.Integer()
    bidder_count = fields.Integer()
    reserve_set = fields.Boolean()
    reserve_met = fields.Boolean(allow_none=True)
    reserve_price = fields.Integer(
        allow_none=True, metadata={"description": "Only for the seller and operators"}
    )
    leader = fields.String(allow_none=True)
    deal_id = fields.Integer(allow_none=True)
    sale_price = fields.Integer(
        allow_none=True,
        metadata={"description": "Sold at: the hammer, or the runner-up's highest bid"},
    )
    funding_due_at = fields.DateTime(
        allow_none=True, metadata={"description": "The buyer funds the deal by then or forfeits"}
    )
    offer_round = fields.Integer(metadata={"description": "0: the winner; 1: the runner-up"})
    forfeit_seller_bp = fields.Integer(
        metadata={"description": "The seller's share of a forfeited deposit (basis points)"}
    )
    me = fields.Nested(MyStatusOut, allow_none=True)


class SessionDetailOut(SessionOut):
    lots = fields.List(fields.Nested(LotOut))


class RegistrationOut(Schema):
    id = fields.Integer()
    lot_id = fields.Integer()
    organization_id = fields.Integer()
    deposit_state = fields.String()
    deposit_amount = fields.Integer()
    currency = fields.String()
    provider = fields.String()
    reference = fields.String()
    instructions = fields.String()
    payment_intent = fields.String(
        metadata={"description": "The Stripe PaymentIntent when paid by card, else empty"}
    )


class CardDepositOut(Schema):
    """What Stripe.js needs to pay the deposit by card; the deposit is held when Stripe's
    payment_intent.succeeded webhook reaches the platform."""

    registration = fields.Nested(RegistrationOut)
    payment_intent = fields.String()
    client_secret = fields.String()


class DepositConfirmIn(StrictSchema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))
    amount = MinorUnits(required=True, validate=Positive)


class BidIn(StrictSchema):
    amount = MinorUnits(required=True, validate=Positive)
    max_amount = MinorUnits(
        load_default=None,
        allow_none=True,
        validate=Positive,
        metadata={"description": "Your proxy maximum (hidden)"},
    )


class LogBidOut(Schema):
    lot = fields.Integer()
    seq = fields.Integer()
    bidder = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    kind = fields.String()
    at = fields.String()
    prev_hash = fields.String()
    hash = fields.String()


class BidLogOut(Schema):
    lot = fields.Integer()
    algorithm = fields.String()
    genesis = fields.String()
    head = fields.String()
    bids = fields.List(fields.Nested(LogBidOut))


class BidOutcomeOut(Schema):
    accepted = fields.List(fields.Nested(LogBidOut))
    leading = fields.Boolean()
    extended = fields.Boolean()
    lot = fields.Nested(LotOut)


class ResultLotOut(Schema):
    id = fields.Integer()
    title = fields.String()
    state = fields.String()
    currency = fields.String()
    start_price = fields.Integer()
    hammer_price = fields.Integer(allow_none=True)
    premium_pct = fields.Float(allow_none=True)
    bid_count = fields.Integer()
    closed_at = fields.DateTime(allow_none=True)


class ResultSessionOut(Schema):
    id = fields.Integer()
    title = fields.String()
    domain = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    lots = fields.List(fields.Nested(ResultLotOut))
    lot_count = fields.Integer()
    sold_count = fields.Integer()
    currency = fields.String()
    hammer_total = fields.Integer()
    start_total = fields.Integer()
    premium_pct = fields.Float(allow_none=True)
