"""sessions: server-side sign-in sessions (user_sessions) replace the user's session nonce

Issue 13.2: a logout must end the session on the server, with an idle timeout besides the absolute lifetime,
a list of one's sessions and "sign out everywhere". Until now the cookie carried "<user id>:<nonce>" and the
nonce on the user row ended all sessions at once; now the cookie carries a random token whose SHA-256 is a row
of user_sessions. The nonce goes (one mechanism): cookies signed before this upgrade no longer sign anyone in,
so everyone signs in once more — nothing else is lost.

Revision ID: g1a1b1c1d1e1
Revises: f1a2b3c4d5e6
Create Date: 2026-12-04 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import referral.models

revision = 'g1a1b1c1d1e1'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None

SESSION_END = ('logout', 'idle', 'expired', 'ended_by_user', 'sign_out_everywhere', 'password_changed',
               'account_changed', 'disabled')


def upgrade():
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', referral.models.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', referral.models.UTCDateTime(), nullable=False),
        sa.Column('expires_at', referral.models.UTCDateTime(), nullable=False),
        sa.Column('ended_at', referral.models.UTCDateTime(), nullable=True),
        sa.Column('ended_reason', sa.Enum(*SESSION_END, name='session_end', native_enum=False,
                                          create_constraint=True, length=32), nullable=True),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.CheckConstraint('(ended_at IS NULL) = (ended_reason IS NULL)',
                           name=op.f('ck_user_sessions_ended_with_reason')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash')),
    )
    op.create_index('ix_user_sessions_user_id_ended_at', 'user_sessions', ['user_id', 'ended_at'], unique=False)
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy would rebuild a table others reference.
    op.drop_column('users', 'session_nonce')


def downgrade():
    op.add_column('users', sa.Column('session_nonce', sa.String(length=16), nullable=False,
                                     server_default='downgraded'))
    op.drop_index('ix_user_sessions_user_id_ended_at', table_name='user_sessions')
    op.drop_table('user_sessions')
