"""Search API: full-text search with facets, highlights, sorting, cursor paging; suggestions."""

from __future__ import annotations

from flask_smorest import Blueprint

from marketplace.discovery import search as search_service
from marketplace.discovery.search import params_from_args
from marketplace.extensions import db
from marketplace.schemas.common import ApiError
from marketplace.schemas.search import (
    DemandSearchArgs,
    ListingSearchArgs,
    SearchResults,
    SuggestArgs,
    Suggestions,
)


def create_blueprint() -> Blueprint:
    blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="Search")

    @blp.route("/listings", methods=["GET"])
    @blp.arguments(ListingSearchArgs, location="query")
    @blp.response(200, SearchResults)
    @blp.alt_response(422, schema=ApiError)
    def search_listings(args):
        """Published listings matching `q` and the facet filters (repeat a parameter to
        select several values), with highlights, facet counts and a cursor for deep paging."""
        return search_service.search(db.session, params_from_args("listings", args))

    @blp.route("/demands", methods=["GET"])
    @blp.arguments(DemandSearchArgs, location="query")
    @blp.response(200, SearchResults)
    @blp.alt_response(422, schema=ApiError)
    def search_demands(args):
        """Published demands matching `q` and the facet filters."""
        return search_service.search(db.session, params_from_args("demands", args))

    @blp.route("/suggest", methods=["GET"])
    @blp.arguments(SuggestArgs, location="query")
    @blp.response(200, Suggestions)
    def suggest(args):
        """Completions for the search box (titles and tags of published items)."""
        return search_service.suggest(db.session, args["q"], args["size"])

    return blp
