"""Register enumerations; each member's value is the label the formats document uses."""

from __future__ import annotations

import enum


class LabelEnum(enum.Enum):
    """An enum whose value is its Chinese label."""

    @property
    def label(self) -> str:
        return self.value

    @classmethod
    def from_label(cls, text: str):
        """The member whose label is ``text`` (after trimming), or None."""
        return cls._value2member_map_.get((text or "").strip())

    @classmethod
    def labels(cls) -> list[str]:
        return [m.value for m in cls]


class Sex(LabelEnum):
    MALE = "男"
    FEMALE = "女"


class Relation(LabelEnum):
    HEAD = "户主"
    SPOUSE = "配偶"
    CHILD = "子女"
    PARENT = "父母"
    DAUGHTER_IN_LAW = "儿媳"
    SON_IN_LAW = "女婿"
    GRANDCHILD = "孙子女"
    SIBLING = "兄弟姐妹"
    OTHER = "其他"


class Education(LabelEnum):
    PRIMARY = "小学及以下"
    JUNIOR = "初中"
    SENIOR = "高中"
    VOCATIONAL = "中专"
    COLLEGE = "大专及以上"

    @property
    def rank(self) -> int:
        """0 小学 … 4 大专; 高中 and 中专 share a rank."""
        return {"PRIMARY": 0, "JUNIOR": 1, "SENIOR": 2, "VOCATIONAL": 2, "COLLEGE": 3}[self.name]


class LaborCapacity(LabelEnum):
    FULL = "强劳动力"
    WEAK = "弱劳动力"
    HALF = "半劳动力"
    NONE = "无劳动能力"


class EmploymentStatus(LabelEnum):
    UNEMPLOYED = "未就业"
    LOCAL = "县内务工"
    IN_PROVINCE = "省内县外务工"
    OUT_OF_PROVINCE = "省外务工"
    PUBLIC_WELFARE = "公益性岗位"
    SELF_EMPLOYED = "自主创业"
    STUDENT = "在校学生"
    OTHER = "其他"

    @property
    def is_employed(self) -> bool:
        return self in EMPLOYED_STATUSES


EMPLOYED_STATUSES = frozenset(
    {
        EmploymentStatus.LOCAL,
        EmploymentStatus.IN_PROVINCE,
        EmploymentStatus.OUT_OF_PROVINCE,
        EmploymentStatus.PUBLIC_WELFARE,
        EmploymentStatus.SELF_EMPLOYED,
    }
)


class WorkPreference(LabelEnum):
    LOCAL = "县内就近"
    IN_PROVINCE = "省内"
    OUT_OF_PROVINCE = "省外"
    ANY = "不限"
    NONE = "暂无意愿"


class StatusEventKind(LabelEnum):
    CHANGE = "变更"
    CONFIRM = "核实未变"


class StatusSource(LabelEnum):
    IMPORT = "台账导入"
    EDIT = "人工修改"
    MONTHLY = "月度更新"
    PLACEMENT = "推荐录用"
    DEMO = "演示数据"
