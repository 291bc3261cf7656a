"""All models, imported here so that Alembic and the app see one metadata."""

from marketplace.models.demands import Demand
from marketplace.models.ledger import JournalTransaction, LedgerAccount, LedgerEntry
from marketplace.models.listings import Listing, Patent
from marketplace.models.organizations import ApiToken, Organization, User, UserRole
from marketplace.models.outbox import SearchOutbox

__all__ = [
    "ApiToken",
    "Demand",
    "JournalTransaction",
    "LedgerAccount",
    "LedgerEntry",
    "Listing",
    "Organization",
    "Patent",
    "SearchOutbox",
    "User",
    "UserRole",
]
