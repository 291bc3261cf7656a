"""TechMarket: the Flask application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from marketplace import config as config_module
from marketplace.extensions import csrf, db, limiter, mail, migrate


def _locate() -> tuple[str, str | None]:
    """(the folder holding templates/ and migrations/, the default instance folder).

    A checkout has them at its top, beside marketplace/, with instance/ there too. A wheel
    carries them inside the package (setup.py copies them at build time); its instance
    folder is then Flask's default for an installed package, <prefix>/var/marketplace-instance.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.isdir(os.path.join(here, "migrations")):
        return here, None
    checkout = os.path.dirname(here)
    return checkout, os.path.join(checkout, "instance")


PACKAGE_ROOT, DEFAULT_INSTANCE_PATH = _locate()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides what the environment says (tests use it)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or DEFAULT_INSTANCE_PATH,
        instance_relative_config=True,
        template_folder=os.path.join(PACKAGE_ROOT, "templates"),
        static_folder=os.path.join(PACKAGE_ROOT, "templates", "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config_module.DEFAULTS)
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(config or {})
    if "SQLALCHEMY_DATABASE_URI" in (config or {}):
        app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
            app.config["SQLALCHEMY_DATABASE_URI"]
        )
    if not app.config.get("TESTING"):
        app.config["SECOND_FACTOR_ENFORCED"] = True  # a test switch, never off in production
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.load_secret_key(app.instance_path)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(PACKAGE_ROOT, "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)

    # The composition root: what create_app wires is imported here, so that importing one
    # module of the package (a model, a service) does not load every blueprint.
    from marketplace.discovery import worker
    from marketplace.web import (
        auth,
        i18n,
        item_views,
        request_body,
        routing,
        second_factor,
        security,
    )

    request_body.init_app(app)
    routing.init_app(app)
    auth.init_app(app)
    second_factor.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    worker.init_app(app)
    item_views.init_app(app)

    import marketplace.api as api_package
    from marketplace import cli, views
    from marketplace.auctions import deposits as auction_deposits
    from marketplace.auctions import settlement  # noqa: F401 - receives deal cancellations
    from marketplace.deals import stripe_events

    stripe_events.register_purpose(auction_deposits.CARD_PURPOSE, auction_deposits.card_succeeded)
    from marketplace.notifications import events  # noqa: F401 - receives the review signal
    from marketplace.vouchers import spending  # noqa: F401 - receives escrow refunds, releases
    from marketplace.web import errors

    api_package.init_app(app)
    views.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app


__all__ = ["create_app"]
