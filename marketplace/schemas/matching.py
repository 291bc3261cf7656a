"""Match schemas: a recommended listing for a demand, or a demand for a listing."""

from __future__ import annotations

from marshmallow import Schema, fields

from marketplace.schemas import validate
from marketplace.schemas.common import OrganizationRef


class MatchArgs(Schema):
    k = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))


class MatchParts(Schema):
    text = fields.Float()
    terms = fields.Float()
    concepts = fields.Float()
    domain = fields.Float()
    ipc = fields.Float()
    trl = fields.Float()
    legal_status = fields.Float()
    recency = fields.Float()
    region = fields.Float()


class MatchExplanation(Schema):
    score = fields.Float(
        metadata={"description": "the calibrated probability (the model's score); higher is better"}
    )
    strength = fields.Float(
        metadata={"description": "the score without the query-relative text part"}
    )
    strong = fields.Boolean(metadata={"description": "good enough to notify the other side"})
    parts = fields.Nested(MatchParts, metadata={"description": "each part in [0, 1], unweighted"})
    matched_terms = fields.List(
        fields.String(), metadata={"description": "words found in the listing"}
    )
    concepts = fields.List(fields.String(), metadata={"description": "concepts both sides share"})
    common_modes = fields.List(
        fields.String(), metadata={"description": "transfer modes both accept"}
    )
    budget = fields.String(
        metadata={"description": "within (fixed price) | auction | negotiable | no_budget"}
    )
    probability = fields.Float(
        allow_none=True,
        metadata={"description": "calibrated P(solves a substantial part of the need)"},
    )
    label = fields.String(
        allow_none=True, metadata={"description": "high | good | fair (thresholds fitted)"}
    )
    semantic = fields.Boolean(metadata={"description": "close in meaning (the vectors)"})
    constraints = fields.List(fields.String(), metadata={"description": "hard constraints met"})


class MatchedListing(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    domain = fields.String()
    region = fields.String()
    trl = fields.Integer()
    transfer_modes = fields.List(fields.String())
    price_type = fields.String()
    price_amount = fields.Integer(allow_none=True)
    currency = fields.String()
    ipc_codes = fields.List(fields.String())
    organization = fields.Nested(OrganizationRef)


class MatchedDemand(Schema):
    id = fields.Integer()
    title = fields.String()
    domain = fields.String()
    region = fields.String()
    cooperation_modes = fields.List(fields.String())
    budget_min = fields.Integer(allow_none=True)
    budget_max = fields.Integer(allow_none=True)
    currency = fields.String()
    deadline = fields.Date(allow_none=True)
    organization = fields.Nested(OrganizationRef)


class ListingMatch(Schema):
    listing = fields.Nested(MatchedListing)
    explanation = fields.Nested(MatchExplanation)


class DemandMatch(Schema):
    demand = fields.Nested(MatchedDemand)
    explanation = fields.Nested(MatchExplanation)


class ListingMatches(Schema):
    demand_id = fields.Integer()
    items = fields.List(fields.Nested(ListingMatch))


class DemandMatches(Schema):
    listing_id = fields.Integer()
    items = fields.List(fields.Nested(DemandMatch))


class ChallengeListingArgs(Schema):
    k = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))


class ChallengeListingMatches(Schema):
    challenge_id = fields.Integer()
    items = fields.List(fields.Nested(ListingMatch))
