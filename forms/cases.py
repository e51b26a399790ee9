"""Forms of the referral case. The same classes validate the HTML pages and the API (docs/domain.md#api-contract payload
names: channel, applicant{…}, guardian{…}, needs, service_types, consent{signer, signed_at}; events carry
reason, reason_code, comment, institution_id, result, assessment{…}, agreement{…}, follow_up{…})."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, StopValidation, ValidationError

from forms import BaseForm, SubForm
from forms.fields import (
    ChosenIntegerField,
    DivisionField,
    IdNumber,
    MultiCheckboxField,
    YesNoField,
    coded,
    division_code,
    options,
    phone,
)
from forms.registries import RevealQuery
from referral.cases.codelists import ETHNIC_GROUPS, ICD10_F
from referral.cases.models import (
    DISABILITY_GRADES,
    OTHER_DIAGNOSIS,
    AbilityLevel,
    Channel,
    ConsentSigner,
    Education,
    EligibilityGroup,
    Employment,
    FeePayer,
    FollowUpMethod,
    FollowUpNextStep,
    Insight,
    LivingArrangement,
    MaritalStatus,
    MedicalInsurance,
    MedicationAdherence,
    Satisfaction,
    ServiceForm,
)
from referral.service_items import SERVICE_ITEMS
from workflows.case import CASE_EVENTS, AssessmentResult, CaseState, CloseReason, DeclineReason


def _aware(value):
    """A time without a zone is China time (what people type); stored as UTC."""
    from zoneinfo import ZoneInfo

    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return value


class _Identity:
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    id_number = StringField(_l("身份证号"), validators=[DataRequired(), Length(min=18, max=18), IdNumber()])
    phone = StringField(_l("联系电话"), validators=[Optional(), phone])
    address = StringField(_l("居住地址"), validators=[Optional(), Length(max=255)])
    division = DivisionField(_l("居住地县（市、区）"), validators=[DataRequired(), division_code])


# --- the person's record (DESIGN §3.5 payload names; docs/domain.md#the-persons-record) ----------------------
# Every field optional; each says what it is for (用于…), as a form asking about someone's life should.

class DiagnosisForm(SubForm):
    icd10 = SelectField(_l("主要诊断"), validators=[Optional()], choices=options([
        ("", _l("未填写")), *((code, f"{code} {name}") for code, name in ICD10_F.items()),
        (OTHER_DIAGNOSIS, _l("其他（请填写诊断名称）"))]),
        description=_l("按 ICD-10 精神和行为障碍（F00–F99）选择。用于确认服务对象类别和制定康复方案；属健康信息，默认隐藏。"))
    name = StringField(_l("诊断名称"), validators=[Optional(), Length(max=128)],
                       description=_l("主要诊断选“其他”时填写；选了编码的不必填写。"))
    diagnosed_on = DateField(_l("发病／首次诊断时间"), validators=[Optional()], description=_l("用于了解病程。"))

    def validate(self, extra_validators=None):
        # Not validate_name: Optional() ends an empty field's checks before an inline validator runs.
        valid = super().validate(extra_validators)
        if self.icd10.data == OTHER_DIAGNOSIS and not (self.name.data or "").strip():
            self.name.errors = [*self.name.errors, _l("主要诊断选“其他”时，请填写诊断名称。")]
            valid = False
        return valid

    def validate_diagnosed_on(self, field):
        if field.data is not None and not self.icd10.data:
            raise ValidationError(_l("请先选择主要诊断。"))


class MedicationForm(SubForm):
    """One medicine taken now. A row left wholly blank (the page offers spare rows) is no medicine."""

    name = StringField(_l("药名"), validators=[Optional(), Length(max=64)])
    dose = StringField(_l("剂量"), validators=[Optional(), Length(max=32)], description=_l("如：2mg"))
    frequency = StringField(_l("用法／频次"), validators=[Optional(), Length(max=32)], description=_l("如：每日两次"))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not (self.name.data or "").strip() and not self.is_blank():
            self.name.errors = [*self.name.errors, _l("请填写药名。")]
            valid = False
        return valid

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in (self.name, self.dose, self.frequency))


class DisabilityForm(SubForm):
    number = StringField(_l("残疾人证号"), validators=[Optional(), Length(max=32),
                                                     Regexp(r"^[0-9A-Za-z]+$", message=_l("证号只能包含数字和字母。"))],
                         description=_l("第二代残疾人证号为 20 位：身份证号加残疾类别和等级。用于衔接残联的康复救助和补贴。"))
    grade = ChosenIntegerField(_l("精神残疾等级"), validators=[Optional(), NumberRange(min=1, max=4)],
                               options=[(g, _l(label)) for g, label in DISABILITY_GRADES.items()])


class _PersonRecord:
    """The record's fields, shared by the applicant part of an application and the ``person`` of a PATCH."""

    ethnicity = SelectField(_l("民族"), validators=[Optional()],
                            choices=options([("", _l("未填写")), *((c, n) for c, n in ETHNIC_GROUPS.items())]),
                            description=_l("用于基本情况档案，以及按民族提供语言和生活习惯上的照顾。"))
    marital_status = SelectField(_l("婚姻状况"), choices=coded(MaritalStatus, blank=_l("未填写")),
                                 validators=[Optional()], description=_l("用于了解家庭支持和照料情况。"))
    education = SelectField(_l("文化程度"), choices=coded(Education, blank=_l("未填写")), validators=[Optional()],
                            description=_l("用于选择适合的康复训练和宣教方式。"))
    employment = SelectField(_l("职业／就业状况"), choices=coded(Employment, blank=_l("未填写")),
                             validators=[Optional()], description=_l("用于评估职业康复和就业支持的需要。"))
    living_arrangement = SelectField(_l("居住状况"), choices=coded(LivingArrangement, blank=_l("未填写")),
                                     validators=[Optional()], description=_l("用于安排上门服务和家庭支持。"))
    diagnosis = FormField(DiagnosisForm, label=_l("主要诊断"))
    medications = FieldList(FormField(MedicationForm), label=_l("当前用药"), min_entries=0, max_entries=20)
    disability_certificate = FormField(DisabilityForm, label=_l("残疾人证"))
    subsistence_allowance = YesNoField(_l("享受低保或特困人员供养"),
                                       description=_l("用于减免费用、衔接社会救助。"))
    medical_insurance = SelectField(_l("医疗保险"), choices=coded(MedicalInsurance, blank=_l("未填写")),
                                    validators=[Optional()], description=_l("用于就医费用和转介医疗的安排。"))
    smd_registered = YesNoField(_l("已纳入严重精神障碍管理"),
                                description=_l("即已在基层卫生健康部门登记、接受随访管理。用于与精防随访衔接。"))

    def person_data(self) -> dict:
        """The record as the API names it (DESIGN §3.5): every field, None where nothing was given."""
        d, c = self.diagnosis.form, self.disability_certificate.form
        return {
            "ethnicity": self.ethnicity.data or None, "marital_status": self.marital_status.data or None,
            "education": self.education.data or None, "employment": self.employment.data or None,
            "living_arrangement": self.living_arrangement.data or None,
            "diagnosis": {"icd10": d.icd10.data, "name": (d.name.data or "").strip() or None,
                          "diagnosed_on": d.diagnosed_on.data} if d.icd10.data else None,
            "medications": [{"name": (m.form.name.data or "").strip(), "dose": (m.form.dose.data or "").strip(),
                             "frequency": (m.form.frequency.data or "").strip()}
                            for m in self.medications if not m.form.is_blank()],
            "disability_certificate": {"number": c.number.data or None, "grade": c.grade.data}
            if (c.number.data or c.grade.data is not None) else None,
            "subsistence_allowance": self.subsistence_allowance.data,
            "medical_insurance": self.medical_insurance.data or None,
            "smd_registered": self.smd_registered.data,
        }


