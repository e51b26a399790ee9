"""The bench database (issue 14): a few hundred cases made through the real services over every path of the case
machine, then multiplied in SQL to 10k, 100k, 1M cases.

    .venv/bin/python -m bench.scale.generate --fresh            # wipe, migrate, accounts, institutions, seed cases
    .venv/bin/python -m bench.scale.generate --to 100k          # grow the same database (cumulative), then ANALYZE

Phases (each timed and printed):

1. **wipe + migrate**: ``DROP SCHEMA public CASCADE`` of the bench database, ``flask_migrate.upgrade()``, the
   divisions (GB/T 2260).
2. **accounts + institutions**: per county of 吉林省 (22) a county official, a referral officer and one or two
   institutions brought to *listed* through the registry services (sign-up with its licence scan, submit, county
   approval, city confirmation), each with an institution staff account; per city a city official; the bench's own
   accounts (``env.py``): TOTP enrolled with a known secret for the city and province officials; every account's
   保密承诺书 accepted. Argon2 is made once for the shared bench password (0.4 s each otherwise).
3. **seed**: ``SEED_CYCLES`` × ``PATHS`` cases in 220102 through ``referral.cases.services`` — applications (public
   and entered by the officer), registration, return/resubmit, rejection, referral, decline and re-referral,
   acceptance, suitable/unsuitable assessments, agreements, service records, staged reviews, transfer, closing
   (after service and before it), follow-ups, withdrawal, identity reveals — so history, audit entries,
   notifications and records are the app's own.
4. **multiply** (``--to``): clone k of the seeds gets seed ``k % S`` in county ``(k + k // S) % C`` (every county from the
   start, every seed in every county in the end), the county's institutions and accounts in place of 220102's, every time shifted back by 1 day … 3
   years, and — computed in Python and COPYed — a unique receipt number, a valid 身份证号 (its county, a birth date,
   a sequence, the check digit), a phone number, both encrypted with the bench data key and keyed-hashed like the
   app does, and a name. Everything else (history, referrals, assessments, agreements, service records,
   follow-ups, the person's record, audit entries) is ``INSERT … SELECT``ed from the seed's rows, with the
   columns found in the catalogue: a column added by a later migration is copied too.
5. **ANALYZE**.

What the clones do not have: notifications (seed cases only), 评估人 links, and the audit hash chain: cloned
audit rows carry hashes of their own, not a chain, so ``flask audit verify`` reports a break at the first clone
(the bench never runs it; the app appends its own entries onto the last row as usual). Within a clone all steps
happened within the same second or so (the seeds were made in one go), so step durations are ~0."""

from __future__ import annotations

import argparse
import io
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from bench.scale import env

SEED_CYCLES = 10
SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "1M": 1_000_000}


def parse_scale(text: str) -> int:
    if text in SCALES:
        return SCALES[text]
    text = text.lower()
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


@contextmanager
def phase(name: str, timings: dict | None = None):
    start = time.perf_counter()
    print(f"[generate] {name} …", flush=True)
    yield
    took = time.perf_counter() - start
    if timings is not None:
        timings[name] = took
    print(f"[generate] {name}: {took:.1f} s", flush=True)


def make_app():
    env.apply_app_environ()
    from referral import create_app

    return create_app("production")


# --- 1. wipe and migrate ---------------------------------------------------------------------------------------

def wipe_and_migrate(app) -> None:
    import shutil

    env.ensure_database()

    import flask_migrate
    from sqlalchemy import text

    from referral.divisions.services import import_divisions
    from referral.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
        for sub in ("attachments", "documents", "exports"):
            shutil.rmtree(env.INSTANCE_DIR / sub, ignore_errors=True)
        flask_migrate.upgrade()
        import_divisions()
        db.session.commit()


def migrate_only(app) -> None:
    import flask_migrate

    with app.app_context():
        flask_migrate.upgrade()


# --- 2. accounts and institutions ----------------------------------------------------------------------------

def _fast_password_hash():
    """Every bench account has the same password: hash it once (Argon2 takes ~0.4 s here by design)."""
    import referral.auth.services as auth_services

    real = auth_services.hash_password
    cache: dict[str, str] = {}

    def cached(password: str) -> str:
        if password not in cache:
            cache[password] = real(password)
        return cache[password]

    auth_services.hash_password = cached


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (235, 240, 245)).save(buffer, format="PNG")
    return buffer.getvalue()


