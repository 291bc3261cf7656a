"""揭榜挂帅 shapes: a challenge (its card in the hall, its details), proposals, questions,
scores, the review, funding and award inputs."""

from __future__ import annotations

from marshmallow import Schema, fields

from marketplace.models.challenges import ELIGIBILITIES, PAYMENT_MODES, VISIBILITIES
from marketplace.models.vocab import DOMAINS
from marketplace.schemas import validate
from marketplace.schemas.common import Choice, MinorUnits, RowId, StrictSchema

Positive = validate.Range(min=1, max=10**12)


def _text(max_len: int, **kw) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len), **kw)


class IndicatorIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    target_value = fields.String(required=True, validate=validate.Length(min=1, max=100))
    unit = _text(40, load_default="")
    test_method = _text(2000, load_default="")


class ChallengeIn(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    summary = _text(2000, load_default="")
    statement = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    domain = Choice(DOMAINS, required=True)
    bounty = MinorUnits(required=True, validate=Positive)
    currency = Choice(("CNY",), load_default="CNY")
    payment_mode = Choice(PAYMENT_MODES, load_default="on_award")
    allow_split = fields.Boolean(load_default=False)
    ip_terms = _text(5000, load_default="")
    eligibility = Choice(ELIGIBILITIES, load_default="verified_org")
    visibility = Choice(VISIBILITIES, load_default="public")
    criteria = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=10),
    )
    proposal_deadline = fields.AwareDateTime(required=True)
    delivery_days = fields.Integer(required=True, validate=validate.Range(min=1, max=3650))
    indicators = fields.List(
        fields.Nested(IndicatorIn), required=True, validate=validate.Length(min=1, max=20)
    )
    organization_id = RowId(
        load_default=None,
        allow_none=True,
        metadata={"description": "Operators: the organization the challenge is posted for"},
    )


class ChallengeEditIn(ChallengeIn):
    """Every field again (the indicators are replaced as a whole)."""


class ChallengeReviewIn(StrictSchema):
    action = Choice(("approve", "reject"), required=True)
    note = _text(2000, load_default="")


class FundingConfirmIn(StrictSchema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))
    amount = MinorUnits(required=True, validate=Positive)


class ReasonIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class TeamMemberIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = _text(100, load_default="")


class PlanIn(StrictSchema):
    indicator_id = RowId(required=True)
    plan = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class ProposalIn(StrictSchema):
    approach = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    price = MinorUnits(required=True, validate=Positive)
    team = fields.List(
        fields.Nested(TeamMemberIn), load_default=list, validate=validate.Length(max=50)
    )
    plan = fields.List(
        fields.Nested(PlanIn), required=True, validate=validate.Length(min=1, max=20)
    )
    listing_ids = fields.List(RowId(), load_default=list, validate=validate.Length(max=20))
    disclose_win = fields.Boolean(
        load_default=False,
        metadata={"description": "If awarded, the organization may be named in the hall"},
    )


class ScoresIn(StrictSchema):
    scores = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=100)),
        values=fields.Integer(strict=True, validate=validate.Range(min=0, max=100)),
        required=True,
        validate=validate.Length(min=1, max=10),
    )


class QuestionIn(StrictSchema):
    question = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class AnswerIn(StrictSchema):
    answer = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class WinnerIn(StrictSchema):
    proposal_id = RowId(required=True)
    amount = MinorUnits(
        load_default=None,
        allow_none=True,
        validate=Positive,
        metadata={"description": "Minor units; the proposal's price if left out"},
    )
    reason = _text(5000, load_default="")


