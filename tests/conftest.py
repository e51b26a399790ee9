"""Test fixtures used in more than one directory (a directory's own live in its conftest.py; plain helpers
in tests/helpers.py, factory fixtures in tests/factories.py).

The schema is built by the migrations, as in production — once per run — and each test gets a clean
copy: on SQLite a copy of the migrated file, on PostgreSQL (TEST_DATABASE_URL) a TRUNCATE of every
table. Requests run in a fresh app context each (see FreshContextClient)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from referral import create_app
from referral.auth.permissions import Role
from referral.divisions.models import Division, level_of, parent_code_of
from referral.divisions.services import DEFAULT_FILE
from referral.extensions import db as _db
from tests.factories import *  # noqa: F401,F403  (factory fixtures)
from tests.helpers import INSTITUTION_DATA, TEST_DATABASE_URL, application, fire, png_bytes

# The slice of the national list the tests work in: 吉林省 (the demo province) and 北京市 (elsewhere).
TEST_PROVINCES = ("22", "11")


def _migrate(url: str) -> None:
    import flask_migrate

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade()
        _db.engine.dispose()


def _reset_postgres(url: str) -> None:
    from referral.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``<name>_gw0`` …), created on
    first use, so parallel workers never truncate each other's tables."""
    if worker in ("", "master"):
        return url
    from sqlalchemy.engine import make_url

    from referral.config import normalise_database_url

    base = make_url(normalise_database_url(url))
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory, worker_id):
    """A database at the head revision. Yields a factory of per-test database URLs."""
    if TEST_DATABASE_URL:
        url = _worker_database(TEST_DATABASE_URL, worker_id)
        _reset_postgres(url)
        _migrate(url)
        yield lambda tmp_path: url
        return
    template = tmp_path_factory.mktemp("db") / "template.sqlite"
    _migrate(f"sqlite:///{template}")

    def fresh(tmp_path: Path) -> str:
        target = tmp_path / "test.sqlite"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"

    yield fresh


def _division_rows():
    with DEFAULT_FILE.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["code"].startswith(TEST_PROVINCES)]
    order = {"province": 0, "city": 1, "county": 2}
    rows.sort(key=lambda r: (order[level_of(r["code"])], r["code"]))
    return [{"code": r["code"], "name": r["name"], "level": level_of(r["code"]),
             "parent_code": parent_code_of(r["code"])} for r in rows]


DIVISION_ROWS = _division_rows()


