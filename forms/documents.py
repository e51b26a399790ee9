"""Forms of the standard documents: which part of a case to print, the batch export, the public check."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forms import BaseForm


class DocumentQuery(BaseForm):
    """``?assessment_id=`` / ``?follow_up_id=`` (docs/domain.md#api-contract) and ``?agreement_id=``: which one of a case's
    assessments, follow-ups or agreements; without it, the latest."""

    class Meta:
        csrf = False

    assessment_id = IntegerField(_l("评估编号"), validators=[Optional(), NumberRange(min=1)])
    follow_up_id = IntegerField(_l("回访编号"), validators=[Optional(), NumberRange(min=1)])
    agreement_id = IntegerField(_l("协议编号"), validators=[Optional(), NumberRange(min=1)])

    def parts(self) -> dict[str, int | None]:
        return {"assessment": self.assessment_id.data, "follow_up": self.follow_up_id.data,
                "agreement": self.agreement_id.data}


class ExportForm(BaseForm):
    code = SelectField(_l("文书"), validators=[DataRequired()])
    state = StringField(_l("个案状态"), validators=[Optional(), Length(max=16)])


class VerifyForm(BaseForm):
    class Meta:
        csrf = False

    code = StringField(_l("校验码"), validators=[DataRequired(), Length(max=40)],
                       description=_l("文书底部的 16 位校验码，例如 7Q4M-K2XD-…；不区分大小写。"))