class PersonForm(SubForm, _Identity, _PersonRecord):
    """The applicant of an application: who they are, and (optional) their record."""


class PersonRecordForm(SubForm, _PersonRecord):
    pass


class CasePersonForm(BaseForm):
    """PATCH /api/v1/cases/{id} and the 个人档案 page: the person's record and the case's eligibility group.
    In the API only the keys sent change (a key sent as null clears it); the page sends them all."""

    person = FormField(PersonRecordForm, label=_l("个人档案"))
    eligibility_group = SelectField(_l("对象类别"), choices=coded(EligibilityGroup, blank=_l("未填写")),
                                    validators=[Optional()],
                                    description=_l("用于确认是否属于本省的服务对象，并按类别统计。"))

    def to_data(self, keys=None, *, group: bool = True) -> dict:
        """The changes: ``keys`` the person's fields to set (None: all of them); ``group`` whether the
        eligibility group is set too."""
        record = self.person.form.person_data()
        data = {"person": {k: v for k, v in record.items() if keys is None or k in keys}}
        if group:
            data["eligibility_group"] = self.eligibility_group.data or None
        return data


class CaseRevealQuery(RevealQuery):
    """GET /api/v1/cases/{id}: ``reveal=id_number`` (身份证号, phones, 残疾人证号) or ``reveal=health``
    (diagnosis and medications), each with its reason, recorded."""

    reveal = SelectField(_l("显示完整字段"), choices=options([("", ""), ("id_number", "id_number"), ("health", "health")]),
                         validators=[Optional()])


