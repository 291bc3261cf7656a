"""Statistics schemas: the period and format of a request, the figures in a response.

A period is ``all``, a year (``2026``), a quarter (``2026Q4``) or a month (``2026-11``),
of Asia/Shanghai days. Money columns are integers in minor units (fen for CNY)."""

from __future__ import annotations

from marshmallow import Schema, fields

from marketplace.core.messages import N_
from marketplace.models.vocab import DOMAINS
from marketplace.schemas import validate
from marketplace.schemas.common import Choice

PERIOD = validate.Regexp(
    r"^(all|\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?)$",
    error=N_("A period is all, a year (2026), a quarter (2026Q4) or a month (2026-11)."),
)


class StatisticsQuery(Schema):
    period = fields.String(validate=PERIOD, metadata={"description": "Default: this year."})


class FigureQuery(StatisticsQuery):
    format = Choice(("json", "csv", "xlsx"), load_default="json")


class AnalyticsQuery(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))
    format = Choice(("json", "csv", "xlsx"), load_default="json")


class ColumnOut(Schema):
    key = fields.String()
    kind = fields.String(
        metadata={
            "description": "month, domain, region, transfer_mode, currency, item_kind, "
            "broker, stage, queue or day (the row's subject); count, money (minor units), "
            "days or percent"
        }
    )
    title = fields.String()


class FigureOut(Schema):
    key = fields.String()
    title = fields.String()
    chart = fields.String()
    columns = fields.List(fields.Nested(ColumnOut))
    rows = fields.List(fields.List(fields.Raw(allow_none=True)))


class StatisticsOut(Schema):
    period = fields.String()
    start = fields.Date(allow_none=True, metadata={"description": "First day (Asia/Shanghai)."})
    end = fields.Date(allow_none=True, metadata={"description": "First day after the period."})
    computed_at = fields.DateTime()
    figures = fields.List(fields.Nested(FigureOut))


class AnalyticsOut(Schema):
    doc_type = fields.String()
    item_id = fields.Integer()
    days = fields.Integer()
    columns = fields.List(fields.Nested(ColumnOut))
    rows = fields.List(fields.List(fields.Raw()))
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())


class DashboardQuery(StatisticsQuery):
    domain = Choice(DOMAINS, metadata={"description": "Only deals, views and matches of it."})
    region = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Only items of this region (as the items name it)."},
    )


class DashboardFigureQuery(DashboardQuery):
    format = Choice(("json", "csv", "xlsx"), load_default="json")


class DashboardOut(Schema):
    period = fields.String()
    start = fields.Date(allow_none=True)
    end = fields.Date(allow_none=True)
    domain = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    computed_at = fields.DateTime()
    figures = fields.List(fields.Nested(FigureOut))
