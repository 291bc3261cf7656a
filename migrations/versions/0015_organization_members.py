"""organization members: a role inside the organization, invitations, join requests and
verification documents (issue 14 point 7)

Revision ID: 0015_organization_members
Revises: 0014_second_factor
Create Date: 2026-12-04 08:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015_organization_members"
down_revision = "0014_second_factor"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("org_role", sa.String(length=10), server_default="member", nullable=False)
        )
        batch.create_check_constraint("org_role", "org_role IN ('admin', 'member')")
    # Every organization gets one admin: its earliest user (the one who registered it, for
    # self-registered organizations). The admins invite or approve everyone else.
    op.execute(
        "UPDATE user_account SET org_role = 'admin' WHERE id IN ("
        " SELECT min(id) FROM user_account WHERE organization_id IS NOT NULL"
        " GROUP BY organization_id)"
    )

    op.create_table(
        "organization_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')",
            name=op.f("ck_organization_invitation_status"),
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'member')", name=op.f("ck_organization_invitation_role")
        ),
        sa.CheckConstraint(
            "email = lower(email)", name=op.f("ck_organization_invitation_email_lowercase")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_invitation_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["user_account.id"],
            name=op.f("fk_organization_invitation_invited_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_organization_invitation_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_invitation")),
    )
    op.create_index(
        op.f("ix_organization_invitation_organization_id"),
        "organization_invitation",
        ["organization_id"],
    )
    op.create_index(
        "uq_organization_invitation_pending",
        "organization_invitation",
        ["organization_id", "email"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "organization_join_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'declined', 'withdrawn')",
            name=op.f("ck_organization_join_request_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_join_request_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_organization_join_request_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_organization_join_request_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_join_request")),
    )
    op.create_index(
        op.f("ix_organization_join_request_organization_id"),
        "organization_join_request",
        ["organization_id"],
    )
    op.create_index(
        op.f("ix_organization_join_request_user_id"), "organization_join_request", ["user_id"]
    )
    op.create_index(
        "uq_organization_join_request_pending",
        "organization_join_request",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "organization_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint(
            "kind IN ('business_licence', 'legal_person_certificate', 'other')",
            name=op.f("ck_organization_document_kind"),
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_organization_document_size_positive")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_document_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_organization_document_uploaded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_document")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_organization_document_storage_key")),
    )
    op.create_index(
        op.f("ix_organization_document_organization_id"),
        "organization_document",
        ["organization_id"],
    )


def downgrade():
    op.drop_table("organization_document")
    op.drop_table("organization_join_request")
    op.drop_table("organization_invitation")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint(op.f("ck_user_account_org_role"), type_="check")
        batch.drop_column("org_role")
