from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from forms import BaseForm
from forms.fields import IdNumber
from forms.users import EMAIL_VALIDATORS


class LoginForm(BaseForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class TokenForm(BaseForm):
    """POST /api/v1/tokens. ``totp`` or ``recovery_code`` when the account has a second factor."""

    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=256)])
    totp = StringField(_l("动态验证码"), validators=[Optional(), Length(max=16)])
    recovery_code = StringField(_l("恢复码"), validators=[Optional(), Length(max=32)])


class LoginTotpForm(BaseForm):
    """The second step of signing in (docs/domain.md#accounts): the app's code, or one recovery code."""

    code = StringField(_l("动态验证码"), validators=[Optional(), Length(max=16)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
                       description=_l("手机验证器应用中显示的 6 位数字。"))
    recovery_code = StringField(_l("恢复码"), validators=[Optional(), Length(max=32)],
                                render_kw={"autocomplete": "off"},
                                description=_l("手机不在身边时，可用一个未用过的恢复码代替（每个只能用一次）。"))


class TotpCodeForm(BaseForm):
    """/account/totp: confirm enrolment, turn the factor off, or make new recovery codes, with a code."""

    code = StringField(_l("动态验证码"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=10, max=256)],
                                 render_kw={"autocomplete": "new-password"},
                                 description=_l("至少 10 个字符；不能是常见密码，不能包含用户名或姓名。"))
    confirm = PasswordField(_l("再次输入新密码"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("两次输入的新密码不一致。"))],
                            render_kw={"autocomplete": "new-password"})


class PledgeForm(BaseForm):
    """/me/pledge: the account's own 保密承诺书, signed with the name typed (as the registry pledges are)."""

    accept = BooleanField(_l("我已阅读并接受以上保密承诺书"),
                          validators=[DataRequired(_l("请勾选接受保密承诺书。"))])
    signer_name = StringField(_l("承诺人姓名"), validators=[DataRequired(_l("请填写承诺人姓名。")), Length(max=64)])
    next = HiddenField()


#: 身份证号 on the account forms: never shown in full, so an empty field keeps what is on file.
ID_NUMBER_KEEP_HINT = _l("选填，用于打印本人的保密承诺书。已登记的号码不再完整显示；留空则保持不变。")


class AccountForm(BaseForm):
    """我的账号: one's own name, e-mail and 身份证号 — never roles or scope (the sysadmin sets those)."""

    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    email = StringField(_l("电子邮箱"), validators=EMAIL_VALIDATORS)
    id_number = StringField(_l("身份证号"), validators=[Optional(), Length(min=18, max=18), IdNumber()],
                            render_kw={"autocomplete": "off"}, description=ID_NUMBER_KEEP_HINT)
    clear_id_number = BooleanField(_l("删除已登记的身份证号"))


def id_number_change(form, keep):
    """The 身份证号 as an account form sends it: the new number, None to delete it (the box ticked), or
    ``keep`` for an empty field (the number on file is never put back into a form in full)."""
    if getattr(form, "clear_id_number", None) is not None and form.clear_id_number.data:
        return None
    return form.id_number.data or keep


class ApiPledgeForm(BaseForm):
    """POST /api/v1/me/pledge: the same acceptance as the page, for accounts that work through the API (as a
    registry submit accepts its pledges with ``accept_pledges`` and ``signer_name``)."""

    accept = BooleanField(_l("接受保密承诺书"), validators=[DataRequired(_l("请确认接受保密承诺书（accept 为 true）。"))])
    signer_name = StringField(_l("承诺人姓名"), validators=[DataRequired(_l("请填写承诺人姓名。")), Length(max=64)])
