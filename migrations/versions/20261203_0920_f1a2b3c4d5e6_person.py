"""person: the person's record of a case (case_persons)

Issue 12.1/12.8 (DESIGN §3.5): 民族, 婚姻状况, 文化程度, 就业, 居住状况, 主要诊断 (ICD-10 F00–F99 or other) and
its date, 当前用药, 残疾人证, 低保／特困, 医保, 纳入严重精神障碍管理 — one row per case, in a table of its own so
the cases row stays lean and the health data apart. Nothing is derived for existing cases: no row means
nothing recorded yet (未填写), and their eligibility_group stays as it is (NULL: 未填写). Nothing is lost:
the migration only adds a table.

Revision ID: f1a2b3c4d5e6
Revises: f2b3c4d5e6f7
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import referral.models

revision = 'f1a2b3c4d5e6'
down_revision = 'f2b3c4d5e6f7'
branch_labels = None
depends_on = None

# The codes as they are today, frozen here (a later change of an enum is a migration of its own).
MARITAL = "'unmarried', 'married', 'divorced', 'widowed'"
EDUCATION = "'none', 'primary', 'junior_secondary', 'senior_secondary', 'junior_college', 'bachelor_or_above'"
EMPLOYMENT = "'employed', 'unemployed', 'not_working', 'student', 'retired', 'other'"
LIVING = "'alone', 'with_family', 'institution', 'other'"
INSURANCE = "'employee', 'resident', 'none', 'other'"


def upgrade():
    op.create_table(
        'case_persons',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('ethnicity', sa.String(length=2), nullable=True),
        sa.Column('marital_status', sa.String(length=16), nullable=True),
        sa.Column('education', sa.String(length=24), nullable=True),
        sa.Column('employment', sa.String(length=16), nullable=True),
        sa.Column('living_arrangement', sa.String(length=16), nullable=True),
        sa.Column('diagnosis_icd10', sa.String(length=8), nullable=True),
        sa.Column('diagnosis_name', sa.String(length=128), nullable=True),
        sa.Column('diagnosed_on', sa.Date(), nullable=True),
        sa.Column('medications', sa.JSON(), nullable=False),
        sa.Column('disability_certificate_number', sa.String(length=32), nullable=True),
        sa.Column('disability_grade', sa.SmallInteger(), nullable=True),
        sa.Column('subsistence_allowance', sa.Boolean(), nullable=True),
        sa.Column('medical_insurance', sa.String(length=16), nullable=True),
        sa.Column('smd_registered', sa.Boolean(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', referral.models.UTCDateTime(), nullable=False),
        sa.CheckConstraint('ethnicity IS NULL OR length(ethnicity) = 2', name=op.f('ck_case_persons_ethnicity_code')),
        sa.CheckConstraint(f'marital_status IS NULL OR marital_status IN ({MARITAL})',
                           name=op.f('ck_case_persons_marital_status_known')),
        sa.CheckConstraint(f'education IS NULL OR education IN ({EDUCATION})',
                           name=op.f('ck_case_persons_education_known')),
        sa.CheckConstraint(f'employment IS NULL OR employment IN ({EMPLOYMENT})',
                           name=op.f('ck_case_persons_employment_known')),
        sa.CheckConstraint(f'living_arrangement IS NULL OR living_arrangement IN ({LIVING})',
                           name=op.f('ck_case_persons_living_arrangement_known')),
        sa.CheckConstraint(f'medical_insurance IS NULL OR medical_insurance IN ({INSURANCE})',
                           name=op.f('ck_case_persons_medical_insurance_known')),
        sa.CheckConstraint('(diagnosis_icd10 IS NULL) = (diagnosis_name IS NULL)',
                           name=op.f('ck_case_persons_diagnosis_whole')),
        sa.CheckConstraint("diagnosis_icd10 IS NULL OR diagnosis_icd10 = 'other' "
                           "OR (length(diagnosis_icd10) = 3 AND diagnosis_icd10 LIKE 'F%')",
                           name=op.f('ck_case_persons_diagnosis_code')),
        sa.CheckConstraint('diagnosed_on IS NULL OR diagnosis_icd10 IS NOT NULL',
                           name=op.f('ck_case_persons_diagnosed_on_has_diagnosis')),
        sa.CheckConstraint('disability_grade IS NULL OR disability_grade BETWEEN 1 AND 4',
                           name=op.f('ck_case_persons_disability_grade_range')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_persons_case_id_cases'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_case_persons_updated_by_id_users'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_persons')),
    )


def downgrade():
    op.drop_table('case_persons')
