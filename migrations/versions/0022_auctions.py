"""timed online auctions (issue 16): sessions, lots, bidder registrations with their
deposits, and each lot's hash-chained bid log

Revision ID: 0018_auctions
Revises: 0018_challenges
Create Date: 2026-12-04 11:37:16

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018_auctions"
down_revision = "0018_challenges"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "auction_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("starts_at", TZ, nullable=False),
        sa.Column("ends_at", TZ, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint(
            "domain IN ('new_materials', 'rare_earth_magnets', 'additive_manufacturing', 'semiconductors', 'marine_materials', 'smart_components', 'big_data', 'hci', 'new_energy', 'industrial_internet', 'ai', 'flexible_electronics', 'biomedicine', 'medical_devices', 'agriculture', 'smart_city', 'blockchain', 'edge_cloud', 'environment', 'mechanical_parts')",
            name=op.f("ck_auction_session_domain"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_auction_session_times")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_auction_session_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auction_session")),
    )
    with op.batch_alter_table("auction_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auction_session_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_auction_session_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "auction_lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("transfer_mode", sa.String(length=30), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("start_price", sa.BigInteger(), nullable=False),
        sa.Column("ladder", JSON, nullable=False),
        sa.Column("reserve_price", sa.BigInteger(), nullable=True),
        sa.Column("deposit", sa.BigInteger(), nullable=False),
        sa.Column("extension_minutes", sa.Integer(), nullable=False),
        sa.Column("ends_at", TZ, nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("current_price", sa.BigInteger(), nullable=True),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint(
            "state IN ('applied', 'admitted', 'rejected', 'withdrawn', 'sold', 'unsold')",
            name=op.f("ck_auction_lot_state"),
        ),
        sa.CheckConstraint(
            "transfer_mode IN ('assignment', 'license_exclusive')",
            name=op.f("ck_auction_lot_transfer_mode"),
        ),
        sa.CheckConstraint(
            "current_price IS NULL OR current_price >= start_price",
            name=op.f("ck_auction_lot_price"),
        ),
        sa.CheckConstraint("deposit > 0", name=op.f("ck_auction_lot_deposit_positive")),
        sa.CheckConstraint(
            "extension_minutes BETWEEN 1 AND 60", name=op.f("ck_auction_lot_extension")
        ),
        sa.CheckConstraint(
            "reserve_price IS NULL OR reserve_price >= start_price",
            name=op.f("ck_auction_lot_reserve"),
        ),
        sa.CheckConstraint("start_price > 0", name=op.f("ck_auction_lot_start_price_positive")),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["user_account.id"],
            name=op.f("fk_auction_lot_applicant_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_auction_lot_deal_id_deal"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_auction_lot_listing_id_listing"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organization.id"],
            name=op.f("fk_auction_lot_owner_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auction_session.id"],
            name=op.f("fk_auction_lot_session_id_auction_session"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auction_lot")),
        sa.UniqueConstraint(
            "session_id", "listing_id", name=op.f("uq_auction_lot_session_id_listing_id")
        ),
    )
    with op.batch_alter_table("auction_lot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auction_lot_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_auction_lot_listing_id"), ["listing_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_auction_lot_owner_org_id"), ["owner_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_auction_lot_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auction_lot_state"), ["state"], unique=False)

    op.create_table(
        "auction_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("deposit_state", sa.String(length=20), nullable=False),
        sa.Column("deposit_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("proxy_max", sa.BigInteger(), nullable=True),
        sa.Column("proxy_seq", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("confirmed_at", TZ, nullable=True),
        sa.Column("settled_at", TZ, nullable=True),
        sa.CheckConstraint(
            "deposit_state IN ('pending', 'held', 'applied', 'refunded', 'lapsed')",
            name=op.f("ck_auction_registration_deposit_state"),
        ),
        sa.CheckConstraint(
            "deposit_amount > 0", name=op.f("ck_auction_registration_deposit_positive")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["auction_lot.id"],
            name=op.f("fk_auction_registration_lot_id_auction_lot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_auction_registration_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_auction_registration_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auction_registration")),
        sa.UniqueConstraint(
            "lot_id", "ordinal", name=op.f("uq_auction_registration_lot_id_ordinal")
        ),
        sa.UniqueConstraint(
            "lot_id", "organization_id", name=op.f("uq_auction_registration_lot_id_organization_id")
        ),
        sa.UniqueConstraint("reference", name=op.f("uq_auction_registration_reference")),
    )
    with op.batch_alter_table("auction_registration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auction_registration_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "auction_bid",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("bidder", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("proxy_max", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('bid', 'proxy')", name=op.f("ck_auction_bid_kind")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_auction_bid_amount_positive")),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["auction_lot.id"],
            name=op.f("fk_auction_bid_lot_id_auction_lot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["auction_registration.id"],
            name=op.f("fk_auction_bid_registration_id_auction_registration"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auction_bid")),
        sa.UniqueConstraint("lot_id", "amount", name=op.f("uq_auction_bid_lot_id_amount")),
        sa.UniqueConstraint("lot_id", "seq", name=op.f("uq_auction_bid_lot_id_seq")),
    )


def downgrade():
    op.drop_table("auction_bid")
    with op.batch_alter_table("auction_registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auction_registration_organization_id"))

    op.drop_table("auction_registration")
    with op.batch_alter_table("auction_lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auction_lot_state"))
        batch_op.drop_index(batch_op.f("ix_auction_lot_session_id"))
        batch_op.drop_index(batch_op.f("ix_auction_lot_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_auction_lot_listing_id"))
        batch_op.drop_index(batch_op.f("ix_auction_lot_ends_at"))

    op.drop_table("auction_lot")
    with op.batch_alter_table("auction_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auction_session_starts_at"))
        batch_op.drop_index(batch_op.f("ix_auction_session_ends_at"))

    op.drop_table("auction_session")
