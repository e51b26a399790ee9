"""evidence: append-only evidence tables, the audit hash chain, the export heartbeat

Issue 13.4 (docs/architecture.md#evidence): audit_entries, case_events, approval_decisions, pledges,
account_pledges and issued_documents refuse UPDATE and DELETE on both backends, and TRUNCATE on PostgreSQL
(a statement-level trigger: TRUNCATE fires no row triggers). audit_entries and issued_documents had their
row triggers already (foundation, documents); they keep them and gain the TRUNCATE one.

The audit entries get ``prev_hash`` and ``hash``; the chain of the existing rows is computed here in id
order, with the function the application uses (referral.audit.chain), so that ``flask audit verify`` holds
right after the upgrade. Nothing is lost: two columns are added and filled.

Issue 13.8: a running export writes ``heartbeat_at`` as it goes and counts its ``attempts``, so that a job
whose worker died is re-queued once, then failed (referral/documents/exports.py).

Revision ID: g3a3b3c3d3e3
Revises: g2a2b2c2d2e2
Create Date: 2026-12-04 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import referral.models

revision = 'g3a3b3c3d3e3'
down_revision = 'g2a2b2c2d2e2'
branch_labels = None
depends_on = None

#: Tables with no row trigger yet (audit_entries and issued_documents have theirs).
NEW_GUARDS = ("case_events", "approval_decisions", "pledges", "account_pledges")
TRUNCATE_GUARDS = ("audit_entries", "issued_documents", *NEW_GUARDS)
BATCH = 1000


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    with op.batch_alter_table('document_exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', referral.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    # A job running now started beating when it started.
    op.execute("UPDATE document_exports SET heartbeat_at = started_at, attempts = 1 WHERE state = 'running'")

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _drop_audit_row_guards()  # the chain of the existing rows is an UPDATE of each
    _chain_existing_entries()
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
    _create_audit_row_guards()

    if _postgres():
        op.execute("""
            CREATE FUNCTION evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
            END $$""")
        for table in NEW_GUARDS:
            op.execute(f"""
                CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION evidence_append_only()""")
        for table in TRUNCATE_GUARDS:
            op.execute(f"""
                CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only()""")
    else:
        for table in NEW_GUARDS:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"""
                    CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                    BEGIN SELECT RAISE(ABORT, '{table} is append-only ({verb} refused)'); END""")


def _chain_existing_entries():
    # Imported, not copied: the chain written here must be the one verify recomputes, byte for byte.
    from referral.audit.chain import FIELDS, GENESIS, entry_hash

    types = {'at': referral.models.UTCDateTime(), 'summary': sa.JSON(), 'actor_id': sa.Integer()}
    entries = sa.table('audit_entries', sa.column('id', sa.Integer()), sa.column('prev_hash', sa.String()),
                       sa.column('hash', sa.String()), *(sa.column(name, types.get(name, sa.String())) for name in FIELDS))
    conn = op.get_bind()
    columns = [entries.c.id, *(entries.c[name] for name in FIELDS)]
    prev, last = GENESIS, 0
    while True:
        rows = conn.execute(sa.select(*columns).where(entries.c.id > last).order_by(entries.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            digest = entry_hash(row._asdict(), prev)
            conn.execute(entries.update().where(entries.c.id == row.id).values(prev_hash=prev, hash=digest))
            prev = digest
        last = rows[-1].id


def _drop_audit_row_guards():
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")


def _create_audit_row_guards():
    # As the foundation migration made them (its function, audit_entries_append_only(), stays on PostgreSQL).
    if _postgres():
        op.execute("""
            CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries
                BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only ({verb} refused)'); END""")


def downgrade():
    if _postgres():
        for table in TRUNCATE_GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        for table in NEW_GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS evidence_append_only()")
    else:
        for table in NEW_GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    _drop_audit_row_guards()  # SQLite's batch mode copies the table; the guards come back after
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    _create_audit_row_guards()
    with op.batch_alter_table('document_exports', schema=None) as batch_op:
        batch_op.drop_column('attempts')
        batch_op.drop_column('heartbeat_at')
