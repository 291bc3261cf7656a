"""The propose-terms form: the current version as form values, and the posted form
(amounts in yuan, up to MILESTONE_ROWS milestone rows) as the terms API's payload."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from marketplace.core.messages import translate
from marketplace.core.money import to_minor
from marketplace.models.vocab import CURRENCIES
from marketplace.schemas.deals import (
    TermsIn,
)
from marketplace.views.base import Errors, merge_errors
from marketplace.views.deal_text import load_form
from marketplace.views.forms import typed_amount

MILESTONE_ROWS = 5  # rows of the propose-terms form; empty rows are ignored


def terms_form(terms) -> MultiDict:
    """The current version as form values: a counter-offer starts from it."""
    if terms is None:
        return MultiDict({"currency": "CNY"})
    values = [
        ("price", typed_amount(terms.price, terms.currency)),
        ("currency", terms.currency),
        ("transfer_mode", terms.transfer_mode),
        ("note", terms.note),
        ("commission", _percent(terms.commission_bp)),
        ("acceptance_days", str(terms.acceptance_days)),
    ]
    if terms.broker_may_arbitrate:
        values.append(("broker_may_arbitrate", "on"))
    for i, m in enumerate(terms.milestones[:MILESTONE_ROWS]):
        values += [
            (f"milestones-{i}-title", m["title"]),
            (f"milestones-{i}-amount", typed_amount(m["amount"], terms.currency)),
            (f"milestones-{i}-due_date", m.get("due_date") or ""),
        ]
    return MultiDict(values)


def _percent(bp: int) -> str:
    """Basis points as the percent a person types: 450 → '4.5'."""
    return str((Decimal(bp) / 100).normalize()) if bp else ""


def _basis_points(form: MultiDict, errors: Errors) -> int:
    """The broker's commission typed as a percent (at most two decimals) → basis points."""
    raw = (form.get("commission") or "").strip().rstrip("%").strip()
    if not raw:
        return 0
    try:
        bp = to_minor(raw, "CNY")  # hundredths, exactly as fen are hundredths of a yuan
    except ValueError:
        bp = -1
    if not 0 <= bp <= 10_000:
        errors.setdefault("commission", []).append(
            _("A percentage between 0 and 100, with at most two decimals.")
        )
        return 0
    return bp


def yuan_amount(form: MultiDict, name: str, currency: str, errors: Errors) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return to_minor(raw, currency)
    except ValueError as exc:
        errors.setdefault(name, []).append(translate(exc.args[0]))
        return None


def terms_payload(form: MultiDict) -> tuple[dict[str, Any] | None, Errors]:
    """TermsIn from the form: amounts in 元 → minor units; empty milestone rows ignored."""
    errors: Errors = {}
    currency = (form.get("currency") or "CNY").strip()
    unit = currency if currency in CURRENCIES else "CNY"
    payload: dict[str, Any] = {
        "currency": currency,
        "transfer_mode": (form.get("transfer_mode") or "").strip(),
        "note": (form.get("note") or "").strip(),
        "milestones": [],
        # Shown only when a broker mediates the deal (templates/brokers/_terms_fields.html).
        "commission_bp": _basis_points(form, errors),
        "broker_may_arbitrate": form.get("broker_may_arbitrate") == "on",
    }
    days = (form.get("acceptance_days") or "").strip()
    if days:
        if days.isdigit() and 3 <= int(days) <= 90:
            payload["acceptance_days"] = int(days)
        else:
            errors.setdefault("acceptance_days", []).append(
                _("Between 3 and 90 days (a whole number).")
            )
    if not payload["transfer_mode"]:
        del payload["transfer_mode"]  # reported as missing, not as an unknown value
    price = yuan_amount(form, "price", unit, errors)
    if price is not None:
        payload["price"] = price
    rows: list[int] = []  # the form row of each milestone sent
    for i in range(MILESTONE_ROWS):
        title, amount, due = (
            (form.get(f"milestones-{i}-{k}") or "").strip() for k in ("title", "amount", "due_date")
        )
        if not (title or amount or due):
            continue
        milestone: dict[str, Any] = {"title": title, "due_date": due or None}
        value = yuan_amount(form, f"milestones-{i}-amount", unit, errors)
        if value is not None:
            milestone["amount"] = value
        payload["milestones"].append(milestone)
        rows.append(i)
    data, schema_errors = load_form(TermsIn(), payload)
    renumbered: Errors = {}
    for key, messages in schema_errors.items():
        found = re.match(r"^milestones-(\d+)-(.+)$", key)
        if found:
            key = f"milestones-{rows[int(found.group(1))]}-{found.group(2)}"
        if key not in errors:  # the amount that could not be read already says why
            renumbered[key] = messages
    if not rows:
        renumbered["milestones"] = [_("Add at least one milestone.")]
    errors = merge_errors(errors, renumbered)
    return (None if errors else data), errors
