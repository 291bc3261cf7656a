"""技术需求 pages: /demands, /demands/<id>, /demands/new, /demands/<id>/edit and actions."""

from flask_babel import lazy_gettext as _l

from marketplace.catalog import demands
from marketplace.models import Demand
from marketplace.schemas.demands import DemandIn, DemandQuery
from marketplace.views import forms, items, matching

KIND = items.Kind(
    name="demand",
    plural="demands",
    model=Demand,
    schema=DemandIn,
    query_schema=DemandQuery,
    create=demands.create_demand,
    update=demands.update_demand,
    delete=demands.delete_demand,
    get=demands.get_demand,
    search=demands.list_demands,
    to_payload=forms.demand_payload,
    to_form=forms.demand_form,
    amount_filters=("min_budget", "max_budget"),
    sorts=("newest", "updated", "deadline", "budget_desc"),
    created_message=_l("The demand is saved as a draft. Submit it for review when it is ready."),
    saved_message=_l("The demand is saved."),
    deleted_message=_l("The draft is deleted."),
    detail_context=matching.demand_context,
)
items.register(KIND)
