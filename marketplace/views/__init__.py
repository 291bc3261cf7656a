"""HTML blueprints: forms → the same services as the API → templates."""

from flask import Flask


def init_app(app: Flask) -> None:
    from marketplace.views import pages

    app.register_blueprint(pages.bp)
