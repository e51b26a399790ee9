"""Forms of the 服务机构库 and 服务人才库. The same classes validate the HTML pages and the API bodies
(nested objects like ``contact`` are FormFields; lists are multi-selects)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp, ValidationError

from forms import BaseForm, SubForm
from forms.fields import CreditCode, DivisionField, IdNumber, MultiCheckboxField, coded, division_code, options, phone
from referral.registries.models import LegalForm, Talent, TalentCategory
from referral.service_items import SERVICE_ITEMS
from workflows.approval import APPROVAL_EVENTS, REVOKE_REASONS


class CountyCodesField(MultiCheckboxField):
    """A list of county codes. The view offers the counties of the province as checkboxes; the API takes
    any codes, and the service checks they exist and lie in the province."""

    def pre_validate(self, form):
        bad = [code for code in (self.data or []) if not (len(code) == 6 and code.isdigit())]
        if bad:
            raise ValidationError(_l("行政区划代码应为 6 位数字：%(codes)s", codes="、".join(bad)))


class ContactForm(SubForm):
    name = StringField(_l("联系人"), validators=[Optional(), Length(max=64)])
    phone = StringField(_l("联系电话"), validators=[Optional(), phone])


class InstitutionForm(BaseForm):
    name = StringField(_l("机构名称"), validators=[DataRequired(), Length(max=200)])
    credit_code = StringField(_l("统一社会信用代码"), validators=[Optional(), Length(min=18, max=18), CreditCode()],
                              description=_l("18 位，见登记证书或营业执照。"))
    registration_authority = StringField(_l("登记管理机关"), validators=[Optional(), Length(max=100)])
    legal_form = SelectField(_l("法人类型"), choices=coded(LegalForm, blank=_l("请选择")), validators=[Optional()])
    legal_representative = StringField(_l("法定代表人"), validators=[Optional(), Length(max=64)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=255)])
    division = DivisionField(_l("所在县（市、区）"), validators=[DataRequired(), division_code],
                             description=_l("机构地址所在的县（市、区）。"))
    service_area = CountyCodesField(_l("服务区域（县级）"), choices=[], validate_choice=False)
    service_types = MultiCheckboxField(_l("服务项目"), choices=options((s, s) for s in SERVICE_ITEMS))
    capacity = IntegerField(_l("日服务容量（人）"), validators=[Optional(), NumberRange(min=0, max=100000)], default=0)
    free_places = IntegerField(_l("当前空余名额"), validators=[Optional(), NumberRange(min=0, max=100000)], default=0)
    opening_hours = StringField(_l("开放时间"), validators=[Optional(), Length(max=200)],
                                description=_l("如：周一至周五 8:30–17:00"))
    premises_area = DecimalField(_l("场地面积（平方米）"), places=2, validators=[Optional(), NumberRange(min=0)])
    contact = FormField(ContactForm, label=_l("联系方式"))
    is_assessment_referral = BooleanField(_l("本市评估转介机构"))
    grade = StringField(_l("等级（如已评定）"), validators=[Optional(), Length(max=32)])
    description = TextAreaField(_l("机构简介"), validators=[Optional(), Length(max=4000)])

    def to_data(self) -> dict:
        """The service's field names; only fields the request actually carried (a PATCH sends some)."""
        data = {
            "name": self.name.data, "credit_code": self.credit_code.data or None,
            "registration_authority": self.registration_authority.data or "",
            "legal_form": self.legal_form.data or None, "legal_representative": self.legal_representative.data or "",
            "address": self.address.data or "", "division_code": self.division.data,
            "service_area": list(self.service_area.data or []), "service_types": list(self.service_types.data or []),
            "capacity": self.capacity.data or 0, "free_places": self.free_places.data or 0,
            "opening_hours": self.opening_hours.data or "", "premises_area": self.premises_area.data,
            "contact_name": self.contact.form.name.data or "", "contact_phone": self.contact.form.phone.data or "",
            "is_assessment_referral": bool(self.is_assessment_referral.data), "grade": self.grade.data or None,
            "description": self.description.data or "",
        }
        return data


