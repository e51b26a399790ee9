"""accounts: a user's 身份证号, a talent's 职务, and each account's own 保密承诺书

Issue 12.5: every account that sees personal data accepts its own 保密承诺书 at first sign-in, recorded with
the text version (account_pledges). Until now an account's pledge was the one it accepted for its own talent
entry (referral/documents/pledges.py printed that): such acceptances are carried forward as the account's
own, so nobody who already accepted is asked again for the same text; and an account with its own talent
entry takes that entry's 身份证号. The new columns are nullable or defaulted; nothing is lost.

Revision ID: f3c4d5e6f7a8
Revises: e4d5f6a7b8c9
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import referral.models

revision = 'f3c4d5e6f7a8'
down_revision = 'e4d5f6a7b8c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('id_number', sa.String(length=18), nullable=True))
    with op.batch_alter_table('talents') as batch:
        batch.add_column(sa.Column('position', sa.String(length=64), nullable=False, server_default=''))
    op.create_table(
        'account_pledges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('text_version', sa.String(length=32), nullable=False),
        sa.Column('signer_name', sa.String(length=64), nullable=False),
        sa.Column('signed_at', referral.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_pledges_user_id_users'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_pledges')),
    )
    op.create_index('ix_account_pledges_user_signed', 'account_pledges', ['user_id', 'signed_at'], unique=False)
    # An account's own talent entry (talents.user_id) holds the account holder's 身份证号: the newest one is
    # taken for the account.
    op.execute(
        "UPDATE users SET id_number = (SELECT t.id_number FROM talents t WHERE t.user_id = users.id "
        "ORDER BY t.id DESC LIMIT 1) WHERE id_number IS NULL "
        "AND EXISTS (SELECT 1 FROM talents t WHERE t.user_id = users.id)")
    # The confidentiality pledges an account accepted itself for its own talent entry become its own.
    op.execute(
        "INSERT INTO account_pledges (user_id, text_version, signer_name, signed_at) "
        "SELECT p.signed_by_id, p.text_version, p.signer_name, p.signed_at "
        "FROM pledges p JOIN talents t ON t.id = p.talent_id "
        "WHERE p.kind = 'confidentiality_pledge' AND p.signed_by_id IS NOT NULL AND p.signed_by_id = t.user_id "
        "ORDER BY p.signed_at, p.id")


def downgrade():
    op.drop_index('ix_account_pledges_user_signed', table_name='account_pledges')
    op.drop_table('account_pledges')
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it): a batch copy would drop and rebuild tables
    # that other tables reference, which SQLite's foreign keys refuse.
    op.drop_column('talents', 'position')
    op.drop_column('users', 'id_number')
