"""揭榜挂帅 challenges (issue 17): the challenge (榜单) with its indicators, the proposals
(揭榜申请, one per organization per challenge), their question threads and scores

Revision ID: 0018_challenges
Revises: 0018_stats
Create Date: 2026-12-04 12:20:50.339820

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018_challenges"
down_revision = "0018_stats"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("bounty", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_mode", sa.String(length=20), nullable=False),
        sa.Column("allow_split", sa.Boolean(), nullable=False),
        sa.Column("ip_terms", sa.Text(), nullable=False),
        sa.Column("eligibility", sa.String(length=20), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("criteria", JSON, nullable=False),
        sa.Column("proposal_deadline", TZ, nullable=False),
        sa.Column("delivery_days", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("funding_reference", sa.String(length=100), nullable=False),
        sa.Column("funded_at", TZ, nullable=True),
        sa.Column("published_at", TZ, nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.CheckConstraint(
            "domain IN ('new_materials', 'rare_earth_magnets', 'additive_manufacturing', 'semiconductors', 'marine_materials', 'smart_components', 'big_data', 'hci', 'new_energy', 'industrial_internet', 'ai', 'flexible_electronics', 'biomedicine', 'medical_devices', 'agriculture', 'smart_city', 'blockchain', 'edge_cloud', 'environment', 'mechanical_parts')",
            name=op.f("ck_challenge_domain"),
        ),
        sa.CheckConstraint(
            "eligibility IN ('verified_org', 'research_only')",
            name=op.f("ck_challenge_eligibility"),
        ),
        sa.CheckConstraint(
            "payment_mode IN ('on_award', 'milestones')", name=op.f("ck_challenge_payment_mode")
        ),
        sa.CheckConstraint(
            "state IN ('draft', 'pending_review', 'rejected', 'awaiting_funding', 'open', 'evaluating', 'awarded', 'not_awarded', 'withdrawn')",
            name=op.f("ck_challenge_state"),
        ),
        sa.CheckConstraint(
            "visibility IN ('public', 'summary_public')", name=op.f("ck_challenge_visibility")
        ),
        sa.CheckConstraint("bounty > 0", name=op.f("ck_challenge_bounty_positive")),
        sa.CheckConstraint("delivery_days > 0", name=op.f("ck_challenge_delivery_days_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_challenge_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge")),
    )
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_domain"), ["domain"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_challenge_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_challenge_state_deadline", ["state", "proposal_deadline"], unique=False
        )

    op.create_table(
        "challenge_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("target_value", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("test_method", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
            name=op.f("fk_challenge_indicator_challenge_id_challenge"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_indicator")),
        sa.UniqueConstraint(
            "challenge_id", "position", name=op.f("uq_challenge_indicator_challenge_id_position")
        ),
    )
    with op.batch_alter_table("challenge_indicator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_indicator_challenge_id"), ["challenge_id"], unique=False
        )

    op.create_table(
        "challenge_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("approach", sa.Text(), nullable=False),
        sa.Column("team", JSON, nullable=False),
        sa.Column("plan", JSON, nullable=False),
        sa.Column("listing_ids", JSON, nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("outcome_reason", sa.Text(), nullable=False),
        sa.Column("disclose_win", sa.Boolean(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.CheckConstraint(
            "state IN ('submitted', 'shortlisted') OR outcome_reason <> ''",
            name=op.f("ck_challenge_proposal_reason"),
        ),
        sa.CheckConstraint(
            "state IN ('submitted', 'shortlisted', 'awarded', 'not_awarded')",
            name=op.f("ck_challenge_proposal_state"),
        ),
        sa.CheckConstraint("price > 0", name=op.f("ck_challenge_proposal_price_positive")),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
            name=op.f("fk_challenge_proposal_challenge_id_challenge"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deal.id"],
            name=op.f("fk_challenge_proposal_deal_id_deal"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_challenge_proposal_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_proposal_submitted_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_proposal")),
        sa.UniqueConstraint(
            "challenge_id",
            "organization_id",
            name=op.f("uq_challenge_proposal_challenge_id_organization_id"),
        ),
    )
    with op.batch_alter_table("challenge_proposal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_proposal_challenge_id"), ["challenge_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_challenge_proposal_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "challenge_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", TZ, nullable=False),
        sa.Column("answered_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_question_answered_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_question_asked_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["challenge_proposal.id"],
            name=op.f("fk_challenge_question_proposal_id_challenge_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_question")),
    )
    with op.batch_alter_table("challenge_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_question_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "challenge_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("scored_by_id", sa.Integer(), nullable=True),
        sa.Column("scored_at", TZ, nullable=False),
        sa.CheckConstraint(
            "score >= 0 AND score <= 100", name=op.f("ck_challenge_score_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["challenge_proposal.id"],
            name=op.f("fk_challenge_score_proposal_id_challenge_proposal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scored_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_score_scored_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_score")),
        sa.UniqueConstraint(
            "proposal_id", "criterion", name=op.f("uq_challenge_score_proposal_id_criterion")
        ),
    )
    with op.batch_alter_table("challenge_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_score_proposal_id"), ["proposal_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("challenge_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_score_proposal_id"))

    op.drop_table("challenge_score")
    with op.batch_alter_table("challenge_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_question_proposal_id"))

    op.drop_table("challenge_question")
    with op.batch_alter_table("challenge_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_proposal_organization_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_proposal_challenge_id"))

    op.drop_table("challenge_proposal")
    with op.batch_alter_table("challenge_indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_indicator_challenge_id"))

    op.drop_table("challenge_indicator")
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_state_deadline")
        batch_op.drop_index(batch_op.f("ix_challenge_organization_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_domain"))

    op.drop_table("challenge")
