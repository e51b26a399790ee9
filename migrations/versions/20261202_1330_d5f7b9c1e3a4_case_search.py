"""case search: the applicant's name and phone are indexed, as the receipt number and 身份证号 already are

The case search (issue 10.9) matches these columns whole, so each lookup is an index probe, not a scan.

Revision ID: d5f7b9c1e3a4
Revises: c4e6a8b0d2f1
Create Date: 2026-12-02 13:30:00

"""
from alembic import op

revision = 'd5f7b9c1e3a4'
down_revision = 'c4e6a8b0d2f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_name', 'cases', ['applicant_name'], unique=False)
    op.create_index('ix_cases_phone', 'cases', ['applicant_phone'], unique=False)


def downgrade():
    op.drop_index('ix_cases_phone', table_name='cases')
    op.drop_index('ix_cases_name', table_name='cases')
