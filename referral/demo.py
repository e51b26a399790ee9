"""The demo province: 吉林省 with 长春市 (南关区, 朝阳区) and 吉林市 (昌邑区, 船营区) — real GB/T 2260 codes —
one account per role, and institutions and talent in every approval state, each brought there through
the real services and the approval machine (so the demo also exercises them)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from stdnum.cn import ric, uscc
from werkzeug.datastructures import FileStorage

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.auth.services import accept_account_pledge, create_user, set_user_active
from referral.calendar import today_in_china
from referral.divisions.models import Division
from referral.divisions.services import import_divisions
from referral.extensions import db
from referral.registries.models import Institution
from workflows.approval import ApprovalState

PROVINCE = "220000"
COUNTY = "220102"  # 长春市南关区: where the demo's county-level accounts work
MAIN_INSTITUTION = "南关区阳光家园精神障碍社区康复服务中心"

# username, display name (the person: it is printed as 承诺人 on the account's 保密承诺书), role, division,
# the person's birth date (their 身份证号; None: not given)
ACCOUNTS = (
    ("demo-sysadmin", "赵志刚", Role.SYSADMIN, None, None),
    ("demo-province", "王芳", Role.PROVINCE_OFFICIAL, PROVINCE, "19740926"),
    ("demo-city", "李强", Role.CITY_OFFICIAL, "220100", "19780314"),
    ("demo-county", "张敏", Role.COUNTY_OFFICIAL, COUNTY, "19830705"),
    ("demo-county-chaoyang", "刘洋", Role.COUNTY_OFFICIAL, "220104", "19861122"),
    ("demo-referral", "陈静", Role.REFERRAL_OFFICER, COUNTY, "19900417"),
    ("demo-hospital", "周建华", Role.MEDICAL_ASSISTER, None, "19760208"),  # 长春市第六医院 社会工作部
    ("demo-community", "吴秀兰", Role.COMMUNITY_ASSISTER, None, "19690830"),  # 南关区曙光街道 儿童主任
)
DISABLED_ACCOUNT = ("demo-disabled", "何志远", Role.REFERRAL_OFFICER, "220202", None)
#: Accounts that have not signed in yet, so their first sign-in shows the 保密承诺书 page; every other demo
#: account accepted it when it first signed in (docs/domain.md#personal-data).
NOT_YET_SIGNED_IN = {"demo-county-chaoyang", "demo-disabled"}

# The institutions' files: legal representative (also the admin account's holder), address, telephone,
# premises (m²), opening hours. Real streets of 南关区 and 朝阳区; made-up numbers.
INSTITUTION_FILES = {
    MAIN_INSTITUTION: ("刘淑琴", "长春市南关区自由大路 1288 号", "0431-85612378", 420, "周一至周五 8:30-16:30；周六 9:00-12:00"),
    "南关区康馨日间照料站": ("王桂兰", "长春市南关区东岭南街 356 号", "0431-84672315", 180, "周一至周五 8:00-16:00"),
    "南关区心晴工疗站": ("马建国", "长春市南关区全安街 88 号", "0431-88927641", 260, "周一至周五 8:30-16:30"),
    "朝阳区同心康复家园": ("孙德明", "长春市朝阳区红旗街 1175 号", "0431-85367720", 310, "周一至周六 8:30-17:00"),
    "南关区益康社会工作服务中心": ("杨丽娜", "长春市南关区亚泰大街 2566 号", "0431-81925537", 150, "周一至周五 9:00-17:00"),
    "南关区明德康复服务社": ("高志强", "长春市南关区永吉街 41 号", "0431-88463092", 120, "周一至周五 8:30-16:00"),
    "南关区安宁康复站": ("徐凤霞", "长春市南关区曙光路 203 号", "0431-84218806", 200, "周一至周五 8:00-16:30"),
    "朝阳区怡心康复中心": ("韩立军", "长春市朝阳区湖西路 618 号", "0431-85983147", 340, "周一至周五 8:30-17:00"),
    "南关区原野康复驿站": ("邱晓峰", "长春市南关区南湖大路 1855 号", "0431-81770264", 160, "周一至周五 9:00-16:00"),
    "南关区晨光康复之家": ("曹秀梅", "长春市南关区桃源路 127 号", "0431-88651943", 230, "周一至周五 8:30-16:30"),
}
# The organisation-code part of each 统一社会信用代码 (52: 民政登记 社会服务机构; then the county; MJ…).
ORG_CODES = ("MJY27401X", "MJ0384751", "MJ1529346", "MJ2761085", "MJ3045928", "MJ4183607", "MJ5602419",
             "MJ6917350", "MJ7340862", "MJ8826174")

# name, county, the events that bring it to its state (None: the main institution's own path)
INSTITUTIONS = (
    ("南关区康馨日间照料站", COUNTY, ()),
    ("南关区心晴工疗站", COUNTY, ("submit",)),
    ("朝阳区同心康复家园", "220104", ("submit", "county_approve")),
    ("南关区益康社会工作服务中心", COUNTY, ("submit", "county_return")),
    ("南关区明德康复服务社", COUNTY, ("submit", "county_reject")),
    ("南关区安宁康复站", COUNTY, ("submit", "county_approve", "city_confirm", "suspend")),
    ("朝阳区怡心康复中心", "220104", ("submit", "county_approve", "city_confirm", "propose_removal")),
    ("南关区原野康复驿站", COUNTY, ("submit", "county_approve", "city_confirm", "propose_removal",
                                   "submit_statement", "remove")),
    ("南关区晨光康复之家", COUNTY, ("submit", "county_approve", "city_confirm", "withdraw")),
)
# name, category, 职务, birth date, mobile, certificate number (the professions' own formats), events — all
# employed by the main institution; 孙丽 is also its staff account (demo-institution-staff).
TALENTS = (
    ("孙丽", "direct_service", "康复部主管", "19880523", "13844127605", None, ("submit", "county_approve", "city_confirm")),
    ("周凯", "psychiatrist", "特聘精神科医师", "19720916", "13904312287", "110220100003175",
     ("submit", "county_approve", "city_confirm")),
    ("吴芳", "social_worker", "社会工作部主任", "19910304", "15843058126", "S2201190035", ()),
    ("郑涛", "nurse", "护士长", "19850127", "18643120954", "201722004517", ("submit",)),
    ("冯雪", "rehab_technician", "作业治疗师", "19930811", "13578906341", "TJ2201200873", ("submit", "county_approve")),
    ("陈晨", "volunteer", "志愿者", "19990602", "15204318870", None, ("submit", "county_return")),
    ("褚亮", "psychotherapist", "心理治疗师", "19870419", "13689806215", "XL2201190415", ("submit", "county_reject")),
    ("卫东", "direct_service", "康复指导员", "19811030", "13104416728", None,
     ("submit", "county_approve", "city_confirm", "suspend")),
    ("蒋琴", "rehab_physician", "康复医师", "19790712", "13943079562", "110220104001268",
     ("submit", "county_approve", "city_confirm", "propose_removal")),
    ("沈洁", "direct_service", "康复指导员", "19920225", "18243105379", None,
     ("submit", "county_approve", "city_confirm", "revoke")),
    ("韩梅", "volunteer", "志愿者", "19960918", "15981013462", None,
     ("submit", "county_approve", "city_confirm", "withdraw")),
)
CERTIFICATE_ISSUERS = {"psychiatrist": "长春市卫生健康委员会", "rehab_physician": "长春市卫生健康委员会",
                       "nurse": "长春市卫生健康委员会", "rehab_technician": "吉林省卫生健康委员会",
                       "psychotherapist": "吉林省卫生健康委员会", "social_worker": "吉林省人力资源和社会保障厅"}
REASONS = {"county_return": "请补充场地照片和消防验收材料。", "county_reject": "不具备法人资格。",
           "suspend": "消防检查发现隐患，整改期间暂停接收转介。", "propose_removal": "年度抽查不合格。",
           "remove": "陈述申辩理由不成立，整改不到位。", "revoke": "资格证书已过期未续。",
           "submit_statement": "我们已于本月完成整改，附整改报告。"}


def _credit_code(n: int, county: str) -> str:
    base = f"52{county}{ORG_CODES[n]}"  # 5 民政, 2 社会服务机构, the county, an organisation code: made up, well-formed
    return base + uscc.calc_check_digit(base)


def _id_number(n: int, birth: str) -> str:
    base = f"220102{birth}{n:03d}"
    return base + ric.calc_check_digit(base + "0")


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (235, 240, 245)).save(buffer, format="PNG")
    return buffer.getvalue()


COUNTY_NAMES = {COUNTY: "南关区", "220104": "朝阳区"}


def _institution_data(name: str, county: str, n: int) -> dict:
    representative, address, phone, area, hours = INSTITUTION_FILES[name]
    return {"name": name, "credit_code": _credit_code(n, county),
            "registration_authority": f"长春市{COUNTY_NAMES[county]}民政局",
            "legal_form": "social_service_org", "legal_representative": representative,
            "address": address, "division_code": county, "service_area": [county],
            "service_types": ["服药训练", "生活技能训练", "社交技能训练", "家庭支持"], "capacity": 30,
            "free_places": 12 if n == 0 else 4 + n % 5, "opening_hours": hours, "premises_area": Decimal(area),
            "contact_name": representative, "contact_phone": phone,
            "is_assessment_referral": n == 0, "grade": None, "description": ""}


def seed(password_factory) -> list[tuple[str, str, str]]:
    from referral.attachments.services import store_upload
    from referral.registries import services

    if db.session.get(Division, PROVINCE) is None:
        import_divisions()
    credentials: list[tuple[str, str, str]] = []
    users: dict[str, User] = {}
    for n, (username, name, role, division, birth) in enumerate((*ACCOUNTS, DISABLED_ACCOUNT), start=1):
        existing = db.session.scalar(db.select(User).where(User.username == username))
        if existing is not None:
            users[username] = existing
            continue
        password = password_factory()
        users[username] = create_user(actor=None, username=username, password=password, roles=[role],
                                      display_name=name, division_code=division,
                                      id_number=_id_number(100 + n, birth) if birth else None)
        if username not in NOT_YET_SIGNED_IN:
            accept_account_pledge(users[username], signer_name=name)
        if username == DISABLED_ACCOUNT[0]:
            set_user_active(users[username], actor=None, active=False)
        credentials.append((username, password, role.value))

    if db.session.scalar(db.select(Institution.id).where(Institution.name == MAIN_INSTITUTION)) is not None:
        return credentials
    deciders = {"county": users["demo-county"], "city": users["demo-city"]}
    county_of = {COUNTY: users["demo-county"], "220104": users["demo-county-chaoyang"]}

    def walk(entry, owner, events):
        for event in events:
            level = {"county_approve": "county", "county_return": "county", "county_reject": "county",
                     "suspend": "county", "propose_removal": "county", "revoke": "county",
                     "city_confirm": "city", "remove": "city"}.get(event)
            actor = owner if level is None else (county_of[entry.division_code] if level == "county"
                                                 else deciders["city"])
            services.advance_entry(entry, actor=actor, event=event, reason=REASONS.get(event, ""),
                                   statement=REASONS.get(event, ""), accept_pledges=event == "submit",
                                   signer_name=owner.name,
                                   reason_code="qualification_lapsed" if event == "revoke" else None)

    def register(name, county, n, username, password):
        data = _institution_data(name, county, n)
        admin, inst = services.register_institution(username=username, password=password,
                                                    admin_name=data["legal_representative"], data=data)
        accept_account_pledge(admin, signer_name=admin.name)
        store_upload(FileStorage(io.BytesIO(_png()), filename="登记证书.png"), owner_type="institution",
                     owner_id=inst.id, kind="licence_scan", actor=admin, division_code=county)
        return admin, inst

    # The main institution: listed, with the demo institution admin and staff accounts.
    password = password_factory()
    main_admin, main = register(MAIN_INSTITUTION, COUNTY, 0, "demo-institution-admin", password)
    credentials.append(("demo-institution-admin", password, Role.INSTITUTION_ADMIN.value))
    services.add_licence(main, actor=main_admin, name="民办非企业单位登记证书", number=main.credit_code,
                         issuer="长春市南关区民政局", valid_until=date(2029, 6, 30))
    walk(main, main_admin, ("submit", "county_approve", "city_confirm"))
    password = password_factory()
    staff_name, _category, _position, staff_birth, *_rest = TALENTS[0]
    staff = create_user(actor=None, username="demo-institution-staff", password=password,
                        roles=[Role.INSTITUTION_STAFF], display_name=staff_name, institution_id=main.id,
                        id_number=_id_number(1, staff_birth))
    accept_account_pledge(staff, signer_name=staff_name)
    credentials.append(("demo-institution-staff", password, Role.INSTITUTION_STAFF.value))

    for n, (name, county, events) in enumerate(INSTITUTIONS, start=1):
        admin, inst = register(name, county, n, f"demo-inst-{n}", password_factory())
        walk(inst, admin, events)

    for n, (name, category, position, birth, phone, certificate, events) in enumerate(TALENTS, start=1):
        talent = services.create_talent(actor=main_admin, user=staff if name == staff_name else None, data={
            "name": name, "id_number": _id_number(n, birth), "category": category, "division_code": COUNTY,
            "phone": phone, "position": position, "certificate_number": certificate,
            "certificate_issuer": CERTIFICATE_ISSUERS.get(category) if certificate else None,
            "certificate_valid_until": date(2029, 12, 31) if certificate else None})
        walk(talent, main_admin, events)
        if category == "direct_service" and talent.state == ApprovalState.LISTED:
            # One meets the 20-hour rule, the other falls short (the shortfall list has someone on it).
            hours = Decimal("24") if name == "孙丽" else Decimal("6")
            services.add_training(talent, actor=main_admin, day=today_in_china() - timedelta(days=30), hours=hours,
                                  provider="长春市精神卫生中心", topic="精神障碍社区康复基础")
    _seed_cases(users, main_admin, main)

    # Supervision: a spot-check draw with one result, an evaluation, a public complaint being handled.
    from referral.supervision import services as supervision

    draw = supervision.draw_spot_checks(actor=users["demo-county"])
    supervision.record_spot_check(draw.checks[0], actor=users["demo-county"], result="pass",
                                  findings="服务记录完整，场地整洁，消防设施合格。")
    supervision.add_evaluation(main, actor=users["demo-county"], period=f"{today_in_china().year - 1} 年度", score=91,
                               conclusion="excellent", comment="服务规范，家属满意度高。")
    complaint = supervision.file_complaint(main, content="周末不开放，家属接送不便，建议增加周六服务。")
    supervision.act_on_complaint(complaint, actor=users["demo-county"], action="handle")
    db.session.flush()
    return credentials


# applicant name, birth date, channel, home address, mobile, the events that bring the case to its state (who
# acts is by event). Real streets and 小区 of 南关区; made-up numbers.
CASES = (
    ("周一鸣", "19800312", "self", "长春市南关区民康路 312 号 桃源小区 3 栋 2 单元 501 室", "13843106275", ()),
    ("吴晓燕", "19760921", "medical", "长春市南关区全安街 57 号 6 栋 1 单元 302 室", "15943012864", ("return",)),
    ("郑国强", "19690105", "medical", "长春市南关区永吉街 128 号 2 单元 401 室", "13604413597", ("reject",)),
    ("王海涛", "19880717", "medical", "长春市南关区曙光路 89 号 曙光小区 11 栋 3 单元 602 室", "18643079218",
     ("register",)),
    ("冯丽娟", "19910430", "other", "长春市南关区东岭南街 1466 号 东岭家园 5 栋 1 单元 201 室", "13756810942",
     ("register", "refer")),
    ("陈建华", "19830614", "medical", "长春市南关区南湖大路 2999 号 南湖新村 8 栋 4 单元 303 室", "13504320187",
     ("register", "refer", "accept")),
    ("褚晓明", "19950228", "medical", "长春市南关区亚泰大街 3017 号 2 栋 2 单元 1102 室", "18844153026",
     ("register", "refer", "accept", "assess")),
    ("卫红梅", "19720808", "medical", "长春市南关区西五马路 36 号 3 单元 502 室", "13159703468",
     ("register", "refer", "accept", "assess", "sign_agreement")),
    ("蒋志强", "19870119", "medical", "长春市南关区解放大路 2466 号 金色家园 4 栋 1 单元 701 室", "15643127705",
     ("register", "refer", "accept", "assess", "sign_agreement", "review")),
    ("沈玉兰", "19650402", "medical", "长春市南关区桃源路 219 号 1 栋 3 单元 101 室", "13596045813",
     ("register", "refer", "accept", "assess", "sign_agreement", "close")),
    ("韩立新", "19790925", "medical", "长春市南关区大马路 1598 号 4 单元 602 室", "18904317326",
     ("register", "refer", "accept", "assess", "sign_agreement", "close", "follow_up", "follow_up")),
    ("杨春花", "19840611", "self", "长春市南关区自由大路 5588 号 自由城 12 栋 2 单元 402 室", "13843012579",
     ("register", "withdraw")),
    ("朱小宝", None, "other", "长春市南关区幸福街 77 号 幸福里小区 2 栋 1 单元 301 室", "13904315528",
     ("register",)),  # a minor: the guardian's consent and phone; 儿童主任 helped
)


# The person's record of each demo case (docs/domain.md#the-persons-record): 民族, marriage, schooling, work,
# living, diagnosis (ICD-10) with its year, medicines, 残疾人证 grade (the number is the ID number + 6 for 精神
# + the grade), 低保/特困, 医保, 纳入严重精神障碍管理 — so printed forms look like real ones.
_MEDS = {
    "利培酮": ("利培酮", "2mg", "每日两次"), "奥氮平": ("奥氮平", "10mg", "每晚一次"),
    "阿立哌唑": ("阿立哌唑", "10mg", "每日一次"), "碳酸锂": ("碳酸锂", "0.25g", "每日三次"),
    "丙戊酸镁": ("丙戊酸镁缓释片", "250mg", "每日两次"), "舍曲林": ("舍曲林", "50mg", "每日一次"),
    "帕罗西汀": ("帕罗西汀", "20mg", "每日早饭后一次"), "氯氮平": ("氯氮平", "25mg", "每晚一次"),
}
PERSONS = {  # name: (民族, marital, education, employment, living, ICD-10, year, medicines, grade, 低保, 医保, 精防)
    "周一鸣": ("01", "married", "bachelor_or_above", "employed", "with_family", "F32", 2021, ("舍曲林",), None,
            False, "employee", False),
    "吴晓燕": ("01", "divorced", "senior_secondary", "unemployed", "with_family", "F31", 2012, ("碳酸锂", "奥氮平"), 3,
            False, "resident", True),
    "郑国强": ("03", "married", "junior_secondary", "not_working", "with_family", "F20", 1995, ("氯氮平",), 2,
            True, "resident", True),
    "王海涛": ("01", "unmarried", "senior_secondary", "unemployed", "with_family", "F20", 2010, ("利培酮",), 3,
            False, "resident", True),
    "冯丽娟": ("10", "married", "junior_college", "not_working", "with_family", "F25", 2016, ("阿立哌唑", "丙戊酸镁"), 3,
            False, "resident", True),
    "陈建华": ("01", "unmarried", "junior_secondary", "not_working", "with_family", "F20", 2005, ("利培酮",), 2,
            True, "resident", True),
    "褚晓明": ("11", "unmarried", "bachelor_or_above", "unemployed", "with_family", "F20", 2017, ("奥氮平",), 4,
            False, "resident", True),
    "卫红梅": ("01", "widowed", "primary", "retired", "alone", "F22", 2001, ("利培酮",), 2, True, "resident", True),
    "蒋志强": ("02", "divorced", "senior_secondary", "unemployed", "with_family", "F31", 2009, ("碳酸锂", "丙戊酸镁"), 3,
            False, "resident", True),
    "沈玉兰": ("01", "married", "junior_secondary", "retired", "with_family", "F20", 1990, ("氯氮平",), 2,
            True, "employee", True),
    "韩立新": ("01", "unmarried", "senior_secondary", "employed", "with_family", "F20", 2008, ("阿立哌唑",), 4,
            False, "resident", True),
    "杨春花": ("01", "married", "junior_college", "employed", "with_family", "F33", 2019, ("帕罗西汀",), None,
            False, "employee", False),
    "朱小宝": ("01", "unmarried", "primary", "student", "with_family", "F84", None, (), 2, False, "resident", False),
}


def _person_record(name: str, id_number: str) -> dict:
    """The applicant's record as the application form takes it (DESIGN §3.5 payload names)."""
    (ethnicity, marital, education, employment, living, icd10, year, meds, grade, allowance, insurance,
     registered) = PERSONS[name]
    return {
        "ethnicity": ethnicity, "marital_status": marital, "education": education, "employment": employment,
        "living_arrangement": living,
        "diagnosis": {"icd10": icd10, "name": None, "diagnosed_on": date(year, 3, 15) if year else None},
        "medications": [dict(zip(("name", "dose", "frequency"), _MEDS[m], strict=True)) for m in meds],
        "disability_certificate": {"number": f"{id_number}6{grade}", "grade": grade} if grade else None,
        "subsistence_allowance": allowance, "medical_insurance": insurance, "smd_registered": registered,
    }


