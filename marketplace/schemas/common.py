"""Shared schema pieces: strict input, vocab fields, pagination, errors."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields

from marketplace.core.messages import N_
from marketplace.core.validators import (
    normalize_credit_code,
    normalize_ipc,
    normalize_patent_number,
)
from marketplace.models.types import MAX_ROW_ID
from marketplace.schemas import validate


class StrictSchema(Schema):
    """Input schemas reject unknown fields, so typos are reported instead of ignored."""

    class Meta:
        unknown = RAISE


def Choice(values, **kwargs) -> fields.String:  # noqa: N802 - reads like a field class
    return fields.String(validate=validate.OneOf(values), **kwargs)


def ChoiceList(values, **kwargs) -> fields.List:  # noqa: N802
    return fields.List(fields.String(validate=validate.OneOf(values)), **kwargs)


def unique_items(items: list) -> None:
    if len(items) != len(set(items)):
        raise ValidationError(N_("Each value may appear once."))


class PatentNumber(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return normalize_patent_number(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as exc:
            raise ValidationError(exc.args[0]) from None


class CreditCode(fields.String):
    """统一社会信用代码: 18 characters with a valid check character (GB 32100-2015);
    "" or null clears it."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            return None
        try:
            return normalize_credit_code(text)
        except ValueError as exc:
            raise ValidationError(exc.args[0]) from None


class IpcCode(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return normalize_ipc(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as exc:
            raise ValidationError(exc.args[0]) from None


MAX_PAGE = 100_000  # deeper than anyone pages; the offset stays far inside 64 bits


def RowId(**kwargs) -> fields.Integer:  # noqa: N802 - reads like a field class
    """A reference to a row: 1 … MAX_ROW_ID. A larger number is no id at all, and is
    reported as invalid input instead of overflowing in the database driver (a 500)."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID), **kwargs)


Money = fields.Integer  # minor units; the field names say so (price_amount, budget_min)


class MinorUnits(fields.Integer):
    """An amount in minor units: a non-negative integer below 10^15 (fits BIGINT safely)."""

    def __init__(self, *, strict: bool = True, **kwargs):
        kwargs.setdefault("validate", validate.Range(min=0, max=10**15))
        super().__init__(strict=strict, **kwargs)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PageMeta(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


class ErrorDetail(Schema):
    status = fields.Integer()
    code = fields.String()
    message = fields.String()
    fields = fields.Dict(keys=fields.String(), values=fields.Raw())


class ApiError(Schema):
    error = fields.Nested(ErrorDetail)


class ActionArgs(StrictSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class OrganizationRef(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    region = fields.String()
    verification_status = fields.String()


def patch_schema(schema_cls: type[Schema]) -> Schema:
    """A partial variant for PATCH bodies, named ``<Name>Patch`` in the OpenAPI document."""
    name = schema_cls.__name__.removesuffix("In") + "Patch"
    return type(name, (schema_cls,), {})(partial=True)