class InstitutionPatchForm(InstitutionForm):
    """PATCH /api/v1/institutions/{id}: every field optional."""

    name = StringField(_l("机构名称"), validators=[Optional(), Length(max=200)])
    division = StringField(_l("所在县（区）代码"), validators=[Optional(), division_code])


class SignupForm(InstitutionForm):
    admin_name = StringField(_l("管理员姓名"), validators=[DataRequired(), Length(max=64)])
    username = StringField(_l("登录用户名"), validators=[
        DataRequired(), Length(min=3, max=64),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("用户名只能包含字母、数字、下划线、点和连字符。"))])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(min=10, max=256)],
                             render_kw={"autocomplete": "new-password"}, description=_l("至少 10 个字符。"))
    confirm = PasswordField(_l("再次输入密码"), validators=[DataRequired(), EqualTo("password", _l("两次输入的密码不一致。"))],
                            render_kw={"autocomplete": "new-password"})


class EventForm(BaseForm):
    """The data an approval event may carry (docs/domain.md#api-contract: reason, reason_code, comment; statement;
    the pledges and signer for submit)."""

    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=2000)])
    comment = TextAreaField(_l("意见"), validators=[Optional(), Length(max=2000)])
    reason_code = SelectField(_l("原因"), choices=coded(REVOKE_REASONS, blank="—"), validators=[Optional()])
    statement = TextAreaField(_l("陈述申辩"), validators=[Optional(), Length(max=8000)])
    accept_pledges = BooleanField(_l("我已阅读并接受服务承诺书和保密承诺书"))
    signer_name = StringField(_l("承诺人姓名"), validators=[Optional(), Length(max=64)])

    def for_entry(self, entry) -> "EventForm":
        """A talent signs only the 保密承诺书 (an institution both): the checkbox says which it accepts."""
        if isinstance(entry, Talent):
            self.accept_pledges.label.text = _l("我已阅读并接受保密承诺书")
        return self


class ApiEventForm(EventForm):
    # A choice, so that the OpenAPI document enumerates the approval events (issue 13.8).
    event = SelectField(_l("事件"), choices=options((e, e) for e in sorted(APPROVAL_EVENTS)),
                        validators=[DataRequired()])


class CertificateForm(SubForm):
    number = StringField(_l("资格证书编号"), validators=[Optional(), Length(max=64)])
    issuer = StringField(_l("发证机关"), validators=[Optional(), Length(max=100)])
    valid_until = DateField(_l("有效期至"), validators=[Optional()])


