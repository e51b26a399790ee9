from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FormField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from forms import BaseForm
from forms.fields import DivisionField, IdNumber, MultiCheckboxField, coded, optional_division, phone
from forms.registries import CertificateForm
from referral.auth.permissions import Role
from referral.registries.models import TalentCategory


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


# An address as people write it; nothing is sent unless SMTP is configured (docs/domain.md#notifications).
EMAIL_VALIDATORS = [Optional(), Length(max=254),
                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("请填写正确的电子邮箱地址，例如 name@example.gov.cn。"))]

USERNAME_VALIDATORS = [
    DataRequired(), Length(min=3, max=64),
    Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("用户名只能包含字母、数字、下划线、点和连字符。"))]


class UserEditForm(BaseForm):
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=64)])
    email = StringField(_l("电子邮箱"), validators=EMAIL_VALIDATORS,
                        description=_l("选填。配置了邮件服务器时，通知的提醒会发到这里（只含链接，不含个人信息）。"))
    id_number = StringField(_l("身份证号"), validators=[Optional(), Length(min=18, max=18), IdNumber()],
                            render_kw={"autocomplete": "off"},
                            description=_l("选填，用于打印本人的保密承诺书。已登记的号码不再完整显示；留空则保持不变。"))
    clear_id_number = BooleanField(_l("删除已登记的身份证号"))
    roles = MultiCheckboxField(_l("角色"), choices=coded(Role), validators=[DataRequired(_l("至少选择一个角色。"))])
    division = DivisionField(_l("行政区划"), validators=optional_division(), levels=("province", "city", "county"),
                             description=_l("省级角色选省，市级角色选市，县级角色和转介服务人员选县（市、区）。"))
    # A choice of institutions by name (the view fills the choices): nobody types an institution's number.
    institution = SelectField(_l("所属机构"), coerce=_optional_int, choices=[], validate_choice=True,
                              validators=[Optional()], description=_l("机构管理员和机构服务人员必填。"))


class UserCreateForm(UserEditForm):
    username = StringField(_l("用户名"), validators=USERNAME_VALIDATORS)
    password = PasswordField(_l("初始密码"), validators=[DataRequired(), Length(min=10, max=256)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("至少 10 个字符。请通过安全渠道告知用户，并提醒其登录后修改。"))

    id_number = StringField(_l("身份证号"), validators=[Optional(), Length(min=18, max=18), IdNumber()],
                            render_kw={"autocomplete": "off"}, description=_l("选填，用于打印本人的保密承诺书。"))
    clear_id_number = None  # nothing on file yet

    field_order = ("username", "display_name", "email", "id_number", "password", "roles", "division", "institution")


class StaffCreateForm(BaseForm):
    """本机构人员 → 新建: an institution_staff account of the admin's own institution and its talent entry.
    The institution is never asked for: it is the admin's. ``roles`` offers what ``can_create_role`` allows
    (the view sets the choices)."""

    username = StringField(_l("用户名"), validators=USERNAME_VALIDATORS)
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(min=10, max=256)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("留空则由系统生成，只在建立后显示一次。请通过安全渠道告知本人，并提醒其登录后修改。"))
    roles = RadioField(_l("角色"), choices=coded([Role.INSTITUTION_STAFF]), default=Role.INSTITUTION_STAFF.value,
                       validators=[DataRequired()])
    id_number = StringField(_l("身份证号"), validators=[DataRequired(), Length(min=18, max=18), IdNumber()])
    category = SelectField(_l("人员类别"), choices=coded(TalentCategory), validators=[DataRequired()])
    phone = StringField(_l("联系电话"), validators=[Optional(), phone])
    position = StringField(_l("职务"), validators=[Optional(), Length(max=64)],
                           description=_l("选填，例如：康复部主任、社会工作者、护士长。"))
    certificate = FormField(CertificateForm, label=_l("资格证书"),
                            description=_l("医师、护士、康复、心理治疗和社会工作者须填写。"))

    def talent_data(self) -> dict:
        cert = self.certificate.form
        return {"id_number": self.id_number.data, "category": self.category.data, "phone": self.phone.data or "",
                "position": (self.position.data or "").strip(),
                "certificate_number": cert.number.data or None, "certificate_issuer": cert.issuer.data or None,
                "certificate_valid_until": cert.valid_until.data}


class ApiUserCreateForm(BaseForm):
    """POST /api/v1/users (a contract: other systems use it)."""

    username = StringField(_l("用户名"), validators=USERNAME_VALIDATORS)
    password = PasswordField(_l("初始密码"), validators=[DataRequired(), Length(min=10, max=256)])
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    email = StringField(_l("电子邮箱"), validators=EMAIL_VALIDATORS)
    id_number = StringField(_l("身份证号"), validators=[Optional(), Length(min=18, max=18), IdNumber()],
                            description=_l("选填：本人的身份证号，打印在其保密承诺书上；应答中脱敏显示。"))
    roles = MultiCheckboxField(_l("角色"), choices=coded(Role), validators=[DataRequired(_l("至少选择一个角色。"))])
    division = StringField(_l("行政区划代码"), validators=optional_division())
    institution_id = IntegerField(_l("所属机构"), validators=[Optional(), NumberRange(min=1)],
                                  description=_l("机构角色必填；机构管理员可省略，即本机构。"))