class GuardianForm(SubForm):
    name = StringField(_l("监护人姓名"), validators=[Optional(), Length(max=64)])
    relation = StringField(_l("与申请人关系"), validators=[Optional(), Length(max=32)])
    phone = StringField(_l("监护人电话"), validators=[Optional(), phone])


class ConsentForm(SubForm):
    signer = SelectField(_l("知情同意签署人"), choices=coded(ConsentSigner), validators=[DataRequired()])
    signed_at = DateTimeLocalField(_l("签署时间"), validators=[Optional()],
                                   format=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"])


class ApplicationForm(BaseForm):
    channel = SelectField(_l("申请渠道"), choices=coded(Channel), validators=[DataRequired()])
    assister_role = StringField(_l("协助人身份"), validators=[Optional(), Length(max=64)],
                                description=_l("如：儿童主任、社区居委会、社会组织"))
    applicant = FormField(PersonForm, label=_l("申请人"))
    guardian = FormField(GuardianForm, label=_l("监护人"))
    needs = TextAreaField(_l("康复需求"), validators=[DataRequired(), Length(max=4000)])
    service_types = MultiCheckboxField(_l("希望获得的服务"), choices=options((s, s) for s in SERVICE_ITEMS))
    # DESIGN §3.5: optional, chosen from the list, never typed (docs/domain.md#statistics counts by it).
    eligibility_group = SelectField(_l("对象类别"), choices=coded(EligibilityGroup, blank=_l("未填写")),
                                    validators=[Optional()])
    consent = FormField(ConsentForm, label=_l("知情同意"))
    # The one consent check for every channel (pages, public page, API): no case without consent.
    consent_given = BooleanField(_l("我已阅读并同意：为办理社区康复转介，平台和承办机构可在必要范围内使用上述信息。"),
                                 validators=[DataRequired(message=_l("须经申请人或监护人知情同意。"))])

    def to_data(self) -> dict:
        a, g, c = self.applicant.form, self.guardian.form, self.consent.form
        return {"channel": self.channel.data, "assister_role": self.assister_role.data or "",
                "name": a.name.data, "id_number": a.id_number.data, "phone": a.phone.data or "",
                "address": a.address.data or "", "division_code": a.division.data,
                "guardian_name": g.name.data or "", "guardian_relation": g.relation.data or "",
                "guardian_phone": g.phone.data or "", "needs": self.needs.data,
                "service_types": list(self.service_types.data or []), "consent_signer": c.signer.data,
                "eligibility_group": self.eligibility_group.data or None,
                "consent_signed_at": _aware(c.signed_at.data), "person": a.person_data()}


class TalentIdsField(MultiCheckboxField):
    """Talent entries by id: the page offers the serving institution's listed entries by name (the view sets
    the choices); the API takes their ids, and the service checks each is one of those entries."""

    item_schema = {"type": "integer", "minimum": 1}

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int, choices=[], validate_choice=False, **kwargs)


def _cents(form, field):
    """An amount of money: finite, at most two decimal places (NUMERIC(10, 2) keeps exactly what was agreed)."""
    if field.data is None:
        return
    if not field.data.is_finite():
        raise StopValidation(_l("请填写金额（元）。"))
    if field.data.as_tuple().exponent < -2:
        raise StopValidation(_l("金额最多保留两位小数。"))


def _rating(label):
    return SelectField(label, choices=coded(AbilityLevel, blank="—"), validators=[Optional()])


