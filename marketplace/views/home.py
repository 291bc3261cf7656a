"""The home page: what the market holds now."""

from flask import render_template

from marketplace.accounts import organizations
from marketplace.catalog import demands, listings
from marketplace.extensions import db
from marketplace.models.vocab import DOMAINS
from marketplace.views.base import actor, bp

NEWEST = 6


@bp.route("/")
def home():
    user = actor()
    counts = organizations.domain_counts(db.session)
    # Every domain of the vocabulary, the busiest first; empty ones stay visible but quiet.
    domains = sorted(DOMAINS, key=lambda d: (-counts.get(d, 0), DOMAINS.index(d)))
    return render_template(
        "home.html",
        market=organizations.market_counts(db.session),
        listings=listings.list_listings(db.session, user, per_page=NEWEST).items,
        demands=demands.list_demands(db.session, user, per_page=NEWEST).items,
        domains=[(d, counts.get(d, 0)) for d in domains],
    )
