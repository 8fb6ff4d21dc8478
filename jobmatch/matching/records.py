"""The in-memory contract between the app and the matching engine.

The app loads people, postings and referral outcomes from its database and
hands them over as these plain dataclasses; :mod:`jobmatch.matching.tables`
turns them into columnar arrays once, and everything after that is
vectorised. Nothing here imports Flask or SQLAlchemy.

Enumerations are plain upper-case strings (the names used in the app's
enums), so the app can pass ``enum.name`` without the engine importing its
models.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

#: 劳动能力 强/弱/半/无
LABOR_CAPACITIES = ("FULL", "WEAK", "HALF", "NONE")
#: 就业状态
EMPLOYMENT_STATUSES = (
    "UNEMPLOYED",
    "LOCAL",
    "IN_PROVINCE",
    "OUT_OF_PROVINCE",
    "PUBLIC_WELFARE",
    "SELF_EMPLOYED",
    "STUDENT",
    "OTHER",
)
#: 就业意愿 县内就近 / 省内 / 省外 / 不限 / 暂无意愿
WORK_PREFERENCES = ("LOCAL", "IN_PROVINCE", "OUT_OF_PROVINCE", "ANY", "NONE")
#: 渠道
CHANNELS = ("COMMUNITY_FACTORY", "PUBLIC_WELFARE", "LABOR_EXPORT", "ENTERPRISE", "OTHER")
#: 劳动强度 轻 / 中 / 重
INTENSITIES = ("LIGHT", "MEDIUM", "HEAVY")
#: 工作时间 弹性 / 白班 / 两班倒 / 三班倒
HOURS = ("FLEXIBLE", "DAY", "TWO_SHIFT", "THREE_SHIFT")
#: 推荐结果 已推荐 / 面试 / 录用 / 未录用 / 本人放弃 / 离职
RESULTS = ("REFERRED", "INTERVIEW", "HIRED", "REJECTED", "DECLINED", "LEFT")
#: 文化程度 ordinal used in records: 0 小学及以下, 1 初中, 2 高中, 3 中专, 4 大专及以上
EDUCATION_LABELS = ("小学及以下", "初中", "高中", "中专", "大专及以上")

SEXES = ("M", "F")


@dataclass(frozen=True, slots=True)
class CertificateHeld:
    """One certificate a person holds (证书), optionally with level and expiry."""

    certificate_id: int
    level: str | None = None
    expires_on: date | None = None


@dataclass(slots=True)
class PersonRecord:
    """One register row (劳动力台账) as the engine needs it."""

    person_id: Hashable
    birth_date: date | None
    #: 'M' / 'F' / None — used only by the fairness report, never as a feature.
    sex: str | None
    #: 0 小学及以下, 1 初中, 2 高中, 3 中专, 4 大专及以上, None unknown
    education: int | None
    labor_capacity: str
    employment_status: str
    work_preference: str
    expected_wage: float | None = None
    has_care_duty: bool = False
    is_monitored: bool = False
    in_zero_employment_household: bool = False
    site_lon: float | None = None
    site_lat: float | None = None
    county_id: int | None = None
    #: province name, e.g. '陕西' (suffixes like 省 are ignored)
    province: str | None = None
    skill_ids: Sequence[int] = ()
    certificates: Sequence[CertificateHeld] = ()
    #: CSCO occupation codes such as '6-25-04-01'; may be empty
    occupation_codes: Sequence[str] = ()
    public_welfare_months_held: int = 0


@dataclass(slots=True)
class PostingRecord:
    """One open job posting (岗位)."""

    posting_id: Hashable
    code: str
    employer_id: Hashable
    channel: str
    title: str = ""
    csco_code: str | None = None
    province: str | None = None
    #: the workplace's county, when known
    county_id: int | None = None
    lon: float | None = None
    lat: float | None = None
    min_age: int | None = None
    max_age: int | None = None
    #: minimum education ordinal (same scale as PersonRecord.education), None = 不限
    education: int | None = None
    must_skill_ids: Sequence[int] = ()
    nice_skill_ids: Sequence[int] = ()
    required_certificate_ids: Sequence[int] = ()
    intensity: str | None = None
    hours: str | None = None
    wage_min: float | None = None
    wage_max: float | None = None
    board_lodging: bool = False
    open_slots: int = 1
    #: closed postings are passed too when outcomes refer to them (for training); only open ones are ranked
    is_open: bool = True


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """One referral (推荐记录) and what became of it."""

    person_id: Hashable
    posting_id: Hashable
    referred_on: date
    result: str
    started_on: date | None = None
    ended_on: date | None = None


@dataclass(slots=True)
class Names:
    """Chinese display names used by explanations (skill id → 名称, certificate id → 名称)."""

    skills: Mapping[int, str] = field(default_factory=dict)
    certificates: Mapping[int, str] = field(default_factory=dict)

    def skill(self, skill_id: int) -> str:
        """Display name of a skill (falls back to its id)."""
        return self.skills.get(skill_id) or f"技能{skill_id}"

    def certificate(self, certificate_id: int) -> str:
        """Display name of a certificate, always ending in 证 for natural sentences."""
        name = self.certificates.get(certificate_id) or f"证书{certificate_id}"
        return name if name.endswith(("证", "证书")) else name + "证"


_PROVINCE_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)


def normalize_province(name: str | None) -> str | None:
    """'陕西省' → '陕西', '广西壮族自治区' → '广西'; None or blank → None."""
    if name is None:
        return None
    name = name.strip()
    if not name:
        return None
    for suffix in _PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name
