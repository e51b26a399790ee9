"""encryption: 身份证号, phone numbers, diagnoses and medications encrypted at rest

Issue 13.6 (README.md#encryption-at-rest). Encrypted with AES-256-GCM under the current key of
REFERRAL_DATA_KEYS (read as the app reads it: this runs inside the app, `flask db upgrade`; the embedded default
uses instance/data_keys) — cases.applicant_id_number, applicant_phone, guardian_phone; case_persons'
diagnosis_icd10, diagnosis_name, medications, disability_certificate_number; talents.id_number, phone;
users.id_number. Exact lookups move to keyed hashes (REFERRAL_DEMAND_HASH_KEY, referral/id_hash.py):
cases.applicant_phone_hash is new, cases.applicant_id_hash is filled where it was still NULL, talents.id_hash
is new and carries the one-open-entry-per-person unique index. The plaintext indexes go; so does the CHECK on
the diagnosis code's shape (the service checks it; the NULL-ness CHECKs stay).

How, on both databases: a column of cases, talents and users is renamed to <name>_plain, a TEXT column of the
old name is added, filled in batches of 500 rows, and the plain column dropped. Not a table copy (SQLite's
batch mode): other tables reference these with RESTRICT and CASCADE foreign keys, which a DROP TABLE would trip
or fire. case_persons, which nothing references, is altered in place (batch on SQLite). Nothing is lost: the
downgrade decrypts back to the plaintext columns and indexes.

Revision ID: g5a5b5c5d5e5
Revises: g3a3b3c3d3e3
Create Date: 2026-12-04 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'g5a5b5c5d5e5'
down_revision = 'g3a3b3c3d3e3'
branch_labels = None
depends_on = None

BATCH = 500
OPEN_TALENT = "state NOT IN ('rejected', 'removed', 'withdrawn')"
# table → [(column, old type, nullable)] of the renamed-and-refilled columns.
SWAPPED = {
    'cases': [('applicant_id_number', sa.String(18), False), ('applicant_phone', sa.String(32), False),
              ('guardian_phone', sa.String(32), False)],
    'talents': [('id_number', sa.String(18), False), ('phone', sa.String(32), False)],
    'users': [('id_number', sa.String(18), True)],
}
PERSON = [('diagnosis_icd10', sa.String(8)), ('diagnosis_name', sa.String(128)),
          ('disability_certificate_number', sa.String(32)), ('medications', sa.JSON())]


def _crypto():
    from referral.crypto.keys import keyring
    from referral.crypto.types import decrypt, encrypt, key_id_of

    return keyring(), encrypt, decrypt, key_id_of


def _batches(conn, table, columns, where=None):
    """Rows of (id, *columns) in batches by id: memory stays flat on a large table."""
    t = sa.table(table, sa.column('id'), *[sa.column(c) for c in columns])
    last = 0
    while True:
        stmt = sa.select(t.c.id, *[t.c[c] for c in columns]).where(t.c.id > last).order_by(t.c.id).limit(BATCH)
        rows = conn.execute(stmt).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _swap(table, columns, new_type, convert, extra=None):
    """Rename each column to <name>_plain, add <name> of new_type, fill it by ``convert``, drop the old one."""
    conn = op.get_bind()
    for name, old_type, nullable in columns:
        op.execute(f'ALTER TABLE {table} RENAME COLUMN {name} TO {name}_plain')
        target = new_type if new_type is not None else old_type
        op.add_column(table, sa.Column(name, target, nullable=nullable,
                                       server_default=None if nullable else sa.text("''")))
    sources = [f'{name}_plain' for name, _, _ in columns]
    for rows in _batches(conn, table, sources):
        for row in rows:
            values = {name: (None if row[i + 1] is None else convert(f'{table}.{name}', row[i + 1]))
                      for i, (name, _, _) in enumerate(columns)}
            if extra:
                values.update(extra(dict(zip(sources, row[1:], strict=True))))
            conn.execute(sa.table(table, sa.column('id'), *[sa.column(k) for k in values]).update()
                         .where(sa.column('id') == row[0]).values(**values))
    for name, _, _ in columns:
        op.drop_column(table, f'{name}_plain')


def _person(convert, pending):
    conn = op.get_bind()
    names = [name for name, _ in PERSON]
    t = sa.table('case_persons', sa.column('case_id'), *[sa.column(c) for c in names])
    last = 0
    while True:
        rows = conn.execute(sa.select(t.c.case_id, *[t.c[c] for c in names]).where(t.c.case_id > last)
                            .order_by(t.c.case_id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            values = {name: convert(f'case_persons.{name}', row[i + 1]) for i, name in enumerate(names)
                      if row[i + 1] is not None and pending(row[i + 1])}
            if values:
                conn.execute(t.update().where(t.c.case_id == row[0]).values(**values))
        last = rows[-1][0]


def upgrade():
    from referral.id_hash import id_hash, phone_hash_or_none

    ring, encrypt, _decrypt, key_id_of = _crypto()

    def seal(context, value):
        return encrypt(ring, context, str(value))

    op.drop_index('ix_cases_id_number', table_name='cases')
    op.drop_index('ix_cases_phone', table_name='cases')
    op.add_column('cases', sa.Column('applicant_phone_hash', sa.String(64), nullable=True))
    _swap('cases', SWAPPED['cases'], sa.Text(), seal,
          extra=lambda plain: {'applicant_phone_hash': phone_hash_or_none(plain['applicant_phone_plain']),
                               'applicant_id_hash': id_hash(plain['applicant_id_number_plain'])})
    op.create_index('ix_cases_phone_hash', 'cases', ['applicant_phone_hash'])

    op.drop_index('uq_talents_id_number_open', table_name='talents')
    op.add_column('talents', sa.Column('id_hash', sa.String(64), nullable=True))
    _swap('talents', SWAPPED['talents'], sa.Text(), seal,
          extra=lambda plain: {'id_hash': id_hash(plain['id_number_plain'])})
    op.create_index('uq_talents_id_hash_open', 'talents', ['id_hash'], unique=True,
                    postgresql_where=sa.text(OPEN_TALENT), sqlite_where=sa.text(OPEN_TALENT))

    _swap('users', SWAPPED['users'], sa.Text(), seal)

    with op.batch_alter_table('case_persons') as batch:
        batch.drop_constraint(op.f('ck_case_persons_diagnosis_code'), type_='check')
        for name, old_type in PERSON:
            batch.alter_column(name, existing_type=old_type, type_=sa.Text(),
                               postgresql_using=f'{name}::text')
    # JSON text of the medicines is encrypted as it stands (EncryptedJSON reads it back with json.loads).
    _person(seal, lambda value: key_id_of(value) is None)


def downgrade():
    ring, _encrypt, decrypt, key_id_of = _crypto()

    def unseal(context, value):
        return decrypt(ring, context, value)

    _person(unseal, lambda value: key_id_of(value) is not None)
    with op.batch_alter_table('case_persons') as batch:
        for name, old_type in PERSON:
            batch.alter_column(name, existing_type=sa.Text(), type_=old_type,
                               postgresql_using=f'{name}::json' if name == 'medications' else None)
        batch.create_check_constraint(
            'diagnosis_code', "diagnosis_icd10 IS NULL OR diagnosis_icd10 = 'other' "
                              "OR (length(diagnosis_icd10) = 3 AND diagnosis_icd10 LIKE 'F%')")

    _swap('users', SWAPPED['users'], None, unseal)

    op.drop_index('uq_talents_id_hash_open', table_name='talents')
    _swap('talents', SWAPPED['talents'], None, unseal)
    op.drop_column('talents', 'id_hash')
    op.create_index('uq_talents_id_number_open', 'talents', ['id_number'], unique=True,
                    postgresql_where=sa.text(OPEN_TALENT), sqlite_where=sa.text(OPEN_TALENT))

    op.drop_index('ix_cases_phone_hash', table_name='cases')
    _swap('cases', SWAPPED['cases'], None, unseal)
    op.drop_column('cases', 'applicant_phone_hash')
    op.create_index('ix_cases_id_number', 'cases', ['applicant_id_number'])
    op.create_index('ix_cases_phone', 'cases', ['applicant_phone'])