SERVICE_TYPES = ["服药训练", "生活技能训练", "社交技能训练", "家庭支持", "职业康复训练"]


def accounts_and_institutions(app) -> None:
    import pyotp
    from stdnum.cn import uscc
    from werkzeug.datastructures import FileStorage

    from referral.attachments.services import store_upload
    from referral.auth import totp
    from referral.auth.models import User
    from referral.auth.permissions import Role
    from referral.auth.services import accept_account_pledge, create_user
    from referral.divisions.models import Division
    from referral.extensions import db
    from referral.registries import services as registries

    _fast_password_hash()
    png = _png()
    with app.app_context():
        divisions = db.session.scalars(db.select(Division).where(Division.code.like("22%"))).all()
        counties = sorted((d for d in divisions if d.level.value == "county"), key=lambda d: d.code)
        cities = sorted((d for d in divisions if d.level.value == "city"), key=lambda d: d.code)

        def user(username, role, *, name, division=None, institution=None):
            u = create_user(actor=None, username=username, password=env.PASSWORD, roles=[role], display_name=name,
                            division_code=division, institution_id=institution)
            accept_account_pledge(u, signer_name=name)
            return u

        city_officials = {}
        for n, city in enumerate(cities):
            username = env.CITY_OFFICIAL if city.code == env.CITY else f"bench-city-{city.code}"
            city_officials[city.code] = user(username, Role.CITY_OFFICIAL, name=f"市级{n}", division=city.code)
        province = user(env.PROVINCE_OFFICIAL, Role.PROVINCE_OFFICIAL, name="省级", division=env.PROVINCE)
        for u in (province, city_officials[env.CITY]):
            totp.enrol(u, secret=env.TOTP_SECRET, code=pyotp.TOTP(env.TOTP_SECRET).now())
        # The sysadmin, for completeness of the roles (TOTP like the others who need it).
        admin = user("bench-sysadmin", Role.SYSADMIN, name="系统管理员")
        db.session.flush()
        db.session.execute(db.text("UPDATE totp_credentials SET last_step = NULL"))  # codes stay usable at once

        n_inst = 0
        for i, county in enumerate(counties):
            here = county.code == env.COUNTY
            county_official = user(env.COUNTY_OFFICIAL if here else f"bench-county-{county.code}",
                                   Role.COUNTY_OFFICIAL, name=f"县级{i}", division=county.code)
            user(env.OFFICER if here else f"bench-officer-{county.code}", Role.REFERRAL_OFFICER,
                 name=f"转介员{i}", division=county.code)
            # Two institutions in the city districts (and 220102), one elsewhere.
            for j in range(2 if (here or county.code[4:] < "20") else 1):
                n_inst += 1
                org = f"MJ{n_inst:06d}X"
                base = f"52{county.code}{org}"
                name = f"{county.name}第{j + 1}康复服务中心（压测）"
                admin_user, inst = registries.register_institution(
                    username=f"bench-inst-{county.code}-{j + 1}", password=env.PASSWORD, admin_name=f"负责人{n_inst}",
                    data={"name": name, "credit_code": base + uscc.calc_check_digit(base),
                          "registration_authority": f"{county.name}民政局", "legal_form": "social_service_org",
                          "legal_representative": f"负责人{n_inst}", "address": f"{county.name}康复路 {n_inst} 号",
                          "division_code": county.code, "service_area": [county.code], "service_types": SERVICE_TYPES,
                          "capacity": 5000, "free_places": 4000, "opening_hours": "周一至周五 8:30-16:30",
                          "premises_area": Decimal(300), "contact_name": f"负责人{n_inst}",
                          "contact_phone": "0431-8561" + f"{n_inst:04d}", "is_assessment_referral": j == 0,
                          "grade": None, "description": ""})
                accept_account_pledge(admin_user, signer_name=admin_user.name)
                store_upload(FileStorage(io.BytesIO(png), filename="登记证书.png"), owner_type="institution",
                             owner_id=inst.id, kind="licence_scan", actor=admin_user, division_code=county.code)
                registries.advance_entry(inst, actor=admin_user, event="submit", accept_pledges=True,
                                         signer_name=admin_user.name)
                registries.advance_entry(inst, actor=county_official, event="county_approve")
                registries.advance_entry(inst, actor=city_officials.get(county.parent_code, city_officials[env.CITY]),
                                         event="city_confirm")
                staff_name = env.STAFF if (here and j == 0) else f"bench-staff-{county.code}-{j + 1}"
                user(staff_name, Role.INSTITUTION_STAFF, name=f"服务人员{n_inst}", institution=inst.id)
            db.session.commit()
        del admin
        print(f"[generate]   {len(counties)} counties, {len(cities)} cities, {n_inst} institutions, "
              f"{db.session.scalar(db.select(db.func.count()).select_from(User))} accounts", flush=True)