class AssessmentForm(SubForm):
    risk_grade = IntegerField(_l("危险性评估等级（0–5）"), validators=[Optional(), NumberRange(min=0, max=5)])
    place = StringField(_l("评估地点"), validators=[Optional(), Length(max=255)], description=_l("如：机构内、入户"))
    assessors = TalentIdsField(_l("评估人"), description=_l("本机构在库的服务人才，可多选"))
    mental_state = TextAreaField(_l("精神状况与症状"), validators=[Optional(), Length(max=2000)])
    insight = SelectField(_l("自知力"), choices=coded(Insight, blank="—"), validators=[Optional()])
    medication_adherence = SelectField(_l("服药依从性"), choices=coded(MedicationAdherence, blank="—"),
                                       validators=[Optional()])
    physical_health = TextAreaField(_l("躯体健康"), validators=[Optional(), Length(max=2000)])
    social_function = TextAreaField(_l("社会功能（个人生活料理、家务、工作、学习、社交）"), validators=[Optional(), Length(max=2000)])
    # The items of 社会功能 (DESIGN §3.4; SOCIAL_FUNCTION_FIELDS), each rated.
    personal_care = _rating(_l("个人生活料理"))
    housework = _rating(_l("家务劳动"))
    work = _rating(_l("工作"))
    learning = _rating(_l("学习"))
    social_contact = _rating(_l("社会交往"))
    self_care = SelectField(_l("生活自理能力"), choices=coded(AbilityLevel, blank="—"), validators=[Optional()])
    social_adaptation = SelectField(_l("社会适应能力"), choices=coded(AbilityLevel, blank="—"), validators=[Optional()])
    employability = SelectField(_l("就业能力"), choices=coded(AbilityLevel, blank="—"), validators=[Optional()])
    family_support = TextAreaField(_l("家庭支持"), validators=[Optional(), Length(max=2000)])
    needs_wishes = TextAreaField(_l("需求与意愿"), validators=[Optional(), Length(max=2000)])
    sdss = IntegerField("SDSS（0–20）", validators=[Optional(), NumberRange(min=0, max=20)])
    psp = IntegerField("PSP（0–100）", validators=[Optional(), NumberRange(min=0, max=100)])
    gaf = IntegerField("GAF（0–100）", validators=[Optional(), NumberRange(min=0, max=100)])
    adl = IntegerField("ADL（14–56）", validators=[Optional(), NumberRange(min=14, max=56)])
    recommended_items = MultiCheckboxField(_l("建议服务项目"), choices=options((s, s) for s in SERVICE_ITEMS),
                                           description=_l("签订服务协议时作为默认的服务项目"))
    plan = TextAreaField(_l("康复计划或调整"), validators=[Optional(), Length(max=4000)])
    next_review_date = DateField(_l("下次阶段性评估日期"), validators=[Optional()])


class AgreementForm(SubForm):
    start_date = DateField(_l("服务开始日期"), validators=[Optional()])
    end_date = DateField(_l("服务结束日期"), validators=[Optional()])
    service_items = MultiCheckboxField(_l("服务项目"), choices=options((s, s) for s in SERVICE_ITEMS))
    form = SelectField(_l("服务形式"), choices=coded(ServiceForm, blank="—"), validators=[Optional()])
    form_other = StringField(_l("其他服务形式"), validators=[Optional(), Length(max=64)], description=_l("服务形式为“其他”时填写"))
    place = StringField(_l("服务地点"), validators=[Optional(), Length(max=255)])
    frequency = StringField(_l("服务频次"), validators=[Optional(), Length(max=64)])
    fee_amount = DecimalField(_l("服务费用（元）"), places=2, validators=[Optional(), _cents, NumberRange(min=0)],
                              description=_l("免费填 0"))
    fee_payer = SelectField(_l("费用承担方式"), choices=coded(FeePayer, blank="—"), validators=[Optional()])
    # The parties as the 服务协议 names them (templates/pdf/service_agreement.html): 甲方 the institution,
    # 乙方 the service user (丙方 the guardian).
    signer_name = StringField(_l("乙方签字人"), validators=[Optional(), Length(max=64)],
                              description=_l("服务对象本人或其监护人；不填则为服务对象本人"))
    signer_relation = StringField(_l("签字人与服务对象关系"), validators=[Optional(), Length(max=32)],
                                  description=_l("本人、父亲、母亲、配偶等"))
    representative_name = StringField(_l("甲方代表（机构签字人）"), validators=[Optional(), Length(max=64)],
                                      description=_l("不填则为机构的法定代表人"))