class ReasonOfIn(StrictSchema):
    proposal_id = RowId(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class AwardIn(StrictSchema):
    winners = fields.List(
        fields.Nested(WinnerIn), required=True, validate=validate.Length(min=1, max=20)
    )
    rejected = fields.List(
        fields.Nested(ReasonOfIn),
        load_default=list,
        validate=validate.Length(max=500),
        metadata={"description": "Every other undecided proposal, with its written reason"},
    )


class HallArgs(Schema):
    status = Choice(("open", "closed"), load_default="open")
    domain = Choice(DOMAINS, load_default=None)
    min_bounty = MinorUnits(strict=False, load_default=None, validate=Positive)


# Output --------------------------------------------------------------------------------


class IndicatorOut(Schema):
    id = fields.Integer()
    position = fields.Integer()
    name = fields.String()
    target_value = fields.String()
    unit = fields.String()
    test_method = fields.String()


class WinnerOut(Schema):
    organization = fields.String(
        allow_none=True, metadata={"description": "Null unless the winner agreed to be named"}
    )
    amount = fields.Integer(allow_none=True)


class ChallengeCardOut(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    domain = fields.String()
    bounty = fields.Integer()
    currency = fields.String()
    state = fields.String()
    organization = fields.String()
    proposal_deadline = fields.DateTime()
    funded = fields.Boolean(metadata={"description": "资金已托管: the ledger holds the bounty"})
    proposal_count = fields.Integer()
    winners = fields.List(fields.Nested(WinnerOut))


class ChallengeOut(ChallengeCardOut):
    payment_mode = fields.String()
    allow_split = fields.Boolean()
    eligibility = fields.String()
    visibility = fields.String()
    criteria = fields.List(fields.String())
    delivery_days = fields.Integer()
    review_note = fields.String(allow_none=True)
    decision_reason = fields.String()
    details_visible = fields.Boolean(
        metadata={"description": "False behind the NDA: POST …/nda to read the details"}
    )
    statement = fields.String(allow_none=True)
    ip_terms = fields.String(allow_none=True)
    indicators = fields.List(fields.Nested(IndicatorOut))
    my_roles = fields.List(fields.String())


class ChallengeFundingOut(Schema):
    challenge_id = fields.Integer()
    amount = fields.Integer()
    currency = fields.String()
    reference = fields.String(metadata={"description": "Put it in the bank transfer's remark"})
    instructions = fields.String()
    bank = fields.Dict(keys=fields.String(), values=fields.String())


class ReviewQueueOut(Schema):
    pending_review = fields.List(fields.Nested(ChallengeCardOut))
    awaiting_funding = fields.List(fields.Nested(ChallengeCardOut))


class QuestionOut(Schema):
    id = fields.Integer()
    proposal_id = fields.Integer()
    question = fields.String()
    answer = fields.String()
    asked_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)


class ScoreOut(Schema):
    criterion = fields.String()
    score = fields.Integer()


class TeamMemberOut(Schema):
    name = fields.String()
    role = fields.String()


class PlanOut(Schema):
    indicator_id = fields.Integer()
    plan = fields.String()


class ProposalFileOut(Schema):
    id = fields.Integer()
    proposal_id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ProposalOut(Schema):
    id = fields.Integer()
    challenge_id = fields.Integer()
    organization = fields.String(attribute="organization.name")
    organization_id = fields.Integer()
    approach = fields.String()
    price = fields.Integer()
    team = fields.List(fields.Nested(TeamMemberOut))
    plan = fields.List(fields.Nested(PlanOut))
    listing_ids = fields.List(fields.Integer())
    state = fields.String()
    outcome_reason = fields.String()
    awarded_amount = fields.Integer(allow_none=True)
    deal_id = fields.Integer(allow_none=True)
    disclose_win = fields.Boolean()
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    scores = fields.List(fields.Nested(ScoreOut))
    questions = fields.List(fields.Nested(QuestionOut))
    files = fields.List(fields.Nested(ProposalFileOut))


class ProposalListOut(Schema):
    count = fields.Integer(metadata={"description": "All proposals: what other solvers see"})
    proposals = fields.List(
        fields.Nested(ProposalOut),
        metadata={"description": "Those you may read: all for the poster and operators"},
    )