# --- 3. seed cases through the real services -------------------------------------------------------------------

ASSESSMENT = {"risk_grade": 1, "place": "机构内评估室", "mental_state": "幻听减少，情绪平稳，偶有猜疑。", "insight": "partial",
              "medication_adherence": "regular", "physical_health": "体重略增，血压正常。",
              "social_function": "能自理生活，社交较被动。", "personal_care": "good", "housework": "fair", "work": "poor",
              "learning": "fair", "social_contact": "poor", "self_care": "good", "social_adaptation": "fair",
              "employability": "poor", "family_support": "与父母同住，家属支持康复。", "needs_wishes": "希望学会做饭。",
              "sdss": 7, "psp": 62, "gaf": 58, "adl": 18, "recommended_items": ["服药训练", "社交技能训练"],
              "plan": "服药训练每周两次，社交技能训练每周一次。"}
# (events, service records after the agreement, identity reveals by the officer, how many of each per cycle)
PATHS = (
    ((), 0, 0, 2),
    (("return",), 0, 0, 1),
    (("return", "resubmit", "register"), 0, 1, 1),
    (("reject",), 0, 0, 1),
    (("register",), 0, 1, 2),
    (("register", "refer"), 0, 1, 2),
    (("register", "refer", "decline", "refer", "accept"), 0, 1, 1),
    (("register", "refer", "accept"), 0, 0, 1),
    (("register", "refer", "accept", "assess_unsuitable"), 0, 1, 1),
    (("register", "refer", "accept", "assess"), 0, 0, 1),
    (("register", "refer", "accept", "assess", "sign_agreement"), 2, 0, 2),
    (("register", "refer", "accept", "assess", "sign_agreement", "review"), 3, 1, 3),
    (("register", "refer", "accept", "assess", "sign_agreement", "review", "review"), 4, 0, 3),
    (("register", "refer", "accept", "assess", "sign_agreement", "review", "close"), 3, 0, 2),
    (("register", "refer", "accept", "assess", "sign_agreement", "review", "close", "follow_up", "follow_up"), 4, 1, 7),
    (("register", "close_early"), 0, 0, 1),
    (("register", "close_early", "follow_up", "follow_up"), 0, 0, 1),
    (("register", "withdraw"), 0, 0, 1),
    (("register", "refer", "withdraw"), 0, 0, 1),
    (("register", "refer", "accept", "assess", "sign_agreement", "transfer"), 1, 0, 1),
)


