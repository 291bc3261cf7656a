"""The fixed vocabularies of the domain (see shared/GLOSSARY.md).

Code names only; the UI shows their translations (marketplace/i18n.py).
"""

from __future__ import annotations

ORGANIZATION_KINDS = ("university", "institute", "enterprise", "agency")
VERIFICATION_STATUSES = ("unverified", "pending", "verified", "rejected")
ROLES = ("researcher", "enterprise_member", "broker", "operator")
# A person's role inside their organization, and the organization's membership workflows.
MEMBER_ROLES = ("admin", "member")
INVITATION_STATUSES = ("pending", "accepted", "declined", "revoked", "expired")
JOIN_REQUEST_STATUSES = ("pending", "approved", "declined", "withdrawn")
# Verification documents: 营业执照 (business licence), 事业单位法人证书 (legal-person
# certificate of a public institution), anything else an operator asks for.
DOCUMENT_KINDS = ("business_licence", "legal_person_certificate", "other")

DOMAINS = (
    "new_materials",
    "rare_earth_magnets",
    "additive_manufacturing",
    "semiconductors",
    "marine_materials",
    "smart_components",
    "big_data",
    "hci",
    "new_energy",
    "industrial_internet",
    "ai",
    "flexible_electronics",
    "biomedicine",
    "medical_devices",
    "agriculture",
    "smart_city",
    "blockchain",
    "edge_cloud",
    "environment",
    "mechanical_parts",
)

TRANSFER_MODES = (
    "assignment",
    "license_exclusive",
    "license_sole",
    "license_nonexclusive",
    "equity",
    "co_development",
)
PRICE_TYPES = ("fixed", "negotiable", "auction")
PATENT_TYPES = ("invention", "utility_model", "design")
LEGAL_STATUSES = ("pending", "granted", "lapsed", "revoked")
LANGUAGES = ("zh", "en")
CURRENCIES = ("CNY", "USD", "EUR")

# Listing and demand share one publication workflow.
PUBLICATION_STATUSES = (
    "draft",
    "pending_review",
    "published",
    "rejected",
    "closed",
    "withdrawn",
)
