"""stats facts: the statistics' summary table, kept in the same transaction as the cases (issue 14)

The dashboards (referral/stats/queries.py) read counts of the cases' facts by county, day or month and keys
instead of GROUP BY over every case (docs/domain.md#statistics). The table is filled here from the existing
cases (referral/stats/rollup.py: rebuild, the same function that keeps it right afterwards; on a million cases
this takes minutes); `flask stats rebuild` does it again at any time.

Revision ID: h2b2b2b2b2b2
Revises: h1a1a1a1a1a1
Create Date: 2026-12-05 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'h2b2b2b2b2b2'
down_revision = 'h1a1a1a1a1a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stats_facts",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("grain", sa.String(1), nullable=False),
        sa.Column("division_code", sa.String(12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("day2", sa.Date(), nullable=False),
        sa.Column("k1", sa.String(32), nullable=False),
        sa.Column("k2", sa.String(32), nullable=False),
        sa.Column("k3", sa.String(32), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "grain", "division_code", "day", "day2", "k1", "k2", "k3",
                                "institution_id", "value", name="pk_stats_facts"),
    )
    op.create_index("ix_stats_facts_institution", "stats_facts", ["kind", "institution_id", "grain", "day"])
    from referral.stats.rollup import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.drop_table("stats_facts")
