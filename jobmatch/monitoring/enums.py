"""Monitoring enumerations; values are the Chinese labels users read."""

from __future__ import annotations

from jobmatch.people.enums import LabelEnum


class EpisodeOrigin(LabelEnum):
    """How a household came onto the zero-employment list."""

    IMPORT = "台账导入"
    STATUS_CHANGE = "状态变更"
    RETURNED_HOME = "失业返乡"
    NEW_MEMBER = "新增成员"
    PROFILE_CHANGE = "信息变更"
    SWEEP = "定期排查"


class ClearReason(LabelEnum):
    """Why an episode ended because of the data (not a policy exit)."""

    EMPLOYED = "成员就业"
    NO_ABLE_MEMBERS = "已无劳动力成员"


class ExitState(LabelEnum):
    """Policy exits: the household leaves the active list although nobody works."""

    REFUSED_THREE = "三次推荐均拒绝"
    LOST_CONTACT = "三个月失联"
    MOVED_AWAY = "迁出或户籍注销"
    OTHER = "其他（经县级审核）"


class EscalationLevel(LabelEnum):
    TOWNSHIP = "镇级跟踪"
    COUNTY = "县级督办"


class MeasureKind(LabelEnum):
    REFERRAL = "推荐就业"
    TRAINING = "技能培训"
    PUBLIC_WELFARE = "公益性岗位"
    SUBSIDY = "就业补贴"
    SELF_EMPLOYMENT = "自主创业扶持"
    OTHER = "其他帮扶"


class ProposalState(LabelEnum):
    PENDING_TOWNSHIP = "待镇级确认"
    PENDING_COUNTY = "待县级审核"
    APPLIED = "已生效"
    REJECTED = "已退回"
