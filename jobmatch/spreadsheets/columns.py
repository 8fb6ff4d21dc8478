"""The column map of each exchange format: header label ↔ field name, required columns, sheet names."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    kind: str
    #: sheet names tried before the first sheet
    sheet_names: tuple[str, ...]
    #: (header label, field name, required), in export order
    columns: tuple[tuple[str, str, bool], ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _f, _r in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(label for label, _f, req in self.columns if req)

    def label_of(self, field: str) -> str:
        for label, name, _r in self.columns:
            if name == field:
                return label
        return field


SITES = Format(
    kind="sites",
    sheet_names=("安置点",),
    columns=(
        ("县(区)", "county", True),
        ("镇(街道)", "township", True),
        ("安置点", "site", True),
        ("经度", "longitude", False),
        ("纬度", "latitude", False),
        ("安置户数", "planned_households", False),
        ("安置人数", "planned_people", False),
    ),
)

REGISTER = Format(
    kind="register",
    sheet_names=("劳动力台账", "台账"),
    columns=(
        ("户编号", "household_code", True),
        ("县(区)", "county", True),
        ("镇(街道)", "township", True),
        ("安置点", "site", True),
        ("姓名", "name", True),
        ("身份证号", "id_number", True),
        ("与户主关系", "relation", True),
        ("性别", "sex", False),
        ("出生日期", "birth_date", False),
        ("联系电话", "phone", False),
        ("文化程度", "education", False),
        ("劳动能力", "labor_capacity", True),
        ("就业状态", "employment_status", True),
        ("务工地点", "workplace", False),
        ("月收入(元)", "monthly_income", False),
        ("就业意愿", "work_preference", False),
        ("期望月薪(元)", "expected_wage", False),
        ("培训意愿", "wants_training", False),
        ("技能", "skills", False),
        ("证书", "certificates", False),
        ("监测对象", "is_monitored", False),
        ("照料负担", "has_care_duty", False),
        ("同意共享给经纪人", "broker_consent", False),
        ("同意日期", "broker_consent_on", False),
    ),
)

FORMATS: dict[str, Format] = {f.kind: f for f in (SITES, REGISTER)}
KIND_LABELS = {"sites": "安置点", "register": "劳动力台账", "postings": "岗位", "outcomes": "推荐记录", "roster": "培训花名册"}


def register_format(fmt: Format) -> None:
    """Let another domain (postings, outcomes …) add its format to the map."""
    FORMATS[fmt.kind] = fmt
