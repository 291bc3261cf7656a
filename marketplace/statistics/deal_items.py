"""What a deal is about, for the figures that break deals down by domain and region.

A deal opened on a listing or a demand takes that item's domain and region. A deal opened
by a 揭榜挂帅 award has neither: it takes its challenge's domain and the region of the
organization that posted it (the challenge names no region of its own). Auction deals
are about their lot's listing. So every deal lands in one domain and one region, and the
breakdowns add up to the totals.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.orm import aliased

from marketplace.models import Challenge, Deal, Demand, Listing, Organization

# The challenge's poster, under its own name (other figures join organizations too).
POSTER = aliased(Organization, name="challenge_poster")


def with_items(stmt):
    """``stmt`` (which selects from Deal) joined to what each deal is about."""
    return (
        stmt.outerjoin(Listing, Listing.id == Deal.listing_id)
        .outerjoin(Demand, Demand.id == Deal.demand_id)
        .outerjoin(Challenge, Challenge.id == Deal.challenge_id)
        .outerjoin(POSTER, POSTER.id == Challenge.organization_id)
    )


def domain():
    return func.coalesce(Listing.domain, Demand.domain, Challenge.domain)


def region():
    return func.coalesce(Listing.region, Demand.region, POSTER.region)
