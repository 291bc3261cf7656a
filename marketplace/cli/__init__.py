"""flask commands: thin wrappers; the work is done by the domain services."""

from __future__ import annotations

from flask import Flask

from marketplace.cli import main, match, search, statistics


def init_app(app: Flask) -> None:
    main.init_app(app)
    search.init_app(app)
    match.init_app(app)
    statistics.init_app(app)
