from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forms import BaseForm
from forms.fields import options, phone

CONCLUSIONS = [("excellent", _l("优秀")), ("good", _l("良好")), ("qualified", _l("合格")), ("unqualified", _l("不合格"))]


class SpotCheckResultForm(BaseForm):
    result = SelectField(_l("检查结果"), choices=options([("pass", _l("合格")), ("fail", _l("不合格"))]),
                         validators=[DataRequired()])
    findings = TextAreaField(_l("检查发现"), validators=[DataRequired(), Length(max=4000)])


class EvaluationForm(BaseForm):
    period = StringField(_l("考核期间"), validators=[DataRequired(), Length(max=32)], description=_l("如：2026 年度"))
    score = IntegerField(_l("得分（0–100）"), validators=[DataRequired(), NumberRange(min=0, max=100)])
    conclusion = SelectField(_l("结论"), choices=options(CONCLUSIONS), validators=[DataRequired()])
    comment = TextAreaField(_l("评语"), validators=[Optional(), Length(max=4000)])


class ComplaintForm(BaseForm):
    content = TextAreaField(_l("投诉或建议内容"), validators=[DataRequired(), Length(min=5, max=4000)])
    name = StringField(_l("您的称呼（可不填）"), validators=[Optional(), Length(max=64)])
    contact = StringField(_l("联系电话（可不填，便于回复）"), validators=[Optional(), phone])


class ComplaintActionForm(BaseForm):
    outcome = TextAreaField(_l("处理结果"), validators=[Optional(), Length(max=4000)])
