"""records: what the agreement, the assessment and the follow-up forms ask (issue 12.2–12.4)

Hand-written. Every new column is nullable or has a server default, so existing rows stay valid; values are
derived where the data allows it: the agreement's free-text 服务形式 becomes a code (an unknown text moves to
``form_other`` with the code ``other``: nothing is lost), the relation of the person who signed (本人, or the
guardian's relation when the guardian signed), and a follow-up that recorded "needs service again" gets the
next step ``reapply``. The CHECK lists are frozen here as the models printed them.

Revision ID: f2b3c4d5e6f7
Revises: f3c4d5e6f7a8
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f2b3c4d5e6f7'
down_revision = 'f3c4d5e6f7a8'
branch_labels = None
depends_on = None

# The free texts the old form suggested ("日间康复、居家上门、小组、个案") and their short forms → codes.
FORM_CODES = {
    "日间康复": "day", "日间": "day", "日间照料": "day",
    "居家上门": "home", "居家": "home", "上门": "home", "居家康复": "home", "上门服务": "home",
    "住宿": "residential", "住宿康复": "residential", "住宿式": "residential",
    "小组": "group", "小组活动": "group", "小组康复": "group",
    "个案": "individual", "个案服务": "individual", "个案管理": "individual",
    "其他": "other",
}


def _form_codes():
    """The agreements' 服务形式: free text → code; an unknown text is kept in form_other."""
    bind = op.get_bind()
    agreements = sa.table('agreements', sa.column('id', sa.Integer), sa.column('form', sa.String),
                          sa.column('form_other', sa.String))
    for row_id, text in bind.execute(sa.select(agreements.c.id, agreements.c.form)).all():
        value = (text or "").strip()
        if not value:
            code, other = None, ""
        elif value in FORM_CODES:
            code, other = FORM_CODES[value], ""
        else:
            code, other = "other", value[:64]
        bind.execute(agreements.update().where(agreements.c.id == row_id).values(form=code, form_other=other))


