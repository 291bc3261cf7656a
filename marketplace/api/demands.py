"""Demands API."""

from marketplace.api.publication import make_blueprint
from marketplace.catalog import demands
from marketplace.models import Demand
from marketplace.schemas.demands import DemandIn, DemandOut, DemandPage, DemandQuery


def create_blueprint():
    return make_blueprint(
        name="demand",
        model=Demand,
        schema_in=DemandIn,
        schema_out=DemandOut,
        query_schema=DemandQuery,
        page_schema=DemandPage,
        create=demands.create_demand,
        update=demands.update_demand,
        delete=demands.delete_demand,
        get=demands.get_demand,
        search=demands.list_demands,
    )
