"""document_renders: documents rendered ahead by the queue, not issued yet (issue 14.4)

One row per document (code, subject, part): the next version as it would be issued today, its number and
verification code reserved and printed in its bytes. The first download that finds it current issues those
bytes and deletes the row (docs/domain.md#rendered-ahead). A cache, not evidence: no append-only triggers.

Revision ID: h3c3c3c3c3c3
Revises: h2b2b2b2b2b2
Create Date: 2026-12-05 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'h3c3c3c3c3c3'
down_revision = 'h2b2b2b2b2b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_renders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('verification_code', sa.String(length=16), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('base_url', sa.String(length=255), nullable=False),
    sa.Column('template_version', sa.String(length=16), nullable=False),
    sa.Column('snapshot_sha256', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_renders')),
    sa.UniqueConstraint('code', 'subject_type', 'subject_id', 'part_id', name='uq_document_renders_target')
    )
    with op.batch_alter_table('document_renders', schema=None) as batch_op:
        batch_op.create_index('ix_document_renders_issued_on', ['issued_on'], unique=False)


def downgrade():
    with op.batch_alter_table('document_renders', schema=None) as batch_op:
        batch_op.drop_index('ix_document_renders_issued_on')
    op.drop_table('document_renders')