class TalentForm(BaseForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    id_number = StringField(_l("身份证号"), validators=[DataRequired(), Length(min=18, max=18), IdNumber()])
    category = SelectField(_l("人员类别"), choices=coded(TalentCategory), validators=[DataRequired()])
    division = DivisionField(_l("工作所在县（市、区）"), validators=[DataRequired(), division_code])
    phone = StringField(_l("联系电话"), validators=[Optional(), phone])
    position = StringField(_l("职务"), validators=[Optional(), Length(max=64)],
                           description=_l("选填，例如：康复部主任、社会工作者、护士长。打印在本人的文书上。"))
    certificate = FormField(CertificateForm, label=_l("资格证书"),
                            description=_l("医师、护士、康复、心理治疗和社会工作者须填写。"))
    institution_id = IntegerField(_l("所属机构编号"), validators=[Optional(), NumberRange(min=1)])

    def to_data(self) -> dict:
        cert = self.certificate.form
        return {"name": self.name.data, "id_number": self.id_number.data, "category": self.category.data,
                "division_code": self.division.data, "phone": self.phone.data or "",
                "position": (self.position.data or "").strip(), "certificate_number": cert.number.data or None, "certificate_issuer": cert.issuer.data or None,
                "certificate_valid_until": cert.valid_until.data, "institution_id": self.institution_id.data}


class TrainingForm(BaseForm):
    date = DateField(_l("培训日期"), validators=[DataRequired()])
    hours = DecimalField(_l("学时"), places=1, validators=[DataRequired(), NumberRange(min=0.5, max=200)])
    provider = StringField(_l("培训机构"), validators=[DataRequired(), Length(max=100)])
    topic = StringField(_l("培训内容"), validators=[Optional(), Length(max=200)])


class LicenceForm(BaseForm):
    name = StringField(_l("证照名称"), validators=[DataRequired(), Length(max=100)])
    number = StringField(_l("证照编号"), validators=[Optional(), Length(max=64)])
    issuer = StringField(_l("发证机关"), validators=[Optional(), Length(max=100)])
    valid_until = DateField(_l("有效期至"), validators=[Optional()])


class ChangeDecisionForm(BaseForm):
    reason = TextAreaField(_l("意见或理由"), validators=[Optional(), Length(max=2000)])


class AdminAccountForm(SubForm):
    name = StringField(_l("管理员姓名"), validators=[DataRequired(), Length(max=64)])
    username = StringField(_l("登录用户名"), validators=[
        DataRequired(), Length(min=3, max=64),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("用户名只能包含字母、数字、下划线、点和连字符。"))])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(min=10, max=256)])


class ApiSignupForm(InstitutionForm):
    """POST /api/v1/institutions: the public sign-up, with the administrator account."""

    admin = FormField(AdminAccountForm, label=_l("机构管理员账号"))


class ApiTalentPatchForm(TalentForm):
    name = StringField(_l("姓名"), validators=[Optional(), Length(max=64)])
    id_number = StringField(_l("身份证号"), validators=[Optional(), Length(min=18, max=18), IdNumber()])
    category = SelectField(_l("人员类别"), choices=coded(TalentCategory, blank=""), validators=[Optional()])
    division = StringField(_l("工作所在县（区）代码"), validators=[Optional(), division_code])
    version = IntegerField(_l("版本"), validators=[Optional()])


class ApiInstitutionPatchForm(InstitutionPatchForm):
    version = IntegerField(_l("版本"), validators=[Optional()],
                           description=_l("可选：客户端所见的版本；与当前版本不同则返回 409。"))


class ApiRegistryEventForm(ApiEventForm):
    version = IntegerField(_l("版本"), validators=[Optional()],
                           description=_l("可选：客户端所见的版本；与当前版本不同则返回 409。"))


class RegistryListQuery(BaseForm):
    class Meta:
        csrf = False

    state = SelectField(_l("状态"), choices=options([("", "")] + [(s, s) for s in (
        "draft", "county_review", "city_review", "returned", "rejected", "listed", "suspended", "removal_pending",
        "removed", "withdrawn")]), validators=[Optional()])
    division = StringField(_l("行政区划代码"), validators=[Optional(), division_code])
    page = IntegerField(_l("页码"), validators=[Optional(), NumberRange(min=1)])
    per_page = IntegerField(_l("每页条数"), validators=[Optional(), NumberRange(min=1, max=100)])


class RevealQuery(BaseForm):
    class Meta:
        csrf = False

    reveal = SelectField(_l("显示完整字段"), choices=options([("", ""), ("id_number", "id_number")]), validators=[Optional()])
    reason = StringField(_l("查看理由"), validators=[Optional(), Length(max=200)])


class DirectoryQuery(BaseForm):
    class Meta:
        csrf = False

    division = StringField(_l("地区（行政区划代码）"), validators=[Optional(), division_code])
    service_type = SelectField(_l("服务项目"), choices=options([("", _l("全部"))] + [(s, s) for s in SERVICE_ITEMS]),
                               validators=[Optional()])
    has_free_places = BooleanField(_l("只看有空余名额的机构"))
    page = IntegerField(_l("页码"), validators=[Optional(), NumberRange(min=1)])
