"""HTML form fields ⇄ the dictionaries the schemas load.

The schemas (ListingIn, DemandIn) hold every validation rule. This module only
translates what a browser sends — comma-separated lists, amounts in 元, up to
three patent blocks — into the schema's shape, and back for editing. Amounts
that cannot become minor units are field errors here, since the schema only
ever sees integers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from marketplace.core.messages import translate
from marketplace.core.money import format_major, to_minor
from marketplace.models import Demand, Listing
from marketplace.models.vocab import CURRENCIES
from marketplace.views.base import Errors, field_errors, form_int, merge_errors

PATENT_BLOCKS = 3
MAX_PATENT_BLOCKS = 50  # ListingIn's limit
PATENT_TEXT_FIELDS = (
    "patent_number",
    "ipc_codes",
    "applicant",
    "inventors",
    "filing_date",
    "abstract",
    "first_claim",
)
# Lists typed into one box: commas (also Chinese ones), 、 and semicolons separate values.
_LIST_SEPARATORS = re.compile(r"[,，、;；\n]+")
_CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


def split_list(text: str | None, separators: re.Pattern = _LIST_SEPARATORS) -> list[str]:
    return [part.strip() for part in separators.split(text or "") if part.strip()]


def join_list(values: Iterable[str] | None) -> str:
    return ", ".join(values or [])


def _text(form: MultiDict, name: str) -> str:
    return (form.get(name) or "").strip()


def _optional(form: MultiDict, name: str) -> str | None:
    return _text(form, name) or None


def _currency(form: MultiDict) -> str:
    currency = _text(form, "currency") or "CNY"
    return currency if currency in CURRENCIES else "CNY"


def amount(form: MultiDict, name: str, errors: Errors) -> int | None:
    """An amount typed in major units (元) as minor units, or a field error."""
    raw = _text(form, name)
    if not raw:
        return None
    try:
        return to_minor(raw, _currency(form))
    except ValueError as exc:
        errors.setdefault(name, []).append(translate(exc.args[0]))
        return None


def load(schema: Schema, payload: dict[str, Any], errors: Errors) -> tuple[dict | None, Errors]:
    """Run the schema; its messages join the errors found while reading the form."""
    try:
        data = schema.load(payload)
    except ValidationError as exc:
        return None, merge_errors(errors, field_errors(exc.messages))
    return (None if errors else data), errors


# Listings ---------------------------------------------------------------------------------


def listing_payload(form: MultiDict) -> tuple[dict[str, Any], Errors, list[int]]:
    """The ListingIn dict from a form, amount errors, and which form block each patent came from."""
    errors: Errors = {}
    price_type = _text(form, "price_type")
    payload: dict[str, Any] = {
        "title": _text(form, "title"),
        "summary": _text(form, "summary"),
        "description": _text(form, "description"),
        "domain": _text(form, "domain"),
        "tags": split_list(form.get("tags")),
        # A number when it is one; anything else goes to the schema, which says what is wrong.
        "trl": form_int(_text(form, "trl"), 99) or _optional(form, "trl"),
        "transfer_modes": form.getlist("transfer_modes"),
        "price_type": price_type,
        "price_amount": None
        if price_type == "negotiable"
        else amount(form, "price_amount", errors),
        "currency": _currency(form),
        "region": _text(form, "region"),
        "language": _text(form, "language") or "zh",
    }
    patents, blocks = [], []
    for index in range(patent_blocks(form)):
        patent = patent_payload(form, index)
        if patent is not None:
            patents.append(patent)
            blocks.append(index)
    payload["patents"] = patents
    return _drop_blank(payload, "domain", "trl", "price_type"), errors, blocks


def patent_payload(form: MultiDict, index: int) -> dict[str, Any] | None:
    """One patent block, or None when the user left it empty."""

    def field(name: str) -> str:
        return _text(form, f"patents-{index}-{name}")

    if not any(field(name) for name in PATENT_TEXT_FIELDS):
        return None
    patent: dict[str, Any] = {
        "patent_number": field("patent_number"),
        "legal_status": field("legal_status") or "pending",
        "ipc_codes": split_list(field("ipc_codes"), _CODE_SEPARATORS),
        "applicant": field("applicant"),
        "inventors": split_list(field("inventors")),
        "filing_date": field("filing_date") or None,
        "abstract": field("abstract"),
        "first_claim": field("first_claim"),
    }
    if field("patent_type"):
        patent["patent_type"] = field("patent_type")
    return patent


def patent_blocks(values: MultiDict) -> int:
    """How many patent blocks a form has: three, or more when a listing already has more."""
    indices = [
        index
        for key in values.keys()
        if key.startswith("patents-")
        and (index := form_int(key.split("-")[1], MAX_PATENT_BLOCKS)) is not None
    ]
    return min(MAX_PATENT_BLOCKS, max([PATENT_BLOCKS - 1, *indices]) + 1)


def renumber_patent_errors(errors: Errors, blocks: list[int]) -> Errors:
    """Schema errors name the n-th submitted patent; the form names its block."""
    result: Errors = {}
    for key, msgs in errors.items():
        match = re.match(r"^patents-(\d+)-(.+)$", key)
        if match and int(match.group(1)) < len(blocks):
            key = f"patents-{blocks[int(match.group(1))]}-{match.group(2)}"
        result.setdefault(key, []).extend(msgs)
    return result


def listing_form(listing: Listing) -> MultiDict:
    """The form values that show an existing listing for editing."""
    values: list[tuple[str, Any]] = [
        ("title", listing.title),
        ("summary", listing.summary),
        ("description", listing.description),
        ("domain", listing.domain),
        ("tags", join_list(listing.tags)),
        ("trl", str(listing.trl)),
        ("price_type", listing.price_type),
        ("price_amount", typed_amount(listing.price_amount, listing.currency)),
        ("currency", listing.currency),
        ("region", listing.region),
        ("language", listing.language),
    ]
    values += [("transfer_modes", mode) for mode in listing.transfer_modes]
    for index, patent in enumerate(listing.patents):
        prefix = f"patents-{index}-"
        values += [
            (prefix + "patent_number", patent.patent_number),
            (prefix + "patent_type", patent.patent_type),
            (prefix + "legal_status", patent.legal_status),
            (prefix + "ipc_codes", " ".join(patent.ipc_codes)),
            (prefix + "applicant", patent.applicant),
            (prefix + "inventors", join_list(patent.inventors)),
            (prefix + "filing_date", patent.filing_date.isoformat() if patent.filing_date else ""),
            (prefix + "abstract", patent.abstract),
            (prefix + "first_claim", patent.first_claim),
        ]
    return MultiDict(values)


# Demands ----------------------------------------------------------------------------------


def demand_payload(form: MultiDict) -> tuple[dict[str, Any], Errors, list[int]]:
    errors: Errors = {}
    payload = {
        "title": _text(form, "title"),
        "description": _text(form, "description"),
        "domain": _text(form, "domain"),
        "budget_min": amount(form, "budget_min", errors),
        "budget_max": amount(form, "budget_max", errors),
        "currency": _currency(form),
        "cooperation_modes": form.getlist("cooperation_modes"),
        "deadline": _optional(form, "deadline"),
        "region": _text(form, "region"),
        "language": _text(form, "language") or "zh",
    }
    return _drop_blank(payload, "domain"), errors, []


def demand_form(demand: Demand) -> MultiDict:
    values: list[tuple[str, Any]] = [
        ("title", demand.title),
        ("description", demand.description),
        ("domain", demand.domain),
        ("budget_min", typed_amount(demand.budget_min, demand.currency)),
        ("budget_max", typed_amount(demand.budget_max, demand.currency)),
        ("currency", demand.currency),
        ("deadline", demand.deadline.isoformat() if demand.deadline else ""),
        ("region", demand.region),
        ("language", demand.language),
    ]
    values += [("cooperation_modes", mode) for mode in demand.cooperation_modes]
    return MultiDict(values)


def _drop_blank(payload: dict[str, Any], *names: str) -> dict[str, Any]:
    """An unanswered required choice is reported as missing, not as an unknown value."""
    for name in names:
        if payload.get(name) in ("", None):
            payload.pop(name, None)
    return payload


def typed_amount(minor: int | None, currency: str) -> str:
    """Minor units as the user types them: no thousands separators."""
    return format_major(minor, currency).replace(",", "") if minor is not None else ""
