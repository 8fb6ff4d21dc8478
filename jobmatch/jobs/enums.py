"""Job enumerations; each member's value is the Chinese label the postings and outcomes formats use."""

from __future__ import annotations

from jobmatch.people.enums import LabelEnum


class EmployerKind(LabelEnum):
    COMMUNITY_FACTORY = "社区工厂"
    PUBLIC_WELFARE_UNIT = "公益性岗位单位"
    LABOR_EXPORT_PARTNER = "劳务协作站"
    ENTERPRISE = "县内企业"
    OTHER = "其他"


class Channel(LabelEnum):
    COMMUNITY_FACTORY = "社区工厂"
    PUBLIC_WELFARE = "公益性岗位"
    LABOR_EXPORT = "劳务输出"
    ENTERPRISE = "县内企业"
    OTHER = "其他"

    @classmethod
    def from_label(cls, text: str):
        """Also accepts the names counties use for the same channel (帮扶车间, 劳务协作 …)."""
        raw = (text or "").strip()
        return cls._value2member_map_.get(CHANNEL_ALIASES.get(raw, raw))


CHANNEL_ALIASES = {
    "帮扶车间": "社区工厂", "就业工坊": "社区工厂", "社区工厂/帮扶车间": "社区工厂", "新社区工厂": "社区工厂",
    "公益岗": "公益性岗位", "公益岗位": "公益性岗位", "劳务协作": "劳务输出", "劳务输出/劳务协作": "劳务输出",
    "县内企业用工": "县内企业", "企业": "县内企业",
}

#: the kind of employer a channel's postings usually come from (new employers met in an import)
EMPLOYER_KIND_OF_CHANNEL = {
    Channel.COMMUNITY_FACTORY: EmployerKind.COMMUNITY_FACTORY,
    Channel.PUBLIC_WELFARE: EmployerKind.PUBLIC_WELFARE_UNIT,
    Channel.LABOR_EXPORT: EmployerKind.LABOR_EXPORT_PARTNER,
    Channel.ENTERPRISE: EmployerKind.ENTERPRISE,
    Channel.OTHER: EmployerKind.OTHER,
}


class PostingStatus(LabelEnum):
    DRAFT = "草稿"
    OPEN = "招聘中"
    FILLED = "已招满"
    CLOSED = "已关闭"
    EXPIRED = "已过期"


class Intensity(LabelEnum):
    LIGHT = "轻"
    MEDIUM = "中"
    HEAVY = "重"


class WorkHours(LabelEnum):
    FLEXIBLE = "弹性"
    DAY = "白班"
    TWO_SHIFT = "两班倒"
    THREE_SHIFT = "三班倒"

    @property
    def is_shift(self) -> bool:
        return self in (WorkHours.TWO_SHIFT, WorkHours.THREE_SHIFT)


class Place(LabelEnum):
    """Where a job is, seen from the county: what willingness and status mapping compare against."""

    LOCAL = "县内"
    IN_PROVINCE = "省内县外"
    OUT_OF_PROVINCE = "省外"


class ReferralOutcome(LabelEnum):
    REFERRED = "已推荐"
    INTERVIEW = "面试"
    HIRED = "录用"
    REJECTED = "未录用"
    DECLINED = "本人放弃"
    LEFT = "离职"

    @property
    def is_pending(self) -> bool:
        return self in (ReferralOutcome.REFERRED, ReferralOutcome.INTERVIEW)

    @property
    def is_hire(self) -> bool:
        return self in (ReferralOutcome.HIRED, ReferralOutcome.LEFT)


#: allowed moves of a referral (imports may state any later result; see jobs.services)
TRANSITIONS = {
    ReferralOutcome.REFERRED: (ReferralOutcome.INTERVIEW, ReferralOutcome.HIRED, ReferralOutcome.REJECTED,
                               ReferralOutcome.DECLINED),
    ReferralOutcome.INTERVIEW: (ReferralOutcome.HIRED, ReferralOutcome.REJECTED, ReferralOutcome.DECLINED),
    ReferralOutcome.HIRED: (ReferralOutcome.LEFT,),
    ReferralOutcome.REJECTED: (),
    ReferralOutcome.DECLINED: (),
    ReferralOutcome.LEFT: (),
}

#: how far along a result is; an import never moves a referral backwards
OUTCOME_STAGE = {
    ReferralOutcome.REFERRED: 0, ReferralOutcome.INTERVIEW: 1, ReferralOutcome.HIRED: 2,
    ReferralOutcome.REJECTED: 2, ReferralOutcome.DECLINED: 2, ReferralOutcome.LEFT: 3,
}


class SubsidyKind(LabelEnum):
    RETENTION = "稳岗补助"
    HIRING = "一次性吸纳就业补助"
