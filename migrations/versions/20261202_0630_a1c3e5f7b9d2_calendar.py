"""calendar: a year's official 放假安排 entered as data

Hand-written: one table, its enum as a CHECK (native_enum=False, as elsewhere).

Revision ID: a1c3e5f7b9d2
Revises: b58a6635a270
Create Date: 2026-12-02 06:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a1c3e5f7b9d2'
down_revision = 'b58a6635a270'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('holiday', 'workday', name='daykind', native_enum=False, create_constraint=True,
                                  length=16), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_calendar_days_entered_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days')),
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_days_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_days_year'))
    op.drop_table('calendar_days')
