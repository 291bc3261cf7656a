"""The figures of the market statistics, registered by name.

A figure is a table: its first column is what the rows are about (a month, a domain, a
region …), the others are counts, money (CNY minor units) or days. Each figure has a
chart (``line`` or ``bar``) drawn from its value columns. The figures of the market as a
whole are in market.py; a later domain (vouchers, auctions, challenges) adds its own with
``register`` in a module of its own, and the page, the API, the downloads and the
quarterly report show it without change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from marketplace.statistics.periods import Period

# What a column holds: the first column of a figure is one of the dimensions.
DIMENSIONS = (
    "month",
    "domain",
    "region",
    "transfer_mode",
    "currency",
    "item_kind",
    "broker",
    "stage",  # the operators' dashboard (dashboard.py)
    "queue",
    "programme",  # an innovation voucher programme, by name (vouchers.py)
)
VALUE_KINDS = ("count", "money", "days", "percent")

Rows = list[list[Any]]


@dataclass(frozen=True)
class Column:
    key: str
    kind: str  # a DIMENSIONS or VALUE_KINDS value
    title: str  # an N_() template: the column's heading


@dataclass(frozen=True)
class Figure:
    key: str
    title: str  # N_() template
    columns: tuple[Column, ...]
    compute: Callable[[Session, Period, datetime], Rows]
    chart: str = "bar"  # line | bar
    note: str = ""  # N_() template: what is counted, shown under the title

    @property
    def dimension(self) -> Column:
        return self.columns[0]

    @property
    def values(self) -> tuple[Column, ...]:
        return self.columns[1:]


FIGURES: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    if figure.key in FIGURES:
        raise ValueError(f"figure {figure.key!r} registered twice")
    if figure.dimension.kind not in DIMENSIONS:
        raise ValueError(f"figure {figure.key!r}: first column is not a dimension")
    FIGURES[figure.key] = figure
    return figure


def get(key: str) -> Figure | None:
    return FIGURES.get(key)