class FollowUpForm(SubForm):
    date = DateField(_l("回访日期"), validators=[Optional()], description=_l("不填则为今天"))
    method = SelectField(_l("回访方式"), choices=coded(FollowUpMethod, blank="—"), validators=[Optional()])
    unreachable = BooleanField(_l("未能联系上（失访）"))
    lost_reason = TextAreaField(_l("失访原因"), validators=[Optional(), Length(max=2000)],
                                description=_l("未能联系上时必填，如：电话停机、搬迁去向不明"))
    contact_person = StringField(_l("回访对象"), validators=[Optional(), Length(max=32)])
    contact_relation = StringField(_l("回访对象与服务对象关系"), validators=[Optional(), Length(max=32)],
                                   description=_l("本人、父亲、母亲、配偶等"))
    condition = TextAreaField(_l("目前情况"), validators=[Optional(), Length(max=2000)])
    relapsed = BooleanField(_l("结案后复发"))
    readmitted = BooleanField(_l("结案后再住院"))
    satisfaction = SelectField(_l("服务满意度"), choices=coded(Satisfaction, blank="—"), validators=[Optional()])
    next_step = SelectField(_l("下一步"), choices=coded(FollowUpNextStep, blank="—"), validators=[Optional()])
    needs_service_again = BooleanField(_l("需要再次接受服务"))
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])


class CorrectedApplicantForm(SubForm):
    phone = StringField(_l("联系电话"), validators=[Optional(), phone])
    address = StringField(_l("居住地址"), validators=[Optional(), Length(max=255)])


class _Corrections:
    """What a returned application may correct before it is resubmitted (payload names of the case:
    applicant{phone, address}, guardian{name, relation, phone}, needs). Empty fields keep their value.
    Shared by the staff event form (nested) and the public form (top level)."""

    applicant = FormField(CorrectedApplicantForm, label=_l("申请人"))
    guardian = FormField(GuardianForm, label=_l("监护人"))
    needs = TextAreaField(_l("康复需求"), validators=[Optional(), Length(max=4000)])

    def corrections(self) -> dict:
        a, g = self.applicant.form, self.guardian.form
        values = {"applicant_phone": a.phone.data, "applicant_address": a.address.data, "guardian_name": g.name.data,
                  "guardian_relation": g.relation.data, "guardian_phone": g.phone.data, "needs": self.needs.data}
        return {k: v.strip() for k, v in values.items() if v and v.strip()}


class CorrectionsForm(SubForm, _Corrections):
    pass


class PublicResubmitForm(BaseForm, _Corrections):
    """POST /api/v1/public/applications/{receipt_no}/resubmit."""

    id_last4 = StringField(_l("身份证号后四位"), validators=[DataRequired(), Length(min=4, max=4)])


