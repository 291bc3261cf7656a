"""All models, imported here so that Alembic and the app see one metadata."""

from marketplace.models.auctions import (
    AuctionBid,
    AuctionLot,
    AuctionRegistration,
    AuctionSession,
)
from marketplace.models.brokers import (
    BrokerageAttachment,
    BrokerageRecord,
    BrokerageRecordVersion,
    BrokerAssignment,
    BrokerDomain,
    BrokerProfile,
    BrokerRating,
    BrokerRegion,
    MediationOffer,
)
from marketplace.models.challenges import (
    Challenge,
    ChallengeIndicator,
    ChallengeNdaAcceptance,
    ChallengeProposal,
    ChallengeScore,
    ProposalFile,
    ProposalQuestion,
)
from marketplace.models.deals import (
    CancellationProposal,
    Deal,
    DealAttachment,
    DealEvent,
    DealMessage,
    DealTerms,
    Funding,
    Milestone,
    PayoutInstruction,
    TermsConfirmation,
)
from marketplace.models.demands import Demand
from marketplace.models.embeddings import Embedding
from marketplace.models.ledger import JournalTransaction, LedgerAccount, LedgerEntry
from marketplace.models.listings import Listing, Patent
from marketplace.models.matching import MatchState, StoredMatch
from marketplace.models.notifications import (
    AlertJob,
    Notification,
    NotificationPreference,
    SavedSearch,
)
from marketplace.models.organizations import (
    ApiToken,
    JoinRequest,
    Organization,
    OrganizationDocument,
    OrganizationInvitation,
    User,
    UserRole,
)
from marketplace.models.outbox import SearchOutbox
from marketplace.models.payments import StripeRequest, StripeWebhookEvent
from marketplace.models.security import (
    AuditEntry,
    IdempotentRequest,
    LoginSession,
    RecoveryCode,
    SecondFactor,
)
from marketplace.models.statistics import ItemViewCount, StatisticsSnapshot
from marketplace.models.vouchers import (
    VoucherApplication,
    VoucherProgramme,
    VoucherRedemption,
    VoucherSpend,
)

__all__ = [
    "AuctionBid",
    "AuctionLot",
    "AuctionRegistration",
    "AuctionSession",
    "AlertJob",
    "AuditEntry",
    "ApiToken",
    "BrokerAssignment",
    "BrokerDomain",
    "BrokerProfile",
    "BrokerRating",
    "BrokerRegion",
    "BrokerageAttachment",
    "BrokerageRecord",
    "Challenge",
    "ChallengeIndicator",
    "ChallengeNdaAcceptance",
    "ChallengeProposal",
    "ChallengeScore",
    "BrokerageRecordVersion",
    "MediationOffer",
    "Deal",
    "DealAttachment",
    "DealEvent",
    "DealMessage",
    "DealTerms",
    "Demand",
    "Embedding",
    "Funding",
    "ItemViewCount",
    "JournalTransaction",
    "LedgerAccount",
    "MatchState",
    "StoredMatch",
    "LedgerEntry",
    "Listing",
    "LoginSession",
    "IdempotentRequest",
    "RecoveryCode",
    "SecondFactor",
    "Milestone",
    "CancellationProposal",
    "Notification",
    "NotificationPreference",
    "JoinRequest",
    "Organization",
    "OrganizationDocument",
    "OrganizationInvitation",
    "Patent",
    "PayoutInstruction",
    "ProposalFile",
    "ProposalQuestion",
    "SavedSearch",
    "SearchOutbox",
    "StatisticsSnapshot",
    "StripeRequest",
    "StripeWebhookEvent",
    "TermsConfirmation",
    "User",
    "UserRole",
    "VoucherApplication",
    "VoucherProgramme",
    "VoucherRedemption",
    "VoucherSpend",
]
