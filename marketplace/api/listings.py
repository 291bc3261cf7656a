"""Listings API."""

from marketplace.api.publication import make_blueprint
from marketplace.catalog import listings
from marketplace.models import Listing
from marketplace.schemas.listings import ListingIn, ListingOut, ListingPage, ListingQuery


def create_blueprint():
    return make_blueprint(
        name="listing",
        model=Listing,
        schema_in=ListingIn,
        schema_out=ListingOut,
        query_schema=ListingQuery,
        page_schema=ListingPage,
        create=listings.create_listing,
        update=listings.update_listing,
        delete=listings.delete_listing,
        get=listings.get_listing,
        search=listings.list_listings,
    )
