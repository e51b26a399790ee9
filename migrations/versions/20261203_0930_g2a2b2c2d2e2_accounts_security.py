"""accounts security (issue 13.3): login counters in the database, TOTP second factor, recovery codes,
role grants under four-eyes

- login_counters: failed sign-ins per (address, username) and per address, in fixed windows, shared by
  every worker without Redis (referral/auth/throttle.py);
- totp_credentials / recovery_codes: the TOTP secret of an enrolled account and its one-time codes (hashed);
- role_grants: a role that sees personal data, requested by one sysadmin and decided by another.

Only new tables: nothing existing changes, nothing is lost. Accounts of sysadmins and province/city
officials are sent to enrol at their next sign-in.

Revision ID: g2a2b2c2d2e2
Revises: g1a1b1c1d1e1
Create Date: 2026-12-03 09:30:00

"""
import sqlalchemy as sa
from alembic import op

import referral.models

revision = 'g2a2b2c2d2e2'
down_revision = 'g1a1b1c1d1e1'
branch_labels = None
depends_on = None

# Frozen here: a later change of an enum is a migration of its own.
ROLES = ("'sysadmin', 'province_official', 'city_official', 'county_official', 'referral_officer', "
         "'institution_admin', 'institution_staff', 'medical_assister', 'community_assister'")
STATES = "'pending', 'approved', 'rejected', 'withdrawn'"


def upgrade():
    op.create_table(
        'login_counters',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('window_start', referral.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key', 'window_start', name=op.f('pk_login_counters')),
    )
    op.create_table(
        'totp_credentials',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('confirmed_at', referral.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_step', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_totp_credentials_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_totp_credentials')),
    )
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', referral.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_codes_code_hash')),
    )
    op.create_index('ix_recovery_codes_user_id', 'recovery_codes', ['user_id'], unique=False)
    op.create_table(
        'role_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('state', sa.String(length=32), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', referral.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', referral.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('comment', sa.String(length=500), nullable=False),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f('ck_role_grants_grant_role')),
        sa.CheckConstraint(f"state IN ({STATES})", name=op.f('ck_role_grants_grant_state')),
        sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> requested_by_id',
                           name=op.f('ck_role_grants_four_eyes')),
        sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)",
                           name=op.f('ck_role_grants_decided_when_not_pending')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_grants_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_role_grants_requested_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_role_grants_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants')),
    )
    op.create_index('ix_role_grants_state', 'role_grants', ['state'], unique=False)
    op.create_index('ix_role_grants_user_id', 'role_grants', ['user_id'], unique=False)


def downgrade():
    op.drop_index('ix_role_grants_user_id', table_name='role_grants')
    op.drop_index('ix_role_grants_state', table_name='role_grants')
    op.drop_table('role_grants')
    op.drop_index('ix_recovery_codes_user_id', table_name='recovery_codes')
    op.drop_table('recovery_codes')
    op.drop_table('totp_credentials')
    op.drop_table('login_counters')
