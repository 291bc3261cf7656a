"""Notification, preference and saved-search shapes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validates_schema

from marketplace.core.messages import N_
from marketplace.models.notifications import NOTIFICATION_KINDS
from marketplace.schemas import validate
from marketplace.schemas.common import Choice, PageArgs, PageMeta, StrictSchema
from marketplace.schemas.search import DemandSearchArgs, ListingSearchArgs, SearchHit
from search.client import DOC_TYPES
from search.queries import query_keys

SEARCH_ARGS = {"listings": ListingSearchArgs, "demands": DemandSearchArgs}


class NotificationQuery(PageArgs):
    unread = fields.Boolean(load_default=False)


class NotificationOut(Schema):
    id = fields.Integer()
    kind = Choice(NOTIFICATION_KINDS)
    title = fields.String(metadata={"description": "In the language of the request."})
    body = fields.String()
    target_type = Choice(
        (*DOC_TYPES, "deals", "challenges", "vouchers"),
        allow_none=True,
        metadata={"description": "What `target_id` points at; null for a notice about no item."},
    )
    target_id = fields.Integer(allow_none=True)
    link = fields.String(metadata={"description": "The page where the reader acts on it."})
    listing_id = fields.Integer(allow_none=True)
    demand_id = fields.Integer(allow_none=True)
    saved_search_id = fields.Integer(allow_none=True)
    deal_id = fields.Integer(allow_none=True)
    payload = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    meta = fields.Nested(PageMeta)
    unread = fields.Integer()


class UnreadCount(Schema):
    unread = fields.Integer()


class MarkedCount(Schema):
    marked = fields.Integer()


class PreferencesSchema(StrictSchema):
    match_alerts = fields.Boolean(
        metadata={
            "description": "Tell me about new items that match my listings or demands, and "
            "new challenges my listings could solve."
        }
    )
    saved_search_alerts = fields.Boolean(
        metadata={"description": "Tell me about new results of my saved searches."}
    )
    deal_events = fields.Boolean(
        metadata={
            "description": "Tell me about my deals: inquiries, messages, terms, funding,"
            " deliveries, acceptances, disputes, cancellations, completion, payouts."
        }
    )
    broker_events = fields.Boolean(
        metadata={
            "description": "Tell me about brokers: invitations to broker a deal, a broker"
            " joining my deal, mediation offers and their answers."
        }
    )
    publication_events = fields.Boolean(
        metadata={"description": "Tell me when my listings or demands are approved or rejected."}
    )
    auction_events = fields.Boolean(
        metadata={"description": "Tell me when another bidder outbids me in an auction."}
    )
    challenge_events = fields.Boolean(
        metadata={
            "description": "Tell me of my challenges' reviews, questions, answers and outcomes."
        }
    )
    email = fields.Boolean(metadata={"description": "Send a copy of each notification by e-mail."})

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(
                N_(
                    "Give at least one of match_alerts, saved_search_alerts, deal_events,"
                    " broker_events, publication_events, auction_events, challenge_events,"
                    " email."
                )
            )


class PreferencesOut(Schema):
    match_alerts = fields.Boolean()
    saved_search_alerts = fields.Boolean()
    deal_events = fields.Boolean()
    broker_events = fields.Boolean()
    publication_events = fields.Boolean()
    auction_events = fields.Boolean()
    challenge_events = fields.Boolean()
    email = fields.Boolean()


def load_query(doc_type: str, query: object) -> dict:
    """Validate a saved search's query with the search API's own argument schema; only
    the keys a saved search keeps (q, facets, price and TRL bounds) are accepted."""
    if not isinstance(query, dict):
        raise ValidationError({"query": [N_("Not a valid mapping type.")]})
    unknown = sorted(set(query) - set(query_keys(doc_type)))
    if unknown:
        raise ValidationError({"query": {name: [N_("Unknown field.")] for name in unknown}})
    try:
        return SEARCH_ARGS[doc_type]().load(query)
    except ValidationError as exc:
        raise ValidationError({"query": exc.messages}) from None


class SavedSearchIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    doc_type = Choice(DOC_TYPES, required=True)
    query = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "Search arguments: q, facet lists, price and TRL bounds."},
    )
    alerts = fields.Boolean(load_default=True)

    @post_load
    def valid_query(self, data, **kwargs):
        data["query"] = load_query(data["doc_type"], data["query"])
        return data


class SavedSearchPatch(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    query = fields.Dict(keys=fields.String())
    alerts = fields.Boolean()


class SavedSearchOut(Schema):
    id = fields.Integer()
    name = fields.String()
    doc_type = fields.String()
    query = fields.Dict()
    alerts = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    last_notified_at = fields.DateTime(allow_none=True)


class SavedSearchList(Schema):
    items = fields.List(fields.Nested(SavedSearchOut))


class NewResults(Schema):
    items = fields.List(fields.Nested(SearchHit))
    total = fields.Integer(metadata={"description": "New results among the newest 100."})
    more = fields.Boolean(metadata={"description": "There may be more than `total`."})
    since = fields.DateTime()
    degraded = fields.Boolean()
