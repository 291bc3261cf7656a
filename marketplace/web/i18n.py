"""Languages: zh-CN first, English one click away; labels for the fixed vocabularies."""

from __future__ import annotations

import os

from flask import Flask, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from marketplace.extensions import babel

# marketplace/translations, beside the application package's __init__.
TRANSLATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "translations")


def select_locale() -> str:
    languages = _languages()
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    # The UI speaks Chinese first: Accept-Language only switches to English when asked.
    return "zh_CN"


def _languages() -> dict:
    from flask import current_app

    return current_app.config["LANGUAGES"]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def inject_i18n():
        return {
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "label": label,
        }


LABELS = {
    "domain": {
        "new_materials": _l("New materials"),
        "rare_earth_magnets": _l("Rare-earth magnets"),
        "additive_manufacturing": _l("Additive manufacturing"),
        "semiconductors": _l("Semiconductors"),
        "marine_materials": _l("Marine materials"),
        "smart_components": _l("Smart components"),
        "big_data": _l("Big data"),
        "hci": _l("Human–computer interaction"),
        "new_energy": _l("New energy"),
        "industrial_internet": _l("Industrial internet"),
        "ai": _l("Artificial intelligence"),
        "flexible_electronics": _l("Flexible electronics"),
        "biomedicine": _l("Biomedicine"),
        "medical_devices": _l("Medical devices"),
        "agriculture": _l("Agriculture"),
        "smart_city": _l("Smart city"),
        "blockchain": _l("Blockchain"),
        "edge_cloud": _l("Edge and cloud computing"),
        "environment": _l("Environment"),
        "mechanical_parts": _l("Mechanical parts"),
    },
    "transfer_mode": {
        "assignment": _l("Assignment"),
        "license_exclusive": _l("Exclusive licence"),
        "license_sole": _l("Sole licence"),
        "license_nonexclusive": _l("Non-exclusive licence"),
        "equity": _l("Equity contribution"),
        "co_development": _l("Co-development"),
    },
    "price_type": {
        "fixed": _l("Fixed price"),
        "negotiable": _l("Negotiable"),
        "auction": _l("Auction"),
    },
    "status": {
        "draft": _l("Draft"),
        "pending_review": _l("Pending review"),
        "published": _l("Published"),
        "rejected": _l("Rejected"),
        "closed": _l("Closed"),
        "withdrawn": _l("Withdrawn"),
    },
    "patent_type": {
        "invention": _l("Invention"),
        "utility_model": _l("Utility model"),
        "design": _l("Design"),
    },
    "legal_status": {
        "pending": _l("Pending"),
        "granted": _l("Granted"),
        "lapsed": _l("Lapsed"),
        "revoked": _l("Revoked"),
    },
    "organization_kind": {
        "university": _l("University"),
        "institute": _l("Research institute"),
        "enterprise": _l("Enterprise"),
        "agency": _l("Agency"),
    },
    "verification_status": {
        "unverified": _l("Unverified"),
        "pending": _l("Verification pending"),
        "verified": _l("Verified"),
        "rejected": _l("Verification refused"),
    },
    "member_role": {
        "admin": _l("Admin"),
        "member": _l("Member"),
    },
    "invitation_status": {
        "pending": _l("Waiting for an answer"),
        "accepted": _l("Accepted"),
        "declined": _l("Declined"),
        "revoked": _l("Revoked"),
        "expired": _l("Expired"),
    },
    "join_request_status": {
        "pending": _l("Waiting for the admins"),
        "approved": _l("Approved"),
        "declined": _l("Declined"),
        "withdrawn": _l("Withdrawn"),
    },
    "document_kind": {
        "business_licence": _l("Business licence"),
        "legal_person_certificate": _l("Legal-person certificate"),
        "other": _l("Other document"),
    },
    "role": {
        "researcher": _l("Researcher / TTO"),
        "enterprise_member": _l("Enterprise member"),
        "broker": _l("Technology broker"),
        "operator": _l("Operator"),
    },
}


def label(vocabulary: str, code: str | None) -> str:
    """The translated label of a vocabulary code, or the code itself if unknown."""
    if code is None:
        return ""
    return str(LABELS.get(vocabulary, {}).get(code, code))
