"""stats: a case's eligibility group (严重精神障碍, 其他精神障碍, 抑郁症, 孤独症), counted by the statistics

Nullable: cases applied before the field existed have none and are shown as 未填写 (docs/domain.md#statistics).
Hand-written, the CHECK frozen as the model printed it (a new group is a new migration).

Revision ID: e1a2b3c4d5f6
Revises: e3c4d5f6a7b8
Create Date: 2026-12-02 16:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e1a2b3c4d5f6'
down_revision = 'e3c4d5f6a7b8'
branch_labels = None
depends_on = None

CHECK = ("eligibility_group IS NULL OR eligibility_group IN ('severe_mental_disorder', 'other_mental_disorder', "
         "'depression', 'autism')")


def upgrade():
    # batch: SQLite adds a CHECK only by copying the table; PostgreSQL alters it in place.
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('eligibility_group', sa.String(length=32), nullable=True))
        batch.create_check_constraint('eligibility_group_known', CHECK)


def downgrade():
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint(op.f('ck_cases_eligibility_group_known'), type_='check')
        batch.drop_column('eligibility_group')
