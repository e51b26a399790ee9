"""list order: the case lists' indexes in the lists' own order (issue 14)

Each branch of a user's case scope (the county, the institution, one's own applications) is read in the list's
order — the due date, nulls last, then the id; or the newest first — from an index in that order, stopping after
the page's rows (referral/cases/queries.py: CaseSearch, docs/architecture.md#speed). PostgreSQL's ascending
btree already keeps NULLs last, so ``due_date ASC NULLS LAST, id`` walks these indexes without a sort.

Revision ID: h1a1a1a1a1a1
Revises: g5a5b5c5d5e5
Create Date: 2026-12-05 09:00:00

"""
from alembic import op

revision = 'h1a1a1a1a1a1'
down_revision = 'g5a5b5c5d5e5'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_cases_division_due": ["division_code", "due_date", "id"],
    "ix_cases_institution_due": ["institution_id", "due_date", "id"],
    "ix_cases_creator_due": ["created_by_id", "due_date", "id"],
    "ix_cases_division_created": ["division_code", "created_at", "id"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="cases")
