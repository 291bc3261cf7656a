"""HTML blueprints: forms → the same services as the API → templates.

One blueprint, ``views``, whose routes live in a module per page family.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from marketplace.views import (  # noqa: F401 - importing registers the routes
        account,
        auctions,
        auctions_manage,
        audit,
        auth,
        broker_deals,
        brokers,
        challenge_proposals,
        challenges,
        deal_paper,
        deals,
        deals_operator,
        demands,
        home,
        imports,
        listings,
        members,
        notifications,
        password,
        payout_accounts,
        review,
        search,
        second_factor,
        statistics,
        todos,
        vouchers,
    )
    from marketplace.views.base import bp

    app.register_blueprint(bp)
