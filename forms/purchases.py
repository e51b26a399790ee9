"""Purchase statements (docs/domain.md#purchase-of-services): issue, answer, export, and the list filters.
Choices of months and institutions are set per request by the view (forms query nothing)."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from forms import BaseForm
from forms.fields import options
from workflows.purchase import ANSWER_EVENTS

MONTH = Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$", message=_l("月份应为 YYYY-MM。"))


class IssueStatementForm(BaseForm):
    """The county's issue form: both are selects, never typed ids."""

    month = SelectField(_l("结算月份"), validators=[DataRequired()])
    institution_id = SelectField(_l("服务机构"), coerce=int, validators=[DataRequired()])

    def with_choices(self, months, institutions) -> "IssueStatementForm":
        self.month.choices = options((m, m) for m in months)
        self.institution_id.choices = options((i.id, i.name) for i in institutions)
        return self


class AnswerStatementForm(BaseForm):
    comment = TextAreaField(_l("意见说明"), validators=[Optional(), Length(max=2000)],
                            description=_l("提出异议时必填：写明哪些数字有误及依据。"))


class ExportStatementForm(BaseForm):
    reason = StringField(_l("导出理由"), validators=[DataRequired(), Length(max=200)],
                         description=_l("如：季度拨付核对。导出记录在审计日志中。"))


class StatementListQuery(BaseForm):
    """The list page's filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    month = SelectField(_l("月份"), validators=[Optional()])
    institution = SelectField(_l("服务机构"), validators=[Optional()])

    def with_choices(self, months, institutions) -> "StatementListQuery":
        self.month.choices = options([("", _l("全部")), *((m, m) for m in months)])
        self.institution.choices = options([("", _l("全部")), *((str(i.id), i.name) for i in institutions)])
        return self


# --- API -------------------------------------------------------------------------------------------------

class ApiStatementListQuery(BaseForm):
    class Meta:
        csrf = False

    month = StringField(_l("月份（YYYY-MM）"), validators=[Optional(), MONTH])
    institution_id = IntegerField(_l("机构编号"), validators=[Optional(), NumberRange(min=1)])
    page = IntegerField(_l("页码"), validators=[Optional(), NumberRange(min=1)])
    per_page = IntegerField(_l("每页条数"), validators=[Optional(), NumberRange(min=1, max=100)])


class ApiIssueStatementForm(BaseForm):
    month = StringField(_l("结算月份（YYYY-MM，已结束的月份）"), validators=[DataRequired(), MONTH])
    institution_id = IntegerField(_l("机构编号"), validators=[DataRequired(), NumberRange(min=1)])


class ApiStatementEventForm(BaseForm):
    event = SelectField(_l("事件"), choices=options((e, e) for e in ANSWER_EVENTS), validators=[DataRequired()])
    comment = TextAreaField(_l("意见说明（提出异议时必填）"), validators=[Optional(), Length(max=2000)])
