from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from forms import BaseForm
from forms.fields import MultiCheckboxField, coded, optional_division
from referral.auth.permissions import Role


class UserEditForm(BaseForm):
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=64)])
    roles = MultiCheckboxField(_l("角色"), choices=coded(Role), validators=[DataRequired(_l("至少选择一个角色。"))])
    division = StringField(_l("行政区划代码"), validators=optional_division(),
                           description=_l("6 位 GB/T 2260 代码：省级角色填省代码，市级填市代码，县级和转介服务人员填县代码。"))
    institution = IntegerField(_l("所属机构编号"), validators=[Optional(), NumberRange(min=1)],
                               description=_l("机构管理员和机构服务人员必填。"))


class UserCreateForm(UserEditForm):
    username = StringField(_l("用户名"), validators=[
        DataRequired(), Length(min=3, max=64),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("用户名只能包含字母、数字、下划线、点和连字符。"))])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(), Length(min=10, max=256)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("至少 10 个字符。请通过安全渠道告知用户，并提醒其登录后修改。"))

    field_order = ("username", "display_name", "password", "roles", "division", "institution")
