"""Staff forms. Validation rules live in the services; forms only carry values."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from jobmatch.forms import Form
from jobmatch.jobs.enums import Channel, EmployerKind
from jobmatch.people.enums import Education, EmploymentStatus, LaborCapacity, Relation, WorkPreference


def _choices(enum_cls, blank: bool) -> dict[str, str]:
    options = {m.value: m.value for m in enum_cls}
    return ({"": "（未填）"} if blank else {}) | options


class PersonForm(Form):
    name = StringField("姓名")
    id_number = StringField("身份证号")
    relation = SelectField("与户主关系", choices=_choices(Relation, False), validate_choice=False)
    phone = StringField("联系电话")
    education = SelectField("文化程度", choices=_choices(Education, True), validate_choice=False)
    labor_capacity = SelectField("劳动能力", choices=_choices(LaborCapacity, False), validate_choice=False)
    employment_status = SelectField("就业状态", choices=_choices(EmploymentStatus, False), validate_choice=False)
    status_effective_on = DateField("状态生效日期", validators=[Optional()],
                                    description="就业状态有变化时填写变化发生的日期，默认今天")
    workplace = StringField("务工地点")
    monthly_income = StringField("月收入(元)")
    work_preference = SelectField("就业意愿", choices=_choices(WorkPreference, True), validate_choice=False)
    expected_wage = StringField("期望月薪(元)")
    wants_training = BooleanField("有培训意愿")
    skills = TextAreaField("技能", description="多个技能用顿号、逗号或换行分隔，按原样保存")
    certificates = TextAreaField("证书", description="如：养老护理员(四级)、C1驾驶证")
    is_monitored = BooleanField("防返贫监测对象")
    has_care_duty = BooleanField("有照料负担（需照顾老人、小孩或病人）")
    broker_consent = BooleanField("同意将信息共享给劳务经纪人")
    broker_consent_on = DateField("同意日期", validators=[Optional()], description="本人签字同意的日期；勾选但不填时按今天记录")


class StatusForm(Form):
    employment_status = SelectField("新的就业状态", choices=_choices(EmploymentStatus, False), validate_choice=False)
    effective_on = DateField("生效日期", validators=[Optional()])
    workplace = StringField("务工地点", validators=[Optional(), Length(max=120)])
    monthly_income = StringField("月收入(元)", validators=[Optional()])
    note = StringField("备注", validators=[Optional(), Length(max=200)])


class ConfirmForm(Form):
    """An empty form: only the CSRF token."""


class ImportForm(Form):
    kind = SelectField("文件类型", choices={"register": "劳动力台账", "sites": "安置点", "postings": "岗位",
                                         "outcomes": "推荐记录"})
    file = FileField("选择文件（.xlsx 或 .csv）", validators=[FileRequired("请选择要上传的文件")])
    dry_run = BooleanField("只校验，不导入")
    create_sites = BooleanField("台账中未知的安置点自动创建")


class SiteForm(Form):
    name = StringField("安置点名称", validators=[DataRequired("请填写安置点名称"), Length(max=80)])
    longitude = DecimalField("经度", validators=[Optional()], places=6)
    latitude = DecimalField("纬度", validators=[Optional()], places=6)
    planned_households = IntegerField("安置户数", validators=[Optional()])
    planned_people = IntegerField("安置人数", validators=[Optional()])


class NewSiteForm(SiteForm):
    county = StringField("县(区)", validators=[DataRequired("请填写县(区)"), Length(max=60)])
    township = StringField("镇(街道)", validators=[DataRequired("请填写镇(街道)"), Length(max=60)])


class SynonymForm(Form):
    text = StringField("写法", validators=[DataRequired("请填写同义词"), Length(max=60)])
    skill_id = SelectField("对应技能", coerce=int, choices={})


class SkillForm(Form):
    name = StringField("技能名称", validators=[DataRequired("请填写技能名称"), Length(max=40)])
    category = StringField("类别", validators=[Optional(), Length(max=40)])


class EmployerForm(Form):
    name = StringField("单位名称")
    kind = SelectField("单位类型", choices={k.value: k.value for k in EmployerKind}, validate_choice=False)
    site = StringField("所在安置点", description="社区工厂、园区企业所在（配套）的安置点")
    is_park = BooleanField("安置点配套产业园区企业（吸纳搬迁群众比例不低于 50%）")
    province = StringField("省份")
    address = StringField("地址")
    contact_name = StringField("联系人")
    contact_phone = StringField("联系电话")
    workforce = StringField("职工总数", description="单位最近报告的职工总人数，用于计算搬迁群众占比")


class BatchForm(Form):
    name = StringField("批次名称", description="如：2026年春季江苏苏州第一批")
    departs_on = StringField("出发日期", render_kw={"type": "date"})
    destination = StringField("目的地")
    posting_id = SelectField("劳务输出岗位", choices={}, validate_choice=False)
    contact_name = StringField("对方工作站联系人")
    contact_phone = StringField("联系电话")
    note = StringField("备注")


class SubsidyRulesForm(Form):
    retention_monthly = StringField("稳岗补助（元/月）")
    retention_max_months = StringField("稳岗补助最多月数")
    retention_min_days = StringField("当月在岗满多少天计一个月")
    hiring_amount = StringField("一次性吸纳就业补助（元/人）")
    hiring_min_months = StringField("吸纳补助要求在岗满（月）")
    hiring_channels = SelectMultipleField("吸纳补助适用渠道", choices={c.name: c.label for c in Channel},
                                          validate_choice=False)
