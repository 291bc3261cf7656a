"""Search API shapes."""

from __future__ import annotations

from marshmallow import Schema, fields

from marketplace.models.vocab import DOMAINS, LEGAL_STATUSES, PATENT_TYPES, TRANSFER_MODES
from marketplace.schemas import validate
from marketplace.schemas.common import Choice, ChoiceList, MinorUnits
from search.documents import PRICE_BANDS

BANDS = (*(name for name, _, _ in PRICE_BANDS), "negotiable")


class _SearchArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    domain = ChoiceList(DOMAINS, load_default=list)
    region = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    price_band = ChoiceList(BANDS, load_default=list)
    min_price = MinorUnits(strict=False)
    max_price = MinorUnits(strict=False)
    sort = Choice(("relevance", "newest", "price_asc", "price_desc"), load_default="relevance")
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(validate=validate.Length(max=2000))


class ListingSearchArgs(_SearchArgs):
    ipc_section = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-H]$")), load_default=list
    )
    ipc_class = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-H]\d{2}$")), load_default=list
    )
    legal_status = ChoiceList(LEGAL_STATUSES, load_default=list)
    patent_type = ChoiceList(PATENT_TYPES, load_default=list)
    transfer_mode = ChoiceList(TRANSFER_MODES, load_default=list)
    trl = fields.List(fields.Integer(validate=validate.Range(min=1, max=9)), load_default=list)
    trl_min = fields.Integer(validate=validate.Range(min=1, max=9))
    trl_max = fields.Integer(validate=validate.Range(min=1, max=9))


class DemandSearchArgs(_SearchArgs):
    cooperation_mode = ChoiceList(TRANSFER_MODES, load_default=list)


class FacetBucket(Schema):
    value = fields.Raw()
    count = fields.Integer()


class SearchHit(Schema):
    id = fields.Integer()
    score = fields.Float(allow_none=True)
    title = fields.String()
    summary = fields.String()
    domain = fields.String()
    region = fields.String()
    organization_name = fields.String()
    published_at = fields.String(allow_none=True)
    currency = fields.String()
    trl = fields.Integer()
    transfer_modes = fields.List(fields.String())
    price_type = fields.String()
    price_amount = fields.Integer(allow_none=True)
    legal_status = fields.List(fields.String())
    patent_type = fields.List(fields.String())
    ipc_codes = fields.List(fields.String())
    tags = fields.List(fields.String())
    cooperation_modes = fields.List(fields.String())
    budget_min = fields.Integer(allow_none=True)
    budget_max = fields.Integer(allow_none=True)
    deadline = fields.String(allow_none=True)
    highlight = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class SuggestedQuery(Schema):
    q = fields.String(metadata={"description": "One word of the query, searched alone."})
    count = fields.Integer(metadata={"description": "Its results without the filters."})


class SearchSuggestions(Schema):
    queries = fields.List(fields.Nested(SuggestedQuery))
    domains = fields.List(
        fields.Nested(FacetBucket),
        metadata={"description": "Domains of the items that have some of the words."},
    )


class SearchResults(Schema):
    items = fields.List(fields.Nested(SearchHit))
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(FacetBucket)),
        metadata={
            "description": "Counts over the results (word matches and the nearest by "
            "meaning that joined them), within the filters."
        },
    )
    total = fields.Integer()
    page = fields.Integer(allow_none=True)
    per_page = fields.Integer()
    next_cursor = fields.String(allow_none=True)
    degraded = fields.Boolean(
        metadata={"description": "The search service was unreachable: simple database results."}
    )
    relaxed = fields.Boolean(
        metadata={
            "description": "No result has all the words of `q`: these match some of them, "
            "or are near in meaning."
        }
    )
    hybrid = fields.Boolean(
        metadata={
            "description": "Vectors took part: the nearest items by meaning (any language) "
            "join the word matches and the two rankings are fused."
        }
    )
    suggestions = fields.Nested(
        SearchSuggestions,
        allow_none=True,
        metadata={"description": "When nothing was found: what to search instead."},
    )


class SuggestArgs(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=100))
    size = fields.Integer(load_default=8, validate=validate.Range(min=1, max=20))


class Suggestions(Schema):
    suggestions = fields.List(fields.String())
    degraded = fields.Boolean()
