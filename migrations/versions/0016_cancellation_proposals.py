"""cancellation_proposal: cancelling a funded deal is a proposal the other party answers
(issue 14 point 3); replaces deal.buyer_cancel_requested / supplier_cancel_requested

A request one party made before this migration, on a deal still under way and not in
dispute, becomes an open proposal (its reason from the timeline) that lapses after the
default period from now; a request on a deal in dispute is dropped (the dispute decides).

Revision ID: 0016_cancellation_proposals
Revises: 0015_organization_members
Create Date: 2026-12-04 08:20:00

"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0016_cancellation_proposals"
down_revision = "0015_organization_members"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
LAPSE_DAYS = 7  # DEAL_CANCELLATION_LAPSE_DAYS' default


def upgrade():
    op.create_table(
        "cancellation_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("proposed_by_role", sa.String(length=10), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'declined', 'withdrawn', 'lapsed', 'cleared')",
            name=op.f("ck_cancellation_proposal_status"),
        ),
        sa.CheckConstraint(
            "proposed_by_role IN ('buyer', 'supplier')",
            name=op.f("ck_cancellation_proposal_proposed_by_role"),
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deal.id"],
            name=op.f("fk_cancellation_proposal_deal_id_deal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["user_account.id"],
            name=op.f("fk_cancellation_proposal_proposed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_cancellation_proposal_closed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellation_proposal")),
    )
    op.create_index(
        op.f("ix_cancellation_proposal_deal_id"), "cancellation_proposal", ["deal_id"]
    )
    op.create_index(
        "uq_cancellation_proposal_open",
        "cancellation_proposal",
        ["deal_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    bind = op.get_bind()
    now = datetime.now(UTC)
    asked = bind.execute(
        sa.text(
            "SELECT id, buyer_cancel_requested, supplier_cancel_requested FROM deal "
            "WHERE state IN ('funded', 'in_progress', 'resolved') "
            "AND (buyer_cancel_requested OR supplier_cancel_requested)"
        )
    ).all()
    for deal_id, buyer, supplier in asked:
        role = "buyer" if buyer else "supplier"
        if buyer and supplier:  # cannot happen (both requests cancelled the deal)
            continue
        event = bind.execute(
            sa.text(
                "SELECT actor_id, detail FROM deal_event WHERE deal_id = :d "
                "AND action = 'request_cancellation' AND role = :r ORDER BY id DESC"
            ),
            {"d": deal_id, "r": role},
        ).first()
        detail = event[1] if event else None
        if isinstance(detail, str):
            import json

            detail = json.loads(detail)
        bind.execute(
            sa.text(
                "INSERT INTO cancellation_proposal (deal_id, status, proposed_by_role, "
                "proposed_by_id, reason, created_at, expires_at, closing_note) VALUES "
                "(:d, 'open', :r, :u, :reason, :now, :exp, '')"
            ),
            {
                "d": deal_id,
                "r": role,
                "u": event[0] if event else None,
                "reason": (detail or {}).get("reason", ""),
                "now": now,
                "exp": now + timedelta(days=LAPSE_DAYS),
            },
        )
    with op.batch_alter_table("deal") as batch_op:
        batch_op.drop_column("buyer_cancel_requested")
        batch_op.drop_column("supplier_cancel_requested")


def downgrade():
    with op.batch_alter_table("deal") as batch_op:
        batch_op.add_column(
            sa.Column(
                "buyer_cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column(
                "supplier_cancel_requested",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    op.execute(
        "UPDATE deal SET buyer_cancel_requested = "
        "EXISTS (SELECT 1 FROM cancellation_proposal c WHERE c.deal_id = deal.id "
        "AND c.status = 'open' AND c.proposed_by_role = 'buyer')"
    )
    op.execute(
        "UPDATE deal SET supplier_cancel_requested = "
        "EXISTS (SELECT 1 FROM cancellation_proposal c WHERE c.deal_id = deal.id "
        "AND c.status = 'open' AND c.proposed_by_role = 'supplier')"
    )
    op.drop_index("uq_cancellation_proposal_open", table_name="cancellation_proposal")
    op.drop_index(op.f("ix_cancellation_proposal_deal_id"), table_name="cancellation_proposal")
    op.drop_table("cancellation_proposal")