def _seed_cases(users, main_admin, main):
    """Cases in every state of docs/domain.md#case-machine, walked through the real machine by the demo accounts."""
    from referral.cases import services as cases

    staff = db.session.scalar(db.select(User).where(User.username == "demo-institution-staff"))
    officer, hospital, community = users["demo-referral"], users["demo-hospital"], users["demo-community"]
    today = today_in_china()
    from referral.cases.queries import assessor_choices

    assessors = assessor_choices(main.id)  # the main institution's listed talent, by whatever names they have
    payloads = {
        "register": {"verification": "已核对身份证、户籍和出院小结，符合申请条件。"},
        "return": {"reason": "请补充近期诊断证明。"}, "reject": {"reason": "户籍和居住地均不在本县。"},
        "refer": {"institution_id": main.id}, "accept": {},
        # Issue 12: every field of the standard forms filled, so the printed forms look real.
        "assess": {"result": "suitable", "assessment": {
            "risk_grade": 1, "place": "机构内评估室", "assessors": [tid for tid, _name in assessors[:2]],
            "mental_state": "幻听减少，情绪平稳，偶有猜疑。", "insight": "partial", "medication_adherence": "regular",
            "physical_health": "体重略增，血压正常。", "social_function": "能自理生活，社交较被动。",
            "personal_care": "good", "housework": "fair", "work": "poor", "learning": "fair", "social_contact": "poor",
            "self_care": "good", "social_adaptation": "fair", "employability": "poor",
            "family_support": "与父母同住，家属支持康复。", "needs_wishes": "希望学会做饭，将来找一份工作。",
            "sdss": 7, "psp": 62, "gaf": 58, "adl": 18,
            "recommended_items": ["服药训练", "社交技能训练", "职业康复训练"],
            "plan": "服药训练每周两次，社交技能训练每周一次。", "next_review_date": today + timedelta(days=90)}},
        # No items given: the agreement takes the assessment's recommendations; no signer: the person (本人).
        "sign_agreement": {"agreement": {"start_date": today, "end_date": today + timedelta(days=180),
                                         "form": "day", "place": main.address, "frequency": "每周三次",
                                         "fee_amount": "0", "fee_payer": "government"}},
        "review": {"assessment": {"risk_grade": 0, "place": "机构内评估室", "assessors": [tid for tid, _n in assessors[:1]],
                                  "mental_state": "症状基本消失。", "insight": "complete",
                                  "medication_adherence": "regular", "social_contact": "fair", "sdss": 5, "psp": 70,
                                  "recommended_items": ["服药训练", "职业康复训练"], "plan": "增加职业康复训练。"}},
        "close": {"reason_code": "goals_met", "assessment": {
            "risk_grade": 0, "place": "入户", "assessors": [tid for tid, _n in assessors[:1]],
            "mental_state": "病情稳定。", "insight": "complete", "medication_adherence": "regular", "work": "fair",
            "employability": "fair", "gaf": 72, "plan": "目标达成，转为定期回访。"}},
        # The demo makes its whole history today, so its follow-ups are early and say why.
        "follow_up": {"reason": "演示数据：提前回访。",
                      "follow_up": {"method": "phone", "contact_person": "本人", "contact_relation": "本人",
                                    "condition": "情况稳定，已就业。", "relapsed": False, "readmitted": False,
                                    "satisfaction": "satisfied", "next_step": "continue"}},
        "withdraw": {"reason": "家属决定暂不接受服务。"},
    }
    actor_of = {"register": officer, "return": officer, "reject": officer, "refer": officer, "withdraw": officer,
                "accept": main_admin}
    from flask import current_app

    from referral.cases.eligibility import groups_served

    # The optional groups only where the demo province's profile serves them (docs/domain.md#eligibility-groups).
    served = {str(g) for g in groups_served(current_app.config, COUNTY)}
    for n, (name, birth, channel, address, phone, events) in enumerate(CASES, start=1):
        birth = birth or (today - timedelta(days=365 * 13)).strftime("%Y%m%d")
        creator = {"self": None, "medical": hospital, "other": community}[channel]
        group = "autism" if name == "朱小宝" else "depression" if channel == "self" else "severe_mental_disorder"
        case = cases.submit_application(actor=creator, data={
            "person": _person_record(name, _id_number(200 + n, birth)),
            "channel": channel, "name": name, "id_number": _id_number(200 + n, birth), "division_code": COUNTY,
            "phone": phone, "address": address, "needs": "出院后希望恢复生活自理和社交能力。",
            "service_types": ["服药训练", "社交技能训练"], "assister_role": "儿童主任" if channel == "other" else "",
            "consent_signer": "guardian" if name == "朱小宝" else "applicant",
            "guardian_name": "朱大海" if name == "朱小宝" else "", "guardian_phone": phone if name == "朱小宝" else "",
            "guardian_relation": "父亲" if name == "朱小宝" else "",
            "eligibility_group": group if group in served else "other_mental_disorder"})
        for event in events:
            cases.advance_case(case, actor=actor_of.get(event, staff), event=event, **payloads[event])


