"""Monitoring forms. Validation rules live in the services; forms only carry values."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from jobmatch.forms import Form
from jobmatch.monitoring.enums import ExitState, MeasureKind
from jobmatch.people.enums import EmploymentStatus


def _choices(enum_cls) -> dict[str, str]:
    return {m.value: m.value for m in enum_cls}


class PlanForm(Form):
    summary = TextAreaField("家庭情况与帮扶目标", validators=[Optional(), Length(max=2000)])


class MeasureForm(Form):
    kind = SelectField("措施类型", choices=_choices(MeasureKind), validate_choice=False)
    description = StringField("措施内容", validators=[Optional(), Length(max=300)])
    responsible_id = SelectField("责任人", choices=[], validate_choice=False)
    due_on = DateField("完成期限", validators=[Optional()])


class MeasureDoneForm(Form):
    done_on = DateField("完成日期", validators=[Optional()])
    done_note = StringField("办理结果", validators=[Optional(), Length(max=300)])


class VisitForm(Form):
    visited_on = DateField("走访日期", validators=[Optional()])
    reached = SelectField("是否联系上", choices={"1": "已联系上", "0": "未联系上"}, validate_choice=False)
    note = TextAreaField("走访情况", validators=[Optional(), Length(max=2000)])


class ExitForm(Form):
    state = SelectField("退出情形", choices=_choices(ExitState), validate_choice=False)
    evidence = TextAreaField("退出依据（时间、经过、证明材料）", validators=[Optional(), Length(max=2000)])


class ProposalForm(Form):
    status = SelectField("新的就业状态", choices=_choices(EmploymentStatus), validate_choice=False)
    effective_on = DateField("生效日期", validators=[Optional()])
    discovered_on = DateField("发现日期", validators=[Optional()], description="采集员得知变化的日期")
    workplace = StringField("务工地点", validators=[Optional(), Length(max=120)])
    monthly_income = StringField("月收入(元)", validators=[Optional()])
    note = StringField("情况说明", validators=[Optional(), Length(max=300)])


class RejectForm(Form):
    reason = StringField("退回原因", validators=[Optional(), Length(max=300)])


class EmptyForm(Form):
    """Only the CSRF token."""
