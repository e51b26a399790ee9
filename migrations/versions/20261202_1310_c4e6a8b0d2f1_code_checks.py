"""code checks: reason and result codes, the case clock, the referral's answer, a finished export

Hand-written (issue 9.4): CHECK constraints the models now build from the enums of workflows/ and the
feature models (docs/architecture.md#where-rules-live). The SQL is frozen here as the models printed it,
so this migration does not change when the enums grow; a new code is a new migration.

Revision ID: c4e6a8b0d2f1
Revises: a1c3e5f7b9d2
Create Date: 2026-12-02 13:10:00

"""
from alembic import op

revision = 'c4e6a8b0d2f1'
down_revision = 'a1c3e5f7b9d2'
branch_labels = None
depends_on = None

CHECKS = [
    ('cases', [
        ('clocked_has_due_date',
         "state NOT IN ('applied', 'registered', 'referred', 'assessing', 'assessed') OR due_date IS NOT NULL"),
        ('unclocked_has_no_due_date',
         "state NOT IN ('returned', 'not_registered', 'completed', 'withdrawn') OR due_date IS NULL"),
        ('close_reason_code_known',
         "close_reason_code IS NULL OR close_reason_code IN ('goals_met', 'voluntary_end', 'moved_away', "
         "'medical_referral', 'death', 'lost_contact', 'agreement_expired', 'unreachable')"),
    ]),
    ('referrals', [
        ('decline_reason_code_known',
         "decline_reason_code IS NULL OR decline_reason_code IN ('no_capacity', 'outside_service_area', "
         "'needs_not_matched', 'other')"),
        ('holds_place_when_accepted', "NOT holds_place OR status = 'accepted'"),
        ('pending_not_responded', "status <> 'pending' OR responded_at IS NULL"),
        ('answered_has_responded_at', "status NOT IN ('accepted', 'declined') OR responded_at IS NOT NULL"),
    ]),
    ('follow_ups', [
        ('method_known', "method IS NULL OR method IN ('phone', 'visit', 'at_institution')"),
    ]),
    ('assessments', [
        ('result_known', "result IS NULL OR result IN ('suitable', 'unsuitable')"),
    ]),
    ('talents', [
        ('exit_reason_code_known',
         "exit_reason_code IS NULL OR exit_reason_code IN ('qualification_lapsed', 'misconduct', 'voluntary')"),
    ]),
    ('approval_decisions', [
        ('reason_code_known',
         "reason_code IS NULL OR reason_code IN ('qualification_lapsed', 'misconduct', 'voluntary')"),
    ]),
    ('document_exports', [
        ('done_iff_hash', "(state = 'done') = (sha256 IS NOT NULL)"),
        ('done_has_file',
         "state <> 'done' OR (finished_at IS NOT NULL AND file_name IS NOT NULL AND size IS NOT NULL)"),
        ('failed_has_finish_time', "state <> 'failed' OR finished_at IS NOT NULL"),
    ]),
]


def upgrade():
    # batch: SQLite adds a CHECK only by copying the table; PostgreSQL alters it in place.
    for table, checks in CHECKS:
        with op.batch_alter_table(table) as batch:
            for name, condition in checks:
                batch.create_check_constraint(name, condition)


def downgrade():
    for table, checks in reversed(CHECKS):
        with op.batch_alter_table(table) as batch:
            for name, _condition in reversed(checks):
                batch.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