def upgrade():
    op.create_table(
        'assessment_assessors',
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('talent_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'],
                                name=op.f('fk_assessment_assessors_assessment_id_assessments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['talent_id'], ['talents.id'], name=op.f('fk_assessment_assessors_talent_id_talents'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('assessment_id', 'talent_id', name=op.f('pk_assessment_assessors')),
    )
    op.create_index(op.f('ix_assessment_assessors_talent_id'), 'assessment_assessors', ['talent_id'], unique=False)

    with op.batch_alter_table('assessments') as batch:
        batch.add_column(sa.Column('place', sa.String(length=255), server_default='', nullable=False))
        batch.add_column(sa.Column('recommended_items', sa.JSON(), server_default='[]', nullable=False))

    with op.batch_alter_table('agreements') as batch:
        batch.add_column(sa.Column('form_other', sa.String(length=64), server_default='', nullable=False))
        batch.add_column(sa.Column('place', sa.String(length=255), server_default='', nullable=False))
        batch.add_column(sa.Column('fee_amount', sa.Numeric(precision=10, scale=2), nullable=True))
        batch.add_column(sa.Column('fee_payer', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('signer_relation', sa.String(length=32), server_default='', nullable=False))
        batch.add_column(sa.Column('representative_name', sa.String(length=64), server_default='', nullable=False))
        batch.alter_column('form', existing_type=sa.String(length=32), nullable=True)
    _form_codes()
    # Who signed for the person: the person (本人) or the guardian, as the case names them.
    op.execute("UPDATE agreements SET signer_relation = '本人' WHERE signer_name = "
               "(SELECT applicant_name FROM cases WHERE cases.id = agreements.case_id)")
    op.execute("UPDATE agreements SET signer_relation = (SELECT guardian_relation FROM cases "
               "WHERE cases.id = agreements.case_id) WHERE signer_relation = '' AND signer_name <> '' AND "
               "signer_name = (SELECT guardian_name FROM cases WHERE cases.id = agreements.case_id)")
    with op.batch_alter_table('agreements') as batch:
        batch.alter_column('form', existing_type=sa.String(length=32), type_=sa.String(length=16),
                           existing_nullable=True)
        batch.create_check_constraint('form_known', "form IS NULL OR form IN ('day', 'home', 'residential', "
                                                    "'group', 'individual', 'other')")
        batch.create_check_constraint('fee_payer_known', "fee_payer IS NULL OR fee_payer IN ('government', 'self', "
                                                         "'insurance', 'other')")
        batch.create_check_constraint('fee_not_negative', "fee_amount IS NULL OR fee_amount >= 0")

    with op.batch_alter_table('follow_ups') as batch:
        batch.add_column(sa.Column('contact_relation', sa.String(length=32), server_default='', nullable=False))
        batch.add_column(sa.Column('unreachable', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch.add_column(sa.Column('lost_reason', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('satisfaction', sa.String(length=24), nullable=True))
        batch.add_column(sa.Column('relapsed', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('readmitted', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('next_step', sa.String(length=16), nullable=True))
    op.execute("UPDATE follow_ups SET next_step = 'reapply' WHERE done_at IS NOT NULL AND needs_service_again")
    with op.batch_alter_table('follow_ups') as batch:
        batch.create_check_constraint('satisfaction_known', "satisfaction IS NULL OR satisfaction IN ("
                                      "'very_satisfied', 'satisfied', 'neutral', 'dissatisfied', 'very_dissatisfied')")
        batch.create_check_constraint('next_step_known', "next_step IS NULL OR next_step IN ('continue', 'reapply', "
                                                         "'end')")
        batch.create_check_constraint('unreachable_has_reason',
                                      "NOT unreachable OR (done_at IS NOT NULL AND lost_reason <> '')")


def downgrade():
    with op.batch_alter_table('follow_ups') as batch:
        batch.drop_constraint(op.f('ck_follow_ups_unreachable_has_reason'), type_='check')
        batch.drop_constraint(op.f('ck_follow_ups_next_step_known'), type_='check')
        batch.drop_constraint(op.f('ck_follow_ups_satisfaction_known'), type_='check')
        for name in ('next_step', 'readmitted', 'relapsed', 'satisfaction', 'lost_reason', 'unreachable',
                     'contact_relation'):
            batch.drop_column(name)
    with op.batch_alter_table('agreements') as batch:
        batch.drop_constraint(op.f('ck_agreements_fee_not_negative'), type_='check')
        batch.drop_constraint(op.f('ck_agreements_fee_payer_known'), type_='check')
        batch.drop_constraint(op.f('ck_agreements_form_known'), type_='check')
        batch.alter_column('form', existing_type=sa.String(length=16), type_=sa.String(length=32),
                           existing_nullable=True)
    # Codes back to the words of the old free text; 其他 keeps what was written.
    labels = {"day": "日间康复", "home": "居家上门", "residential": "住宿", "group": "小组", "individual": "个案"}
    for code, label in labels.items():
        op.execute(sa.text("UPDATE agreements SET form = :label WHERE form = :code").bindparams(label=label, code=code))
    op.execute("UPDATE agreements SET form = CASE WHEN form_other <> '' THEN form_other ELSE '其他' END "
               "WHERE form = 'other'")
    op.execute("UPDATE agreements SET form = '' WHERE form IS NULL")
    with op.batch_alter_table('agreements') as batch:
        batch.alter_column('form', existing_type=sa.String(length=32), nullable=False)
        for name in ('representative_name', 'signer_relation', 'fee_payer', 'fee_amount', 'place', 'form_other'):
            batch.drop_column(name)
    with op.batch_alter_table('assessments') as batch:
        batch.drop_column('recommended_items')
        batch.drop_column('place')
    op.drop_index(op.f('ix_assessment_assessors_talent_id'), table_name='assessment_assessors')
    op.drop_table('assessment_assessors')
