"""技术成果 pages: /listings, /listings/<id>, /listings/new, /listings/<id>/edit and actions."""

from flask_babel import lazy_gettext as _l

from marketplace.catalog import listings
from marketplace.models import Listing
from marketplace.schemas.listings import ListingIn, ListingQuery
from marketplace.views import forms, items, matching

KIND = items.Kind(
    name="listing",
    plural="listings",
    model=Listing,
    schema=ListingIn,
    query_schema=ListingQuery,
    create=listings.create_listing,
    update=listings.update_listing,
    delete=listings.delete_listing,
    get=listings.get_listing,
    search=listings.list_listings,
    to_payload=forms.listing_payload,
    to_form=forms.listing_form,
    amount_filters=("min_price", "max_price"),
    sorts=("newest", "updated", "price_asc", "price_desc"),
    created_message=_l("The listing is saved as a draft. Submit it for review when it is ready."),
    saved_message=_l("The listing is saved."),
    deleted_message=_l("The draft is deleted."),
    detail_context=matching.listing_context,
)
items.register(KIND)
