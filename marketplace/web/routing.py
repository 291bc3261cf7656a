"""URL converters shared by every blueprint (API and pages)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from marketplace.models.types import MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every route. An id no row can have (above MAX_ROW_ID) used to reach
    the database driver, which overflowed into a 500; it is read as 0, which no row has
    either, so the answer is the usual 404. (Refusing it in the converter instead makes
    Werkzeug answer 405 whenever the same path has a rule for another method.)
    The OpenAPI document shows the bound as the parameter's maximum."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ROW_ID else 0


def init_app(app: Flask) -> None:
    # Before any blueprint is registered: rules bind their converters when they are added.
    app.url_map.converters["int"] = RowIdConverter
