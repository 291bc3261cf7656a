"""brokers: profiles, assignments, mediation offers, brokerage records, ratings;
deal terms may let the broker arbitrate; the broker is a role on the timeline, the thread
and the terms versions.

Revision ID: 0007_brokers
Revises: 0007_payout_account
Create Date: 2026-11-29 07:10:42.947905

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0007_brokers'
down_revision = '0007_payout_account'
branch_labels = None
depends_on = None

PROPOSERS = "('buyer', 'supplier', 'broker')"
ROLES_NEW = "('buyer', 'supplier', 'operator', 'system', 'broker')"
ROLES_OLD = "('buyer', 'supplier', 'operator', 'system')"


def upgrade():
    op.create_table('broker_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('certificate_number', sa.String(length=50), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('languages', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rejection_reason', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("status <> 'rejected' OR rejection_reason <> ''", name=op.f('ck_broker_profile_rejection_has_reason')),
    sa.CheckConstraint("status IN ('pending', 'verified', 'rejected')", name=op.f('ck_broker_profile_status')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_broker_profile_reviewed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_broker_profile_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_profile')),
    sa.UniqueConstraint('certificate_number', name=op.f('uq_broker_profile_certificate_number')),
    sa.UniqueConstraint('user_id', name=op.f('uq_broker_profile_user_id'))
    )
    with op.batch_alter_table('broker_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broker_profile_status'), ['status'], unique=False)

    op.create_table('broker_domain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['broker_profile.id'], name=op.f('fk_broker_domain_profile_id_broker_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_domain')),
    sa.UniqueConstraint('profile_id', 'domain', name=op.f('uq_broker_domain_profile_id_domain'))
    )
    with op.batch_alter_table('broker_domain', schema=None) as batch_op:
        batch_op.create_index('ix_broker_domain', ['domain'], unique=False)

    op.create_table('broker_region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['broker_profile.id'], name=op.f('fk_broker_region_profile_id_broker_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_region')),
    sa.UniqueConstraint('profile_id', 'region', name=op.f('uq_broker_region_profile_id_region'))
    )
    with op.batch_alter_table('broker_region', schema=None) as batch_op:
        batch_op.create_index('ix_broker_region', ['region'], unique=False)

    op.create_table('mediation_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('demand_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'declined', 'withdrawn')", name=op.f('ck_mediation_offer_status')),
    sa.CheckConstraint('(listing_id IS NULL) <> (demand_id IS NULL)', name=op.f('ck_mediation_offer_one_item')),
    sa.ForeignKeyConstraint(['broker_id'], ['user_account.id'], name=op.f('fk_mediation_offer_broker_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_mediation_offer_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['demand_id'], ['demand.id'], name=op.f('fk_mediation_offer_demand_id_demand'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_mediation_offer_listing_id_listing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_offer'))
    )
    with op.batch_alter_table('mediation_offer', schema=None) as batch_op:
        batch_op.create_index('ix_mediation_offer_broker', ['broker_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_mediation_offer_demand_id'), ['demand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mediation_offer_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index('uq_mediation_offer_accepted_demand', ['demand_id'], unique=True, sqlite_where=sa.text("status = 'accepted' AND demand_id IS NOT NULL"), postgresql_where=sa.text("status = 'accepted' AND demand_id IS NOT NULL"))
        batch_op.create_index('uq_mediation_offer_accepted_listing', ['listing_id'], unique=True, sqlite_where=sa.text("status = 'accepted' AND listing_id IS NOT NULL"), postgresql_where=sa.text("status = 'accepted' AND listing_id IS NOT NULL"))

    op.create_table('broker_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('invited_by_role', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('buyer_release_consent', sa.Boolean(), nullable=False),
    sa.Column('supplier_release_consent', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("source IN ('invitation', 'offer')", name=op.f('ck_broker_assignment_source')),
    sa.CheckConstraint("status IN ('invited', 'active', 'declined', 'withdrawn', 'released')", name=op.f('ck_broker_assignment_status')),
    sa.ForeignKeyConstraint(['broker_id'], ['user_account.id'], name=op.f('fk_broker_assignment_broker_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['deal_id'], ['deal.id'], name=op.f('fk_broker_assignment_deal_id_deal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_broker_assignment_invited_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_assignment'))
    )
    with op.batch_alter_table('broker_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_broker_assignment_broker', ['broker_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_broker_assignment_deal_id'), ['deal_id'], unique=False)
        batch_op.create_index('uq_broker_assignment_one_active', ['deal_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.create_index('uq_broker_assignment_one_invitation', ['deal_id', 'broker_id'], unique=True, sqlite_where=sa.text("status = 'invited'"), postgresql_where=sa.text("status = 'invited'"))

    op.create_table('broker_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('buyer', 'supplier')", name=op.f('ck_broker_rating_role')),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_broker_rating_score')),
    sa.ForeignKeyConstraint(['broker_id'], ['user_account.id'], name=op.f('fk_broker_rating_broker_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deal_id'], ['deal.id'], name=op.f('fk_broker_rating_deal_id_deal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['user_account.id'], name=op.f('fk_broker_rating_rater_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_rating')),
    sa.UniqueConstraint('deal_id', 'role', name=op.f('uq_broker_rating_deal_id_role'))
    )
    with op.batch_alter_table('broker_rating', schema=None) as batch_op:
        batch_op.create_index('ix_broker_rating_broker', ['broker_id'], unique=False)

    op.create_table('brokerage_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('participants', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("kind IN ('call', 'meeting', 'site_visit', 'evaluation', 'document', 'negotiation_note')", name=op.f('ck_brokerage_record_kind')),
    sa.CheckConstraint("visibility IN ('shared', 'private')", name=op.f('ck_brokerage_record_visibility')),
    sa.ForeignKeyConstraint(['broker_id'], ['user_account.id'], name=op.f('fk_brokerage_record_broker_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['deal_id'], ['deal.id'], name=op.f('fk_brokerage_record_deal_id_deal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brokerage_record'))
    )
    with op.batch_alter_table('brokerage_record', schema=None) as batch_op:
        batch_op.create_index('ix_brokerage_record_deal', ['deal_id', 'occurred_at'], unique=False)

    op.create_table('brokerage_attachment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_brokerage_attachment_size_positive')),
    sa.ForeignKeyConstraint(['record_id'], ['brokerage_record.id'], name=op.f('fk_brokerage_attachment_record_id_brokerage_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brokerage_attachment')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_brokerage_attachment_storage_key'))
    )
    with op.batch_alter_table('brokerage_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_brokerage_attachment_record_id'), ['record_id'], unique=False)

    op.create_table('brokerage_record_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('participants', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['brokerage_record.id'], name=op.f('fk_brokerage_record_version_record_id_brokerage_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brokerage_record_version')),
    sa.UniqueConstraint('record_id', 'revision', name=op.f('uq_brokerage_record_version_record_id_revision'))
    )
    with op.batch_alter_table('deal_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broker_may_arbitrate', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_constraint(op.f('ck_deal_terms_proposed_by_role'), type_='check')
        batch_op.create_check_constraint('proposed_by_role', f"proposed_by_role IN {PROPOSERS}")
        batch_op.create_check_constraint('commission_has_broker', 'broker_id IS NOT NULL OR commission_bp = 0')
    for table in ('deal_event', 'deal_message'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_role'), type_='check')
            batch_op.create_check_constraint('role', f"role IN {ROLES_NEW}")


def downgrade():
    for table in ('deal_event', 'deal_message'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_role'), type_='check')
            batch_op.create_check_constraint('role', f"role IN {ROLES_OLD}")
    with op.batch_alter_table('deal_terms', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_deal_terms_commission_has_broker'), type_='check')
        batch_op.drop_constraint(op.f('ck_deal_terms_proposed_by_role'), type_='check')
        batch_op.create_check_constraint('proposed_by_role', "proposed_by_role IN ('buyer', 'supplier')")
        batch_op.drop_column('broker_may_arbitrate')

    op.drop_table('brokerage_record_version')
    with op.batch_alter_table('brokerage_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_brokerage_attachment_record_id'))

    op.drop_table('brokerage_attachment')
    with op.batch_alter_table('brokerage_record', schema=None) as batch_op:
        batch_op.drop_index('ix_brokerage_record_deal')

    op.drop_table('brokerage_record')
    with op.batch_alter_table('broker_rating', schema=None) as batch_op:
        batch_op.drop_index('ix_broker_rating_broker')

    op.drop_table('broker_rating')
    with op.batch_alter_table('broker_assignment', schema=None) as batch_op:
        batch_op.drop_index('uq_broker_assignment_one_invitation', sqlite_where=sa.text("status = 'invited'"), postgresql_where=sa.text("status = 'invited'"))
        batch_op.drop_index('uq_broker_assignment_one_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_broker_assignment_deal_id'))
        batch_op.drop_index('ix_broker_assignment_broker')

    op.drop_table('broker_assignment')
    with op.batch_alter_table('mediation_offer', schema=None) as batch_op:
        batch_op.drop_index('uq_mediation_offer_accepted_listing', sqlite_where=sa.text("status = 'accepted' AND listing_id IS NOT NULL"), postgresql_where=sa.text("status = 'accepted' AND listing_id IS NOT NULL"))
        batch_op.drop_index('uq_mediation_offer_accepted_demand', sqlite_where=sa.text("status = 'accepted' AND demand_id IS NOT NULL"), postgresql_where=sa.text("status = 'accepted' AND demand_id IS NOT NULL"))
        batch_op.drop_index(batch_op.f('ix_mediation_offer_listing_id'))
        batch_op.drop_index(batch_op.f('ix_mediation_offer_demand_id'))
        batch_op.drop_index('ix_mediation_offer_broker')

    op.drop_table('mediation_offer')
    with op.batch_alter_table('broker_region', schema=None) as batch_op:
        batch_op.drop_index('ix_broker_region')

    op.drop_table('broker_region')
    with op.batch_alter_table('broker_domain', schema=None) as batch_op:
        batch_op.drop_index('ix_broker_domain')

    op.drop_table('broker_domain')
    with op.batch_alter_table('broker_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broker_profile_status'))

    op.drop_table('broker_profile')
