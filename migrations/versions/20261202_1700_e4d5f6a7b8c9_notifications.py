"""notifications: the bell's rows, an account's e-mail address, and an export's expired state

Issue 11.3/11.4: one row per notification and account, unique by key (the periodic job may run twice); a
finished export's ZIP is deleted after EXPORT_KEEP_DAYS and the job is marked expired, keeping its hash.

Revision ID: e4d5f6a7b8c9
Revises: e1a2b3c4d5f6
Create Date: 2026-12-02 17:00:00

"""
import sqlalchemy as sa
from alembic import op

import referral.models

revision = 'e4d5f6a7b8c9'
down_revision = 'e1a2b3c4d5f6'
branch_labels = None
depends_on = None

KINDS = ("'referral_received', 'case_returned', 'referral_declined', 'registry_decision', 'removal_proposed', "
         "'due_soon', 'overdue'")


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('object_type', sa.String(length=16), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('created_at', referral.models.UTCDateTime(), nullable=False),
        sa.Column('read_at', referral.models.UTCDateTime(), nullable=True),
        sa.Column('emailed_at', referral.models.UTCDateTime(), nullable=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f('ck_notifications_kind_known')),
        sa.CheckConstraint("object_type IN ('case', 'institution', 'talent')",
                           name=op.f('ck_notifications_object_type_known')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('user_id', 'key', name='uq_notifications_user_key'),
    )
    op.create_index('ix_notifications_user_read', 'notifications', ['user_id', 'read_at'], unique=False)
    op.create_index('ix_notifications_user_created', 'notifications', ['user_id', 'created_at'], unique=False)
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    # batch: SQLite changes a CHECK only by copying the table; PostgreSQL alters it in place.
    with op.batch_alter_table('document_exports') as batch:
        batch.drop_constraint(op.f('ck_document_exports_exportstate'), type_='check')
        batch.create_check_constraint('exportstate', "state IN ('queued', 'running', 'done', 'failed', 'expired')")
        batch.drop_constraint(op.f('ck_document_exports_done_iff_hash'), type_='check')
        batch.create_check_constraint('done_iff_hash', "(state IN ('done', 'expired')) = (sha256 IS NOT NULL)")


def downgrade():
    with op.batch_alter_table('document_exports') as batch:
        batch.drop_constraint(op.f('ck_document_exports_done_iff_hash'), type_='check')
        batch.create_check_constraint('done_iff_hash', "(state = 'done') = (sha256 IS NOT NULL)")
        batch.drop_constraint(op.f('ck_document_exports_exportstate'), type_='check')
        batch.create_check_constraint('exportstate', "state IN ('queued', 'running', 'done', 'failed')")
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email')
    op.drop_index('ix_notifications_user_created', table_name='notifications')
    op.drop_index('ix_notifications_user_read', table_name='notifications')
    op.drop_table('notifications')
