"""Matches on the detail pages: recommended listings on a demand's page, the demands a
listing could serve on the listing's page, each with its reasons in plain words."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.discovery import challenge_matching, matching
from marketplace.web.i18n import label

SHOWN = 8
MAX_TERMS = 6

DOMAIN_REASONS = {1.0: _l("Same field"), 0.5: _l("Neighbouring field")}
BUDGET_REASONS = {
    "within": _l("Fixed price within the budget"),
    "negotiable": _l("Price open to negotiation"),
    "auction": _l("Sold by auction: the final price may exceed the budget"),
    "no_budget": _l("Fixed price; the demand names no budget limit"),
}
# The calibrated labels (search/matching/model.py); a match without one is not shown.
LABELS = {
    "high": _l("Strong match"),
    "good": _l("Good match"),
    "fair": _l("Fair match"),
}
LEGAL_REASONS = {
    "granted": _l("Patent granted"),
    "pending": _l("Patent pending"),
    "lapsed": _l("Patent lapsed"),
}


def reasons(rec: matching.Recommendation, *, terms: bool = True) -> list[str]:
    """The match's reasons as short sentences in the user's language. ``terms``: the
    need states cooperation modes and a budget (a demand; a challenge does not)."""
    m = rec.match
    out = []
    if m.matched_terms:
        out.append(_("Matching words: %(words)s", words="、".join(m.matched_terms[:MAX_TERMS])))
    if m.concepts:
        out.append(_("Shared concepts: %(concepts)s", concepts="、".join(m.concepts)))
    if m.semantic:
        out.append(_("Close in meaning"))
    if m.parts.get("domain") in DOMAIN_REASONS:
        out.append(str(DOMAIN_REASONS[m.parts["domain"]]))
    ipc = m.parts.get("ipc", 0.0)
    if ipc >= 1.0:
        out.append(_("IPC classes where such technology is filed"))
    elif ipc > 0:
        out.append(_("IPC classes of the same or a neighbouring field"))
    if terms and m.common_modes:
        modes = "、".join(label("transfer_mode", mode) for mode in m.common_modes)
        out.append(_("Cooperation mode accepted: %(modes)s", modes=modes))
    # True to the price type: only a fixed price is "within the budget".
    if terms and m.budget in BUDGET_REASONS:
        out.append(str(BUDGET_REASONS[m.budget]))
    return out


def facts(rec: matching.Recommendation) -> list[str]:
    """Soft preferences worth a mention: legal status and region."""
    m, out = rec.match, []
    listing = rec.item if hasattr(rec.item, "patents") else None
    if listing is not None:
        statuses = {p.legal_status for p in listing.patents}
        for status in ("granted", "pending", "lapsed"):
            if status in statuses:
                out.append(str(LEGAL_REASONS[status]))
                break
    if m.parts.get("region"):
        out.append(_("Same region"))
    return out


def _shape(found: list[matching.Recommendation], *, terms: bool = True) -> list[dict[str, Any]]:
    return [
        {
            "rec": r,
            "reasons": reasons(r, terms=terms),
            "facts": facts(r),
            "label": str(LABELS[r.match.label]) if r.match.label in LABELS else "",
        }
        for r in found
    ]


def demand_context(session, actor, demand) -> dict[str, Any]:
    _, found = matching.matches_for_demand(session, actor, demand.id, k=SHOWN)
    return {"matches": _shape(found)}


def listing_context(session, actor, listing) -> dict[str, Any]:
    _, found = matching.matches_for_listing(session, actor, listing.id, k=SHOWN)
    return {"matches": _shape(found)}


def challenge_context(session, actor, challenge) -> dict[str, Any]:
    """The listings that could answer a challenge (nothing when search is down and the
    fallback finds none: the page still renders)."""
    _, found = challenge_matching.related_listings(session, actor, challenge.id, k=SHOWN // 2)
    return {"matches": _shape(found, terms=False)}