# --- supervision (issue 11): demand lists, clocks that ran out, the notifications they cause --------------

def seed_supervision() -> dict:
    """After ``seed`` is committed: the health department's and 残联's lists for the demo county (some of the
    demo's applicants among them, some never reached), two clocks that ran out, and the clock job's
    notifications — so the dashboard, the demand page and the bells show something on the first visit.
    The imports commit as they go (``run_import``), like the real ones."""
    from referral.cases.models import Case
    from referral.demand.services import request_import, run_import
    from referral.notifications.services import escalate

    today = today_in_china()
    applicants = [_id_number(200 + n, birth or (today - timedelta(days=365 * 13)).strftime("%Y%m%d"))
                  for n, (_name, birth, *_rest) in enumerate(CASES, start=1)]
    never_reached = [_id_number(500 + n, f"19{60 + n}0101") for n in range(1, 9)]
    lists = {"health": applicants[3:10] + never_reached, "cdpf": applicants[5:8] + never_reached[:3]}
    county = db.session.scalar(db.select(User).where(User.username == "demo-county"))
    added = {}
    for source, numbers in lists.items():
        body = "身份证号,行政区划代码,登记日期\n" + "".join(f"{n},{COUNTY},{today.year - 1}-06-30\n" for n in numbers)
        imp = request_import(actor=county, source=source, file_name=f"演示-{source}.csv",
                             content=("\ufeff" + body).encode("utf-8"), enqueue=False)
        db.session.commit()
        added[source] = run_import(imp.id).added
    # Two steps whose clock ran out before the demo began (the demo itself happens today): a registered
    # application waiting for a referral, and a referral waiting for the institution's answer.
    for name, days in (("王海涛", 12), ("冯丽娟", 4)):
        case = db.session.scalar(db.select(Case).where(Case.applicant_name == name))
        case.due_date = today - timedelta(days=days)
    db.session.flush()
    notified = escalate().created
    db.session.commit()
    return {"demand": added, "notifications": notified}