def seed_cases(app, cycles: int = SEED_CYCLES) -> None:
    from stdnum.cn import ric

    from referral.auth.models import User
    from referral.calendar import today_in_china
    from referral.cases import services as cases
    from referral.errors import NotPermitted
    from referral.extensions import db
    from referral.registries.models import Institution

    with app.app_context():
        def by_name(username):
            return db.session.scalar(db.select(User).where(User.username == username))

        officer = by_name(env.OFFICER)
        insts = db.session.scalars(db.select(Institution).where(Institution.division_code == env.COUNTY)
                                   .order_by(Institution.id)).all()
        admins = [by_name(f"bench-inst-{env.COUNTY}-{j + 1}") for j in range(len(insts))]
        staffs = [by_name(env.STAFF)] + [by_name(f"bench-staff-{env.COUNTY}-{j + 1}") for j in range(1, len(insts))]
        today = today_in_china()
        n = 0
        for _cycle in range(cycles):
            for events, service_records, reveals, repeat in PATHS:
                for _ in range(repeat):
                    n += 1
                    j = n % len(insts)
                    inst, admin, staff = insts[j], admins[j], staffs[j]
                    minor = n % 37 == 0
                    birth = (today - timedelta(days=365 * 12)) if minor else date(1960, 1, 1) + timedelta(days=n * 37)
                    base = f"{env.COUNTY}{birth:%Y%m%d}{n % 1000:03d}"
                    id_number = base + ric.calc_check_digit(base + "0")
                    public = n % 4 == 0
                    case = cases.submit_application(actor=None if public else officer, data={
                        "channel": "self" if public else "medical", "name": f"种子{n}", "id_number": id_number,
                        "division_code": env.COUNTY, "phone": f"1384310{n:04d}", "address": f"长春市南关区民康路 {n} 号",
                        "needs": "出院后希望恢复生活自理和社交能力。", "service_types": ["服药训练", "社交技能训练"],
                        "consent_signer": "guardian" if minor else "applicant",
                        "guardian_name": "监护人" if minor else "", "guardian_phone": "13904315528" if minor else "",
                        "guardian_relation": "父亲" if minor else "",
                        "eligibility_group": "severe_mental_disorder" if n % 3 else "other_mental_disorder",
                        "person": {"ethnicity": "01", "marital_status": "unmarried", "education": "senior_secondary",
                                   "employment": "unemployed", "living_arrangement": "with_family",
                                   "diagnosis": {"icd10": "F20", "name": None, "diagnosed_on": date(2010, 3, 15)},
                                   "medications": [{"name": "利培酮", "dose": "2mg", "frequency": "每日两次"}],
                                   "subsistence_allowance": False, "medical_insurance": "resident",
                                   "smd_registered": True}})
                    done = 0
                    for event in events:
                        done += 1
                        if event == "register":
                            cases.advance_case(case, actor=officer, event="register",
                                               verification="已核对身份证、户籍和出院小结，符合申请条件。")
                        elif event == "return":
                            cases.advance_case(case, actor=officer, event="return", reason="请补充近期诊断证明。")
                        elif event == "resubmit":
                            cases.advance_case(case, actor=officer, event="resubmit", corrections={"needs": "已补充。"})
                        elif event == "reject":
                            cases.advance_case(case, actor=officer, event="reject", reason="户籍和居住地均不在本县。")
                        elif event == "refer":
                            cases.advance_case(case, actor=officer, event="refer", institution_id=inst.id)
                        elif event == "decline":
                            cases.advance_case(case, actor=admin, event="decline", reason_code="needs_not_matched",
                                               reason="本机构暂不提供所需服务。")
                        elif event == "accept":
                            cases.advance_case(case, actor=admin, event="accept")
                        elif event == "assess":
                            cases.advance_case(case, actor=staff, event="assess", result="suitable",
                                               assessment=dict(ASSESSMENT, next_review_date=today + timedelta(days=90)))
                        elif event == "assess_unsuitable":
                            cases.advance_case(case, actor=staff, event="assess", result="unsuitable",
                                               reason="病情尚不稳定，建议先就医。", assessment=dict(ASSESSMENT, risk_grade=3))
                        elif event == "sign_agreement":
                            cases.advance_case(case, actor=staff, event="sign_agreement", agreement={
                                "start_date": today, "end_date": today + timedelta(days=180), "form": "day",
                                "place": inst.address, "frequency": "每周三次", "fee_amount": "0",
                                "fee_payer": "government"})
                            for d in range(service_records):
                                cases.add_service_record(case, actor=staff, day=today - timedelta(days=d),
                                                         item="服药训练", minutes=60, note="")
                        elif event == "review":
                            cases.advance_case(case, actor=staff, event="review", assessment=dict(
                                ASSESSMENT, risk_grade=0, plan="增加职业康复训练。"))
                        elif event == "transfer":
                            cases.advance_case(case, actor=staff, event="transfer", reason="家庭搬迁，转至其他机构。")
                        elif event == "close":
                            cases.advance_case(case, actor=staff, event="close", reason_code="goals_met",
                                               assessment=dict(ASSESSMENT, risk_grade=0, plan="目标达成，转为定期回访。"))
                        elif event == "close_early":
                            cases.advance_case(case, actor=officer, event="close", reason_code="moved_away")
                        elif event == "follow_up":
                            who = officer if case.closed_before_service else staff
                            cases.advance_case(case, actor=who, event="follow_up", reason="压测数据：提前回访。",
                                               follow_up={"method": "phone", "contact_person": "本人",
                                                          "contact_relation": "本人", "condition": "情况稳定。",
                                                          "relapsed": False, "readmitted": False,
                                                          "satisfaction": "satisfied", "next_step": "continue"})
                        elif event == "withdraw":
                            cases.advance_case(case, actor=officer, event="withdraw", reason="家属决定暂不接受服务。")
                        else:  # pragma: no cover
                            raise ValueError(event)
                    for _r in range(reveals):
                        try:
                            cases.reveal_identity(case, actor=officer, reason="核实身份。")
                        except NotPermitted:  # only where the officer serves the case; it writes nothing then
                            pass
                    db.session.commit()
        db.session.execute(db.text("CREATE TABLE IF NOT EXISTS bench_seeds AS SELECT id AS seed_id, is_minor "
                                   "FROM cases ORDER BY id"))
        db.session.commit()
        counts = {t: db.session.scalar(db.text(f"SELECT count(*) FROM {t}")) for t in (
            "cases", "case_events", "audit_entries", "referrals", "assessments", "agreements", "service_records",
            "follow_ups", "notifications")}
        print(f"[generate]   seeds: {counts}", flush=True)