class CaseEventForm(BaseForm):
    """What any case event may carry; the machine decides what each event needs."""

    verification = TextAreaField(_l("核实情况（身份、居住地、诊断与资格）"), validators=[Optional(), Length(max=4000)])
    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=4000)])
    reason_code = SelectField(_l("原因"), choices=coded([*DeclineReason, *CloseReason], blank="—"),
                              validators=[Optional()])
    comment = TextAreaField(_l("备注"), validators=[Optional(), Length(max=4000)])
    institution_id = IntegerField(_l("转介机构"), validators=[Optional(), NumberRange(min=1)])
    result = SelectField(_l("综合评估结论"), choices=coded(AssessmentResult, blank="—"), validators=[Optional()])
    assessment = FormField(AssessmentForm, label=_l("评估"))
    agreement = FormField(AgreementForm, label=_l("服务协议"))
    follow_up = FormField(FollowUpForm, label=_l("回访"))
    corrections = FormField(CorrectionsForm, label=_l("补正内容"))

    def to_event_data(self) -> dict:
        data = {"verification": self.verification.data or "", "reason": self.reason.data or "",
                "reason_code": self.reason_code.data or None, "comment": self.comment.data or "",
                "institution_id": self.institution_id.data, "result": self.result.data or None}
        a = self.assessment.form
        if a.risk_grade.data is not None:
            data["assessment"] = {f.short_name: f.data for f in a if f.data not in (None, "")}
        g = self.agreement.form
        if g.start_date.data and g.end_date.data:
            data["agreement"] = {f.short_name: f.data for f in g}
        elif g.start_date.data or g.end_date.data:
            data["agreement"] = None  # half an agreement: the service reports the missing date
        f = self.follow_up.form
        if f.method.data:
            data["follow_up"] = {x.short_name: x.data for x in f}
        if fixes := self.corrections.form.corrections():
            data["corrections"] = fixes
        return data

    # The inputs that make each nested part of to_event_data(); every other key is one input of its own name.
    PARTS = {"assessment": ("risk_grade",), "agreement": ("start_date", "end_date"), "follow_up": ("method",)}

    def inputs_for(self, key: str) -> list:
        """The inputs behind ``key`` of the event data: where the * goes when the machine needs that key
        (``workflows.engine.required_fields``)."""
        field = getattr(self, key)
        return [getattr(field.form, name) for name in self.PARTS[key]] if key in self.PARTS else [field]


class ApiCaseEventForm(CaseEventForm):
    # A choice, so that the OpenAPI document enumerates the case events (issue 13.8).
    event = SelectField(_l("事件"), choices=options((e, e) for e in sorted(CASE_EVENTS)), validators=[DataRequired()])
    version = IntegerField(_l("版本"), validators=[Optional()])


CLOCK_FILTERS = [("overdue", _l("已逾期")), ("due_soon", _l("2 个工作日内到期")), ("running", _l("未到期")),
                 ("none", _l("无期限"))]
SORTS = [("due", _l("期限最近的在前")), ("newest", _l("最新受理的在前"))]


class CaseListQuery(BaseForm):
    """The filters of the case list, on the page and in the API (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("查找"), validators=[Optional(), Length(max=64)],
                    description=_l("受理号、姓名、身份证号或电话（完整填写）"))
    state = SelectField(_l("环节"), choices=coded(CaseState, blank=_l("全部")), validators=[Optional()])
    clock = SelectField(_l("期限"), choices=options([("", _l("全部"))] + CLOCK_FILTERS), validators=[Optional()])
    institution = IntegerField(_l("承接机构"), validators=[Optional(), NumberRange(min=1)])
    channel = SelectField(_l("申请渠道"), choices=coded(Channel, blank=_l("全部")), validators=[Optional()])
    minor = SelectField(_l("未成年人"), choices=options([("", _l("全部")), ("1", _l("只看未成年人")), ("0", _l("不含未成年人"))]),
                        validators=[Optional()])
    sort = SelectField(_l("排序"), choices=options(SORTS), validators=[Optional()])
    division = StringField(_l("行政区划代码"), validators=[Optional(), division_code])
    overdue = SelectField(_l("只看逾期"), choices=options([("", ""), ("1", "1"), ("0", "0")]), validators=[Optional()])
    page = IntegerField(_l("页码"), validators=[Optional(), NumberRange(min=1)])
    per_page = IntegerField(_l("每页条数"), validators=[Optional(), NumberRange(min=1, max=100)])


class PublicStatusQuery(BaseForm):
    class Meta:
        csrf = False

    id_last4 = StringField(_l("身份证号后四位"), validators=[DataRequired(), Length(min=4, max=4)])


class PublicWithdrawForm(BaseForm):
    id_last4 = StringField(_l("身份证号后四位"), validators=[DataRequired(), Length(min=4, max=4)])
    reason = TextAreaField(_l("撤回理由"), validators=[DataRequired(), Length(max=2000)])


class ServiceRecordForm(BaseForm):
    """A service given while the case is in service (date, item, duration; the staff member is the user)."""

    date = DateField(_l("服务日期"), validators=[DataRequired()])
    item = SelectField(_l("服务项目"), choices=options((s, s) for s in SERVICE_ITEMS), validators=[DataRequired()])
    minutes = IntegerField(_l("时长（分钟）"), validators=[DataRequired(), NumberRange(min=1, max=1440)])
    note = TextAreaField(_l("记录"), validators=[Optional(), Length(max=4000)])
