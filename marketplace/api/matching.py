"""Matches API: recommended listings for a demand, demands a listing could serve."""

from __future__ import annotations

from flask_smorest import Blueprint

from marketplace.discovery import challenge_matching, matching
from marketplace.extensions import db
from marketplace.schemas.common import ApiError
from marketplace.schemas.matching import (
    ChallengeListingArgs,
    ChallengeListingMatches,
    DemandMatches,
    ListingMatches,
    MatchArgs,
)
from marketplace.web.auth import current_actor


def _listing(listing) -> dict:
    return {
        "id": listing.id,
        "title": listing.title,
        "summary": listing.summary,
        "domain": listing.domain,
        "region": listing.region,
        "trl": listing.trl,
        "transfer_modes": listing.transfer_modes,
        "price_type": listing.price_type,
        "price_amount": listing.price_amount,
        "currency": listing.currency,
        "ipc_codes": sorted({c for p in listing.patents for c in (p.ipc_codes or ())}),
        "organization": listing.organization,
    }


def create_blueprint() -> Blueprint:
    blp = Blueprint("matches", __name__, url_prefix="/api/v1", description="Matching")

    @blp.route("/demands/<int:demand_id>/matches", methods=["GET"])
    @blp.arguments(MatchArgs, location="query")
    @blp.response(200, ListingMatches)
    @blp.alt_response(404, schema=ApiError)
    def demand_matches(args, demand_id: int):
        """Published listings that could meet this demand, best first, with the reasons.
        Visible to whoever may see the demand; hard constraints (a common transfer mode,
        a fixed price within the budget, another organization) always hold."""
        _, found = matching.matches_for_demand(db.session, current_actor(), demand_id, k=args["k"])
        return {
            "demand_id": demand_id,
            "items": [{"listing": _listing(r.item), "explanation": r.match} for r in found],
        }

    @blp.route("/listings/<int:listing_id>/matches", methods=["GET"])
    @blp.arguments(MatchArgs, location="query")
    @blp.response(200, DemandMatches)
    @blp.alt_response(404, schema=ApiError)
    def listing_matches(args, listing_id: int):
        """Open demands this listing could serve, best first, with the reasons."""
        _, found = matching.matches_for_listing(
            db.session, current_actor(), listing_id, k=args["k"]
        )
        return {
            "listing_id": listing_id,
            "items": [{"demand": r.item, "explanation": r.match} for r in found],
        }

    @blp.route("/challenges/<int:challenge_id>/related-listings", methods=["GET"])
    @blp.arguments(ChallengeListingArgs, location="query")
    @blp.response(200, ChallengeListingMatches)
    @blp.alt_response(404, schema=ApiError)
    def challenge_listings(args, challenge_id: int):
        """Published listings that could answer this 揭榜挂帅 challenge, best first, with
        the reasons: the demands' retrieval and model on the challenge's title, summary
        and domain (and its statement and indicators when it is public). Listings of the
        posting organization are left out; a challenge for universities and institutes
        only lists theirs. Visible to whoever may see the challenge."""
        _, found = challenge_matching.related_listings(
            db.session, current_actor(), challenge_id, k=args["k"]
        )
        return {
            "challenge_id": challenge_id,
            "items": [{"listing": _listing(r.item), "explanation": r.match} for r in found],
        }

    return blp
