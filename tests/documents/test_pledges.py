"""T1 保密承诺书 and T2 服务承诺书 (referral/documents/pledges.py), rendered for real registry entries and
accounts, and blank.

Assertions are on what a reader gets: the text pypdf extracts and the fonts the PDF embeds (docs/architecture.md#tests, PDF
tests). The entries are built through the registry services, so the pledges on record are the ones the
submit step writes."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from flask import current_app
from pypdf import PdfReader

from referral.auth.models import AccountPledge
from referral.auth.permissions import Role
from referral.documents.catalog import render_document
from referral.documents.context import format_datetime
from referral.documents.pledges import (
    LEGAL_FORM_LABELS,
    PLEDGE_CLAUSES,
    ROLE_LABELS,
    TALENT_CATEGORY_LABELS,
    blank_confidentiality_pledge,
    blank_service_pledge,
    confidentiality_pledge_context,
    service_pledge_context,
)
from referral.extensions import db
from referral.registries.models import LegalForm, Pledge, PledgeKind, TalentCategory
from referral.registries.services import PLEDGE_TEXT_VERSION, create_talent
from tests.documents.pdfcheck import check_fonts, check_plain, check_text_covered, flat, text_of
from tests.helpers import CREDIT_CODE, fire, id_number

ISSUED_ON = date(2026, 3, 2)
TALENT_ID_NUMBER = id_number("19900315", 246)
OFFICER_ID_NUMBER = id_number("19870412", 318)


@pytest.fixture
def talent(people):
    """A social worker registered by the institution's admin (so employed there) and submitted: the
    submit step records her 保密承诺书."""
    talent = create_talent(actor=people["inst_admin"], data={
        "name": "王芳", "id_number": TALENT_ID_NUMBER, "category": "social_worker", "division_code": "220102",
        "phone": "13800005678", "position": "康复部社工督导", "certificate_number": "SG-2021-017", "certificate_issuer": "长春市民政局",
        "certificate_valid_until": date(2030, 12, 31)})
    db.session.commit()
    return fire(talent, people["inst_admin"], "submit", signer_name="王芳")


def one_page(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    text = flat(text_of(data))
    assert "第1页共1页" in text
    check_text_covered(text)
    check_fonts(data)
    return text


def clauses(code: str) -> list[str]:
    return list(PLEDGE_CLAUSES[PLEDGE_TEXT_VERSION][code])


def numbered_in(text: str, code: str) -> None:
    """Every clause of the current text, numbered 一、二、… in order."""
    for numeral, clause in zip("一二三四五六七八九十", clauses(code), strict=False):
        assert flat(f"{numeral}、{clause}") in text, clause


def pledge_of(kind: PledgeKind, **owner) -> Pledge:
    return db.session.scalar(db.select(Pledge).filter_by(kind=kind, **owner))


# --- T1 保密承诺书 -------------------------------------------------------------------------------------------

def test_confidentiality_pledge_of_a_talent(talent, people):
    context = confidentiality_pledge_context(talent, issued_on=ISSUED_ON, verification_code="8C2L-Q7TW")
    assert context["number"] == f"JK-CFP-T{talent.id}-20260302"
    text = one_page(render_document(context))
    signed = pledge_of(PledgeKind.CONFIDENTIALITY, talent_id=talent.id)
    for value in ("保密承诺书", "承诺人", "王芳", "职务", "康复部社工督导", "身份证号", TALENT_ID_NUMBER, "人员类别", "社会工作者",
                  "所在地区", "长春市南关区", "所在机构", people["inst"].name, "承诺人（签字）", "日期",
                  f"承诺文本版本：{PLEDGE_TEXT_VERSION}", f"本承诺已由王芳于{format_datetime(signed.signed_at)}",
                  "特此承诺。", context["number"], "2026年03月02日", "8C2L-Q7TW"):
        assert flat(value) in text, value
    numbered_in(text, "confidentiality_pledge")
    assert "承诺单位（盖章）" not in text  # a person signs; no seal


def test_a_self_registered_talent_prints_the_account_and_its_position(people):
    officer = people["officer"]
    talent = create_talent(actor=officer, data={"name": "刘转介", "id_number": id_number("19880808", 135),
                                                "category": "referral_staff", "division_code": "220102",
                                                "phone": "13800000001", "position": "转介服务组组长"})
    db.session.commit()
    subject = confidentiality_pledge_context(talent)["subject"]
    assert subject["account"] == officer.username and subject["role"] == "转介服务人员"
    assert subject["institution"] == ""  # no employer on file: a line to fill in
    assert subject["position"] == "转介服务组组长"
    assert confidentiality_pledge_context(talent)["accepted"]["recorded"] is False  # a draft: not yet accepted
    fire(talent, officer, "submit", signer_name="刘转介")
    signed = pledge_of(PledgeKind.CONFIDENTIALITY, talent_id=talent.id)
    assert confidentiality_pledge_context(talent)["accepted"] == {
        "recorded": True, "signer": "刘转介", "signed_at": format_datetime(signed.signed_at)}
    # The account's own pledge is the one it accepted at sign-in (AccountPledge), not its entry's.
    own = db.session.scalar(db.select(AccountPledge).where(AccountPledge.user_id == officer.id))
    assert confidentiality_pledge_context(officer)["accepted"] == {
        "recorded": True, "signer": own.signer_name, "signed_at": format_datetime(own.signed_at)}
    assert own.signer_name == "转介员"  # signed at sign-in with the account's name (tests/factories.py)
    # …and the account's 职务 is its talent entry's.
    assert confidentiality_pledge_context(officer)["subject"]["position"] == "转介服务组组长"


def test_confidentiality_pledge_of_an_institution(people):
    inst = people["inst"]
    context = confidentiality_pledge_context(inst, issued_on=ISSUED_ON)
    assert context["number"] == f"JK-CFP-I{inst.id}-20260302"
    text = one_page(render_document(context))
    signed = pledge_of(PledgeKind.CONFIDENTIALITY, institution_id=inst.id)
    for value in ("承诺单位", inst.name, "统一社会信用代码", CREDIT_CODE, "机构", "长春市南关区", "inst-admin",
                  "承诺单位（盖章）", "法定代表人或授权代表（签字）", f"本承诺已由赵磊于{format_datetime(signed.signed_at)}"):
        assert flat(value) in text, value
    numbered_in(text, "confidentiality_pledge")
    assert "预览稿" in text  # no verification code given: not an issued document


def test_confidentiality_pledge_of_a_user_account(people):
    """The account's own pledge prints its acceptance at sign-in: name, 身份证号 in full (the signer's own
    paper), the version and the time accepted."""
    officer = people["officer"]
    officer.id_number = OFFICER_ID_NUMBER
    db.session.commit()
    context = confidentiality_pledge_context(officer, issued_on=ISSUED_ON)
    assert context["number"] == f"JK-CFP-U{officer.id}-20260302"
    s = context["subject"]
    assert (s["name"], s["role"], s["region"], s["account"], s["id_number"], s["position"]) == (
        "转介员", "转介服务人员", "长春市南关区", "officer", OFFICER_ID_NUMBER, "")
    own = db.session.scalar(db.select(AccountPledge).where(AccountPledge.user_id == officer.id))
    assert context["accepted"]["recorded"] is True
    text = one_page(render_document(context))
    for value in ("转介员", "岗位／角色", "转介服务人员", "长春市南关区", "officer", "承诺人（签字）", "职务",
                  OFFICER_ID_NUMBER, f"承诺文本版本：{own.text_version}",
                  f"本承诺已由{own.signer_name}于{format_datetime(own.signed_at)}"):
        assert flat(value) in text, value
    numbered_in(text, "confidentiality_pledge")


def test_an_account_without_an_acceptance_prints_none(people, create_user):
    user = create_user(Role.COUNTY_OFFICIAL, division="220102", pledged=False)
    context = confidentiality_pledge_context(user)
    assert context["accepted"]["recorded"] is False and context["subject"]["id_number"] == ""
    assert "本承诺已由" not in flat(text_of(render_document(context)))


def test_a_staff_account_takes_its_region_from_the_institution(people):
    s = confidentiality_pledge_context(people["staff"])["subject"]
    assert (s["role"], s["institution"], s["region"]) == ("机构服务人员", people["inst"].name, "长春市南关区")


def test_subject_kinds_get_distinct_numbers(talent, people):
    numbers = {confidentiality_pledge_context(x, issued_on=ISSUED_ON)["number"]
               for x in (talent, people["inst"], people["officer"])}
    assert {n.split("-")[2][0] for n in numbers} == {"T", "I", "U"}


def test_blank_confidentiality_pledge(app):
    text = one_page(render_document(blank_confidentiality_pledge()))
    for value in ("保密承诺书", "承诺人／承诺单位", "身份证号／统一社会信用代码", "岗位／人员类别", "所在地区",
                  "平台账号", "所在机构", "职务", f"承诺文本版本：{PLEDGE_TEXT_VERSION}", "承诺单位（盖章）",
                  "承诺人／法定代表人（签字）", "年月日", "本表为空白纸质版"):
        assert flat(value) in text, value
    numbered_in(text, "confidentiality_pledge")
    assert "JK-CFP" not in text and "校验码：" not in text and "本承诺已由" not in text


# --- T2 服务承诺书 -------------------------------------------------------------------------------------------

def test_service_pledge_of_an_institution(people):
    inst = people["inst"]
    context = service_pledge_context(inst, issued_on=ISSUED_ON, verification_code="5RZK-M3HP")
    assert context["number"] == f"JK-SVP-{inst.id}-20260302"
    text = one_page(render_document(context))
    signed = pledge_of(PledgeKind.SERVICE, institution_id=inst.id)
    for value in ("服务承诺书", "承诺单位", "南关区阳光康复中心", CREDIT_CODE, "长春市南关区民政局",
                  "社会服务机构（民办非企业单位）", "法定代表人", "赵磊", "长春市南关区民康路1号", "0431-88880000",
                  "长春市南关区、长春市朝阳区", "承诺单位（盖章）", "法定代表人或授权代表（签字）",
                  f"承诺文本版本：{PLEDGE_TEXT_VERSION}", f"本承诺已由赵磊于{format_datetime(signed.signed_at)}",
                  "特此承诺。", "5RZK-M3HP"):
        assert flat(value) in text, value
    numbered_in(text, "service_pledge")


def test_a_draft_institution_has_no_acceptance_yet(draft):
    inst, _admin = draft
    context = service_pledge_context(inst)
    assert context["accepted"] == {"recorded": False, "signer": "", "signed_at": ""}
    assert context["text_version"] == PLEDGE_TEXT_VERSION


def test_blank_service_pledge(app):
    text = one_page(render_document(blank_service_pledge()))
    for value in ("服务承诺书", "承诺单位", "统一社会信用代码", "登记管理机关", "单位类型", "机构地址",
                  "联系人／电话", "服务区域", "承诺单位（盖章）", f"承诺文本版本：{PLEDGE_TEXT_VERSION}"):
        assert flat(value) in text, value
    numbered_in(text, "service_pledge")
    assert "JK-SVP" not in text and "本承诺已由" not in text


# --- the clauses are what the signer accepted ----------------------------------------------------------------

def test_the_clauses_are_the_text_shown_on_submit(app):
    """The submit page (templates/registries/_pledges.html) and the PDF quote the same clauses; until they
    come from one place, this keeps the two copies equal."""
    with app.test_request_context():
        page = current_app.jinja_env.get_template("registries/_pledges.html").render(kind="institution")
    sections = re.findall(r'<section class="pledge".*?</section>', page, re.S)
    shown = [[re.sub(r"\s+", "", li) for li in re.findall(r"<li>(.*?)</li>", s, re.S)] for s in sections]
    assert shown == [clauses("service_pledge"), clauses("confidentiality_pledge")]


def test_the_accepted_version_is_printed(talent):
    """A later acceptance of another version prints that version's clauses; a version whose text is not
    kept cannot be printed under the signer's name."""
    PLEDGE_CLAUSES["2099-9"] = {"confidentiality_pledge": ("只为本测试存在的条款。",), "service_pledge": ()}
    try:
        db.session.add(Pledge(kind=PledgeKind.CONFIDENTIALITY, text_version="2099-9", signer_name="王芳",
                              talent_id=talent.id))
        db.session.commit()
        context = confidentiality_pledge_context(talent)
        assert context["text_version"] == "2099-9"
        assert context["clauses"] == [{"no": "一", "text": "只为本测试存在的条款。"}]
    finally:
        del PLEDGE_CLAUSES["2099-9"]
    with pytest.raises(LookupError, match="2099-9"):
        confidentiality_pledge_context(talent)


def test_every_label_is_there():
    assert set(TALENT_CATEGORY_LABELS) == set(TalentCategory)
    assert set(ROLE_LABELS) == set(Role)
    assert set(LEGAL_FORM_LABELS) == set(LegalForm)
    assert PLEDGE_TEXT_VERSION in PLEDGE_CLAUSES  # a new version needs its text here


# --- plain data, same shape ----------------------------------------------------------------------------------

def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return type(value).__name__ if not isinstance(value, list) else "list"


def test_the_contexts_are_plain_data_of_one_shape(talent, people):
    blank = blank_confidentiality_pledge()
    check_plain(blank)
    for subject in (talent, people["inst"], people["officer"]):
        filled = confidentiality_pledge_context(subject)
        check_plain(filled)
        assert shape(filled) == shape(blank), type(subject).__name__  # the paper version has every key
    filled, blank = service_pledge_context(people["inst"]), blank_service_pledge()
    check_plain(filled)
    check_plain(blank)
    assert shape(filled) == shape(blank)


def test_only_registry_entries_and_accounts_pledge(people):
    with pytest.raises(TypeError):
        confidentiality_pledge_context(people["inst"].division)