# --- 4. multiply in SQL -----------------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏飞建国志刚晓东海燕春梅丹玲辉斌宇浩凯健俊帆欣怡"
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
THREE_YEARS = 3 * 365 * 86400
OPEN_SPAN = 90 * 86400


def _receipt(k: int) -> str:
    # A bijection of k onto 32^10 (odd multiplier): unique, and not in sequence.
    v = (k * 0x9E3779B1 + 0x5DEECE66D) % (32 ** 10)
    out = []
    for _ in range(10):
        v, r = divmod(v, 32)
        out.append(RECEIPT_ALPHABET[r])
    return "JK" + "".join(out)


_ADULT_START = date(1950, 1, 1)


def _id_number(k: int, county: str, minor: bool, today: date) -> str:
    from stdnum.cn import ric

    # Unique whatever the county: (birth day, sequence) from k; adults 000–499, minors 500–999.
    if minor:
        birth = today - timedelta(days=6 * 365 + (k // 500) % (11 * 365))
        seq = 500 + k % 500
    else:
        birth = _ADULT_START + timedelta(days=(k // 500) % (49 * 365))
        seq = k % 500
    base = f"{county}{birth:%Y%m%d}{seq:03d}"
    return base + ric.calc_check_digit(base + "0")


def _columns(conn, table: str) -> list[tuple[str, str]]:
    from sqlalchemy import text

    return [tuple(r) for r in conn.execute(text(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = :t ORDER BY ordinal_position"), {"t": table})]


def _fk_targets(conn, table: str) -> dict[str, str]:
    """column → referenced table, for single-column foreign keys."""
    from sqlalchemy import text

    rows = conn.execute(text("""
        SELECT a.attname, c.confrelid::regclass::text FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.conrelid = CAST(:t AS regclass) AND array_length(c.conkey, 1) = 1"""), {"t": table})
    return {name: target for name, target in rows}


# Per table: (the column that names the case, extra column expressions). Everything else is found in the
# catalogue: timestamps shifted, dates shifted by whole days, users and institutions mapped to the clone's county.
CLONED = {
    "case_events": ("case_id", {"actor_name": "COALESCE(m_actor_id.to_name, s.actor_name)"}),
    "referrals": ("case_id", {}),
    "assessments": ("case_id", {}),
    "agreements": ("case_id", {}),
    "service_records": ("case_id", {}),
    "follow_ups": ("case_id", {}),
    "case_persons": ("case_id", {}),
}
_INST_JSON = ("CASE WHEN (s.summary::jsonb ? 'institution_id') THEN jsonb_set(s.summary::jsonb, '{institution_id}', "
              "to_jsonb(COALESCE(i_sum.to_id, (s.summary->>'institution_id')::int)))::json ELSE s.summary END")


def _clone_sql(conn, table: str, key: str, overrides: dict, *, where: str = "", join_key: str | None = None) -> str:
    cols = _columns(conn, table)
    fks = _fk_targets(conn, table)
    names, exprs, joins = [], [], []
    for name, dtype in cols:
        if name == "id" and "id" not in overrides:
            continue  # the table's own sequence
        names.append(name)
        if name in overrides:
            exprs.append(overrides[name])
        elif name == key:
            exprs.append("c.case_id")
        elif name == "division_code":
            exprs.append("c.division_code")
        elif fks.get(name) == "users":
            joins.append(f"LEFT JOIN bench_actor_map m_{name} ON m_{name}.division_code = c.division_code "
                         f"AND m_{name}.from_id = s.{name}")
            exprs.append(f"COALESCE(m_{name}.to_id, s.{name})")
        elif fks.get(name) == "institutions":
            joins.append(f"LEFT JOIN bench_inst_map i_{name} ON i_{name}.division_code = c.division_code "
                         f"AND i_{name}.from_id = s.{name}")
            exprs.append(f"COALESCE(i_{name}.to_id, s.{name})")
        elif dtype.startswith("timestamp"):
            exprs.append(f"s.{name} - c.shift")
        elif dtype == "date":
            exprs.append(f"s.{name} - c.shift_days")
        elif name == "summary" and dtype == "json":
            joins.append("LEFT JOIN bench_inst_map i_sum ON i_sum.division_code = c.division_code "
                         "AND i_sum.from_id = (CASE WHEN (s.summary::jsonb ? 'institution_id') "
                         "THEN (s.summary->>'institution_id')::int END)")
            exprs.append(_INST_JSON)
        else:
            exprs.append(f"s.{name}")
    on = join_key or f"s.{key} = c.seed_id"
    return (f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} FROM bench_clones c "
            f"JOIN {table} s ON {on} {' '.join(joins)} {where}")


def _maps(conn) -> None:
    """Which account and institution of a county stands in for the one of 220102 that acted on a seed."""
    from sqlalchemy import text

    conn.execute(text("DROP TABLE IF EXISTS bench_actor_map, bench_inst_map"))
    conn.execute(text("CREATE TABLE bench_inst_map (division_code varchar(6), from_id int, to_id int, "
                      "PRIMARY KEY (division_code, from_id))"))
    conn.execute(text(f"""
        WITH seed AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM institutions
                      WHERE division_code = '{env.COUNTY}' AND name LIKE '%（压测）'),
             other AS (SELECT id, division_code, row_number() OVER (PARTITION BY division_code ORDER BY id) AS n,
                              count(*) OVER (PARTITION BY division_code) AS k
                       FROM institutions WHERE name LIKE '%（压测）')
        INSERT INTO bench_inst_map SELECT o.division_code, s.id, o.id FROM seed s JOIN other o
            ON o.n = ((s.n - 1) % o.k) + 1"""))
    conn.execute(text("CREATE TABLE bench_actor_map (division_code varchar(6), from_id int, to_id int, "
                      "to_name varchar(150), to_username varchar(150), PRIMARY KEY (division_code, from_id))"))
    # The officer and the county official by county; institution admins and staff by their institution.
    conn.execute(text(f"""
        INSERT INTO bench_actor_map
        SELECT u2.division_code, u1.id, u2.id, u2.display_name, u2.username FROM users u1
        JOIN user_roles r1 ON r1.user_id = u1.id AND r1.role IN ('referral_officer', 'county_official')
        JOIN users u2 ON u2.division_code IS NOT NULL AND u2.division_code LIKE '22____' AND u2.division_code NOT LIKE '%00'
        JOIN user_roles r2 ON r2.user_id = u2.id AND r2.role = r1.role
        WHERE u1.division_code = '{env.COUNTY}' AND u1.username LIKE 'bench-%' AND u2.username LIKE 'bench-%'
        ON CONFLICT DO NOTHING"""))
    conn.execute(text("""
        INSERT INTO bench_actor_map
        SELECT m.division_code, u1.id, u2.id, u2.display_name, u2.username FROM bench_inst_map m
        JOIN users u1 ON u1.institution_id = m.from_id
        JOIN user_roles r1 ON r1.user_id = u1.id
        JOIN users u2 ON u2.institution_id = m.to_id
        JOIN user_roles r2 ON r2.user_id = u2.id AND r2.role = r1.role
        ON CONFLICT DO NOTHING"""))


def multiply(app, target: int, *, batch: int = 200_000, timings: dict | None = None) -> None:
    from sqlalchemy import text

    from referral.calendar import today_in_china
    from referral.crypto.keys import keyring
    from referral.crypto.types import encrypt
    from referral.extensions import db
    from referral.id_hash import hash_key, id_hash, phone_hash
    from workflows.case import OPEN_CASE_STATES

    timings = timings if timings is not None else {}
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value bigint)"))
            current = conn.execute(text("SELECT count(*) FROM cases")).scalar()
            done = conn.execute(text("SELECT value FROM bench_meta WHERE key = 'clones'")).scalar() or 0
            if target <= current:
                print(f"[generate] {current} cases already (≥ {target}): nothing to add", flush=True)
                return
            _maps(conn)
            open_states = ", ".join(f"'{state.value}'" for state in OPEN_CASE_STATES)
            seeds = [tuple(r) for r in conn.execute(text(
                f"SELECT s.seed_id, s.is_minor, c.state IN ({open_states}) FROM bench_seeds s "
                "JOIN cases c ON c.id = s.seed_id ORDER BY s.seed_id"))]
            counties = [r[0] for r in conn.execute(text(
                "SELECT DISTINCT division_code FROM bench_inst_map ORDER BY division_code"))]
        ring, key = keyring(), hash_key()
        today = today_in_china()
        want = target - current
        n_seeds, n_counties = len(seeds), len(counties)
        print(f"[generate] multiply: {current} → {target} cases ({want} clones of {n_seeds} seeds over "
              f"{n_counties} counties)", flush=True)
        first, last = done, done + want
        start_all = time.perf_counter()
        for lo in range(first, last, batch):
            hi = min(lo + batch, last)
            t0 = time.perf_counter()
            raw = engine.raw_connection()
            try:
                cur = raw.cursor()
                cur.execute("DROP TABLE IF EXISTS bench_clones")
                cur.execute("""CREATE UNLOGGED TABLE bench_clones (k bigint, case_id int, seed_id int,
                    division_code varchar(6), shift interval, shift_days int, receipt_no varchar(16),
                    applicant_name varchar(64), id_enc text, id_hash varchar(64), phone_enc text,
                    phone_hash varchar(64))""")
                cur.execute("SELECT COALESCE(max(id), 0) FROM cases")
                id_base = cur.fetchone()[0] + 1
                with cur.copy("COPY bench_clones FROM STDIN") as copy:
                    for k in range(lo, hi):
                        seed_id, minor, still_open = seeds[k % n_seeds]
                        county = counties[(k + k // n_seeds) % n_counties]  # every county from the first 60 clones on
                        # Closed cases spread over three years; a case still open applied recently (its due date
                        # within a review interval of today, as the clock and the staged reviews keep it), not a
                        # three-year backlog in which every open case is years overdue.
                        span = OPEN_SPAN if still_open else THREE_YEARS
                        shift = 86400 + (k * 2654435761) % (span - 86400)
                        id_number = _id_number(k, county, minor, today)
                        phone = f"13{k:09d}"
                        copy.write_row((
                            k, id_base + (k - lo), seed_id, county, f"{shift} seconds", shift // 86400,
                            _receipt(k), SURNAMES[k % len(SURNAMES)] + GIVEN[(k // 7) % len(GIVEN)]
                            + GIVEN[(k // 311) % len(GIVEN)],
                            encrypt(ring, "cases.applicant_id_number", id_number), id_hash(id_number, key=key),
                            encrypt(ring, "cases.applicant_phone", phone), phone_hash(phone, key=key)))
                cur.execute("CREATE INDEX ON bench_clones (seed_id)")
                cur.execute("ANALYZE bench_clones")
                raw.commit()
            finally:
                raw.close()
            t1 = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(text(_clone_sql(conn, "cases", "id", {
                    "id": "c.case_id", "receipt_no": "c.receipt_no", "applicant_name": "c.applicant_name",
                    "applicant_id_number": "c.id_enc", "applicant_id_hash": "c.id_hash",
                    "applicant_phone": "c.phone_enc", "applicant_phone_hash": "c.phone_hash",
                    "duplicate_of_id": "NULL"}, join_key="s.id = c.seed_id")))
                conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
                t2 = time.perf_counter()
                steps = {"cases": t2 - t1}
                for table, (key_col, overrides) in CLONED.items():
                    t = time.perf_counter()
                    conn.execute(text(_clone_sql(conn, table, key_col, overrides)))
                    steps[table] = time.perf_counter() - t
                t = time.perf_counter()
                conn.execute(text(_clone_sql(conn, "audit_entries", "object_id", {
                    "object_id": "c.case_id::text", "actor_name": "COALESCE(m_actor_id.to_username, s.actor_name)",
                    "prev_hash": "encode(sha256(convert_to(s.prev_hash || c.k::text, 'UTF8')), 'hex')",
                    "hash": "encode(sha256(convert_to(s.hash || c.k::text, 'UTF8')), 'hex')"},
                    join_key="s.object_type = 'case' AND s.object_id = c.seed_id::text")))
                steps["audit_entries"] = time.perf_counter() - t
                conn.execute(text("INSERT INTO bench_meta VALUES ('clones', :v) ON CONFLICT (key) "
                                  "DO UPDATE SET value = excluded.value"), {"v": hi})
            took = time.perf_counter() - t0
            print(f"[generate]   clones {lo}–{hi}: {took:.1f} s (python+COPY {t1 - t0:.1f} s; "
                  + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()) + ")", flush=True)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS bench_clones"))
        timings[f"multiply to {target}"] = time.perf_counter() - start_all


def analyze(app) -> None:
    """VACUUM (ANALYZE): a bulk load leaves the visibility map unset and the summary table's rebuild leaves dead
    rows, which autovacuum would clean up in a deployment; measured before that, index-only scans read the heap."""
    from sqlalchemy import text

    from referral.extensions import db

    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))


def counts(app) -> dict:
    from sqlalchemy import text

    from referral.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in (
                "cases", "case_events", "audit_entries", "referrals", "assessments", "agreements", "service_records",
                "follow_ups", "case_persons", "institutions", "users")}


def sample_check(app, n: int = 300) -> None:
    """A sample of the cases read back through the app's own types: decrypted, hashed as the app hashes, the 身份证号
    valid by the app's own rule (forms/fields.py) — so a change of the key or the format shows here, not in a page."""
    from sqlalchemy import func, select

    from forms.fields import id_number_problem
    from referral.cases.models import Case
    from referral.extensions import db
    from referral.id_hash import id_hash, phone_hash

    with app.app_context():
        rows = db.session.scalars(select(Case).order_by(func.random()).limit(n)).all()
        bad = [c.id for c in rows if id_number_problem(c.applicant_id_number) is not None
               or id_hash(c.applicant_id_number) != c.applicant_id_hash
               or phone_hash(c.applicant_phone) != c.applicant_phone_hash]
        receipts = db.session.scalar(select(func.count(func.distinct(Case.receipt_no))))
        total = db.session.scalar(select(func.count()).select_from(Case))
        counties = db.session.scalar(select(func.count(func.distinct(Case.division_code))))
        span = db.session.execute(select(func.min(Case.applied_at), func.max(Case.applied_at))).one()
    print(f"[generate]   check: {len(rows) - len(bad)}/{len(rows)} sampled cases decrypt, hash and validate; "
          f"{receipts}/{total} receipt numbers distinct; {counties} counties; applied {span[0]:%Y-%m-%d} … "
          f"{span[1]:%Y-%m-%d}", flush=True)
    if bad or receipts != total:
        raise RuntimeError(f"bench data check failed: cases {bad[:10]}")


def fresh(app, timings: dict) -> None:
    with phase("wipe + migrate + divisions", timings):
        wipe_and_migrate(app)
    with phase("accounts + institutions", timings):
        accounts_and_institutions(app)
    with phase("seed cases through the services", timings):
        seed_cases(app)


def rebuild_stats(app) -> None:
    """The clones were written by SQL, past the summary table's upkeep (referral/stats/rollup.py): recount it, as
    `flask stats rebuild` does after any bulk load (docs/domain.md#statistics)."""
    from referral.extensions import db
    from referral.stats.rollup import rebuild

    with app.app_context():
        n = rebuild(db.session.connection())
        db.session.commit()
    print(f"[generate]   stats_facts recounted from {n} cases", flush=True)


def grow(app, target: int, timings: dict) -> None:
    with phase(f"multiply to {target}", timings):
        multiply(app, target)
    with phase(f"stats rebuild at {target}", timings):
        rebuild_stats(app)
    with phase(f"VACUUM ANALYZE at {target}", timings):
        analyze(app)
    sample_check(app)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="wipe the bench database and seed it")
    parser.add_argument("--to", help="grow to this many cases (10k, 100k, 1m, or a number)")
    args = parser.parse_args(argv)
    app = make_app()
    timings: dict = {}
    print(f"[generate] database {env.database_url()}", flush=True)
    if args.fresh:
        fresh(app, timings)
    else:
        with phase("migrations (flask db upgrade)", timings):
            migrate_only(app)
    if args.to:
        grow(app, parse_scale(args.to), timings)
    print(f"[generate] rows: {counts(app)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
