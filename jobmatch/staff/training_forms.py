"""Training forms. Validation rules live in the training services; forms only carry values."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from jobmatch.forms import Form
from jobmatch.training.enums import CourseKind, ExamResult
from jobmatch.training.services import LEVEL_SHORT
from jobmatch.vocab.models import CertificateKind

LEVEL_CHOICES = {"": "（不分等级）"} | {str(k): f"{v}" for k, v in LEVEL_SHORT.items()}


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class CourseForm(Form):
    name = StringField("课程名称")
    kind = SelectField("培训类型", choices={k.value: k.value for k in CourseKind}, validate_choice=False)
    provider_id = SelectField("培训机构", coerce=_optional_int, choices={}, validate_choice=False)
    county_id = SelectField("所属县(区)", coerce=_optional_int, choices={}, validate_choice=False)
    site_id = SelectField("安置点（面向某个安置点时选择）", coerce=_optional_int, choices={}, validate_choice=False)
    skill_id = SelectField("培训技能", coerce=_optional_int, choices={}, validate_choice=False)
    certificate_id = SelectField("对应证书", coerce=_optional_int, choices={}, validate_choice=False)
    certificate_level = SelectField("证书等级", coerce=_optional_int, choices=LEVEL_CHOICES, validate_choice=False)
    employer_name = StringField("用工单位（订单/定向/定岗培训）")
    place = StringField("培训地点")
    starts_on = DateField("开班日期", validators=[Optional()])
    ends_on = DateField("结业日期", validators=[Optional()])
    capacity = IntegerField("计划人数", validators=[Optional()])
    subsidy_per_trainee = DecimalField("每人补贴标准(元)", validators=[Optional()], places=0)
    hours = IntegerField("课时", validators=[Optional()])
    description = TextAreaField("说明")
    is_open_for_signup = BooleanField("在自助终端开放报名", default=True)
    employer_id = SelectField("关联用工单位（岗位库）", coerce=_optional_int, choices={}, validate_choice=False)
    #: ids of the linked postings, comma-separated (filled from a skill gap; shown as a list)
    posting_ids = StringField("关联岗位")

    def posting_id_list(self) -> tuple[int, ...] | None:
        """The linked posting ids, or None when the field was not sent (an edit keeps the links)."""
        raw = (self.posting_ids.data or "").strip()
        if self.posting_ids.raw_data is None and not raw:
            return None
        try:
            return tuple(int(v) for v in raw.replace("，", ",").split(",") if v.strip())
        except ValueError:
            return (-1,)  # refused by the service: 关联的岗位不存在


class EnrollForm(Form):
    person_id = IntegerField("人员", validators=[Optional()])


class EnrollManyForm(Form):
    """Enrol the ticked people (checkboxes named person_id) at once."""


class SessionForm(Form):
    held_on = DateField("上课日期", validators=[Optional()])
    topic = StringField("内容")
    hours = DecimalField("课时", validators=[Optional()], places=1)


class CompleteForm(Form):
    completed_on = DateField("结业日期", validators=[Optional()])


class ExamForm(Form):
    exam_result = SelectField("考试结果", choices={e.value: e.value for e in ExamResult}, validate_choice=False)
    exam_on = DateField("考试日期", validators=[Optional()])


class AwardForm(Form):
    certificate_id = SelectField("证书", coerce=_optional_int, choices={}, validate_choice=False)
    level = SelectField("等级", coerce=_optional_int, choices=LEVEL_CHOICES, validate_choice=False)
    number = StringField("证书编号")
    awarded_on = DateField("发证日期", validators=[Optional()])
    expires_on = DateField("有效期至（留空按证书目录计算）", validators=[Optional()])
    evidence = StringField("核验依据（在别处取得的证书必填）")


class RenewForm(Form):
    renewed_on = DateField("复审日期", validators=[Optional()])
    expires_on = DateField("新的有效期至（留空按证书目录计算）", validators=[Optional()])
    evidence = StringField("复审依据")


class DropForm(Form):
    note = StringField("退出原因")


class TargetForm(Form):
    region_id = SelectField("区域", coerce=_optional_int, choices={}, validate_choice=False)
    year = IntegerField("年度", validators=[Optional()])
    training_rate = DecimalField("培训率目标(%)", validators=[Optional()], places=1)
    certificate_rate = DecimalField("持证率目标(%)", validators=[Optional()], places=1)
    skills_per_worker = DecimalField("人均掌握技能数", validators=[Optional()], places=1)


class ProviderForm(Form):
    name = StringField("机构名称")
    county_id = SelectField("所属县(区)", coerce=_optional_int, choices={}, validate_choice=False)
    contact = StringField("联系人")
    phone = StringField("机构电话")


class CertificateForm(Form):
    name = StringField("证书名称")
    kind = SelectField("类别", choices={k.name: k.value for k in CertificateKind}, validate_choice=False)
    issuer = StringField("发证机构")
    validity_years = IntegerField("有效期(年)", validators=[Optional()])
    review_years = IntegerField("复审周期(年)", validators=[Optional()])
    has_levels = BooleanField("分等级（五级/初级工 … 一级/高级技师）")
    skill_id = SelectField("对应技能", coerce=_optional_int, choices={}, validate_choice=False)
    synonyms = StringField("其他写法（用顿号分隔）")


class RosterForm(Form):
    file = FileField("花名册文件（.xlsx 或 .csv）", validators=[FileRequired("请选择要上传的文件")])
    dry_run = BooleanField("只校验，不导入")
