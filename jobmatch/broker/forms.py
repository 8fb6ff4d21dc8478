"""Posting, referral and outcome forms (brokers and staff). Forms only carry values; services validate."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, TextAreaField

from jobmatch.forms import Form
from jobmatch.jobs.enums import Channel, Intensity, ReferralOutcome, WorkHours
from jobmatch.jobs.validation import NO_REQUIREMENT
from jobmatch.people.enums import Education


def _choices(enum_cls, blank: str | None = None) -> dict[str, str]:
    options = {m.value: m.value for m in enum_cls}
    return ({"": blank} if blank is not None else {}) | options


class PostingForm(Form):
    title = StringField("岗位名称")
    employer = StringField("用工单位", description="新单位会自动登记")
    channel = SelectField("渠道", choices=_choices(Channel), validate_choice=False)
    headcount = StringField("招聘人数", render_kw={"inputmode": "numeric"})
    province = StringField("工作省份", default="陕西")
    workplace = StringField("工作地点")
    site = StringField("安置点", description="社区工厂、公益性岗位等在安置点的岗位填写")
    min_age = StringField("最低年龄", render_kw={"inputmode": "numeric"})
    max_age = StringField("最高年龄", render_kw={"inputmode": "numeric"})
    education = SelectField("文化程度要求", choices={NO_REQUIREMENT: NO_REQUIREMENT} | _choices(Education),
                            validate_choice=False)
    must_skills = StringField("技能要求（必备）", description="多个用顿号分隔")
    nice_skills = StringField("优先技能")
    certificates = StringField("证书要求", description="按证书目录填写，如：C1驾驶证、养老护理员(四级)")
    intensity = SelectField("劳动强度", choices=_choices(Intensity, "（未填）"), validate_choice=False)
    hours = SelectField("工作时间", choices=_choices(WorkHours, "（未填）"), validate_choice=False)
    wage_min = StringField("月薪下限(元)", render_kw={"inputmode": "numeric"})
    wage_max = StringField("月薪上限(元)", render_kw={"inputmode": "numeric"})
    board_lodging = BooleanField("包吃住")
    deadline = StringField("截止日期", render_kw={"type": "date"})
    longitude = StringField("经度")
    latitude = StringField("纬度")
    #: the occupation code: a typed code wins over a picked suggestion; neither = first suggestion, unconfirmed
    csco_code = StringField("职业代码（职业分类大典 2022 细类）", description="从推荐中选择，或填写细类代码如 6-25-04-07；不选则按第一推荐记为“待确认”")
    csco_pick = StringField("推荐职业")

    def values(self) -> dict:
        """The raw values for ``jobs.save_posting``."""
        return {name: f.data for name, f in self._fields.items() if name != "csrf_token"}


class ReferForm(Form):
    override_reason = TextAreaField("推荐理由", description="不符合岗位硬性条件时必须填写，会记录在案")
    note = StringField("备注")


class OutcomeForm(Form):
    outcome = SelectField("结果", choices={o.value: o.value for o in ReferralOutcome if o is not ReferralOutcome.REFERRED},
                          validate_choice=False)
    on = StringField("日期", render_kw={"type": "date"}, description="录用填入职日期，离职填离职日期；默认今天")
    note = StringField("备注")


class ActionForm(Form):
    """An empty form: only the CSRF token (publish, close, recompute …)."""
