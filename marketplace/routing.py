"""URL converters shared by every blueprint (API and pages)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from marketplace.models.types import MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every route: an id no row can have (above MAX_ROW_ID) does not match
    the route, so it is a 404 and never reaches the database driver, where it overflowed
    into a 500. The OpenAPI document shows the bound as the parameter's maximum."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    # Before any blueprint is registered: rules bind their converters when they are added.
    app.url_map.converters["int"] = RowIdConverter