@pytest.fixture
def app(migrated_database, tmp_path):
    url = migrated_database(tmp_path)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SERVER_NAME="localhost",
                     ATTACHMENT_ROOT=str(tmp_path / "attachments"), EXPORT_ROOT=str(tmp_path / "exports"))
    app.instance_path = str(tmp_path / "instance")  # nothing a test does lands in the project's instance/
    app.test_client_class = FreshContextClient
    with app.app_context():
        _db.session.execute(_db.insert(Division), DIVISION_ROWS)
        _db.session.commit()
        yield app
        _db.session.remove()
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            tables = [t.name for t in _db.metadata.sorted_tables]
            with _db.engine.begin() as conn:
                # The evidence tables refuse TRUNCATE by trigger (docs/architecture.md#evidence); the test
                # database's superuser resets them with triggers off, for this transaction only.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        _db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request in its own app context, so ``g`` (and Flask-Login's cached user) and the
    SQLAlchemy session are fresh, as they are in production (docs/architecture.md#tests)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    return _db


# --- registries: a complete draft institution with its admin, and the officials who decide on it -----------

@pytest.fixture
def officials(create_user):
    return {
        "county": create_user(Role.COUNTY_OFFICIAL, username="county", division="220102", display_name="县民政"),
        "county2": create_user(Role.COUNTY_OFFICIAL, username="county2", division="220102"),
        "other_county": create_user(Role.COUNTY_OFFICIAL, username="chaoyang", division="220104"),
        "city": create_user(Role.CITY_OFFICIAL, username="city", division="220100", display_name="市民政"),
        "other_city": create_user(Role.CITY_OFFICIAL, username="jilin-city", division="220200"),
        "province": create_user(Role.PROVINCE_OFFICIAL, username="province", division="220000"),
    }


@pytest.fixture
def draft(app, tmp_path):
    """A complete draft institution (with a licence scan) and its admin account."""
    from werkzeug.datastructures import FileStorage

    from referral.attachments.services import store_upload
    from referral.registries.services import register_institution

    admin, inst = register_institution(username="inst-admin", password="a long password", admin_name="赵磊",
                                       data=dict(INSTITUTION_DATA))
    store_upload(FileStorage(io.BytesIO(png_bytes()), filename="licence.png"), owner_type="institution",
                 owner_id=inst.id, kind="licence_scan", actor=admin, division_code=inst.division_code)
    _db.session.commit()
    return inst, admin


# --- cases: a listed institution of 南关区 with its staff, the county's referral officer, an assister --------

@pytest.fixture
def people(draft, officials, create_user):
    inst, admin = draft
    fire(inst, admin, "submit")
    fire(inst, officials["county"], "county_approve")
    fire(inst, officials["city"], "city_confirm")
    return {
        "inst": inst, "inst_admin": admin,
        "staff": create_user(Role.INSTITUTION_STAFF, username="staff", institution=inst, display_name="康复师"),
        "officer": create_user(Role.REFERRAL_OFFICER, username="officer", division="220102", display_name="转介员"),
        "other_officer": create_user(Role.REFERRAL_OFFICER, username="officer2", division="220104"),
        "hospital": create_user(Role.MEDICAL_ASSISTER, username="hospital", display_name="医院协助人"),
        "community": create_user(Role.COMMUNITY_ASSISTER, username="child-director", display_name="儿童主任"),
        **officials,
    }


@pytest.fixture
def referred_case(people):
    """An application from the hospital, registered and referred by the officer, accepted by the institution."""
    from referral.cases import services

    body = application()
    who = body["applicant"]
    case = services.submit_application(actor=people["hospital"], data={
        "channel": body["channel"], "assister_role": body["assister_role"], "name": who["name"],
        "id_number": who["id_number"], "phone": who["phone"], "address": who["address"],
        "division_code": who["division"], "guardian_name": body["guardian"]["name"],
        "guardian_relation": body["guardian"]["relation"], "guardian_phone": body["guardian"]["phone"],
        "needs": body["needs"], "service_types": body["service_types"], "consent_signer": "applicant"})
    services.advance_case(case, actor=people["officer"], event="register", verification="已核实身份、户籍与诊断证明")
    services.advance_case(case, actor=people["officer"], event="refer", institution_id=people["inst"].id)
    services.advance_case(case, actor=people["staff"], event="accept")
    _db.session.commit()
    return case


# --- the access tables' objects (route × role tests of registries, cases, supervision, documents) ----------

@pytest.fixture
def objects(users_by_role, db):
    """A listed institution (the institution roles' own), a listed talent it employs, a licence scan and a
    pending change request; set up as rows, since what is tested here is access, not the workflow."""
    from referral.attachments.models import Attachment
    from referral.auth.models import User
    from referral.models import utcnow
    from referral.registries.models import ChangeRequest, Talent, TalentEmployment
    from workflows.approval import ApprovalState

    admin = users_by_role[Role.INSTITUTION_ADMIN]
    inst = db.session.get(User, admin.id).institution
    now = utcnow()
    inst.name, inst.capacity, inst.free_places = "南关区测试康复中心", 10, 5
    inst.submitted_at = now
    inst.state = ApprovalState.LISTED  # test data set-up; the application never assigns a state
    talent = Talent(name="王医生", id_number="220102199001011239", category="volunteer", division_code="220102",
                    state=ApprovalState.LISTED, submitted_at=now)
    talent.employer_rows = [TalentEmployment(institution_id=inst.id)]
    db.session.add(talent)
    att = Attachment(owner_type="institution", owner_id=inst.id, kind="licence_scan", filename="a.png",
                     content_type="image/png", size=3, sha256="0" * 64, storage_key="00/00/" + "0" * 64)
    db.session.add(att)
    change = ChangeRequest(institution_id=inst.id, before={"name": "旧"}, after={"name": "新"},
                           requested_by_id=admin.id, due_date=now.date())
    db.session.add(change)
    db.session.commit()
    return {"inst": inst.id, "talent": talent.id, "att": att.id, "change": change.id}


@pytest.fixture
def case_ids(objects, users_by_role, db):
    """A case referred to the institution of `objects` (rows through the services, as the officer and assister)."""
    from referral.auth.models import User
    from referral.cases import services
    from referral.registries.models import InstitutionServiceArea

    db.session.add(InstitutionServiceArea(institution_id=objects["inst"], division_code="220102"))
    hospital = db.session.get(User, users_by_role[Role.MEDICAL_ASSISTER].id)
    officer = db.session.get(User, users_by_role[Role.REFERRAL_OFFICER].id)
    data = application()
    case = services.submit_application(actor=hospital, data={
        "channel": "medical", "name": "李明", "id_number": data["applicant"]["id_number"], "division_code": "220102",
        "needs": "x", "service_types": [], "consent_signer": "applicant"})
    services.advance_case(case, actor=officer, event="register", verification="已核实")
    services.advance_case(case, actor=officer, event="refer", institution_id=objects["inst"])
    db.session.commit()
    return {"case": case.id, "receipt": case.receipt_no}
