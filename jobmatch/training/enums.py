"""Training enumerations; each member's value is its Chinese label."""

from __future__ import annotations

from jobmatch.people.enums import LabelEnum


class CourseKind(LabelEnum):
    ORDER = "订单培训"
    DIRECTED = "定向培训"
    POST = "定岗培训"
    WORK_BASED = "以工代训"
    PRE_JOB = "岗前培训"
    STARTUP = "创业培训"

    @property
    def is_job_linked(self) -> bool:
        """Training tied to a named employer or its postings."""
        return self in (CourseKind.ORDER, CourseKind.DIRECTED, CourseKind.POST, CourseKind.WORK_BASED)


class EnrollmentStatus(LabelEnum):
    ENROLLED = "在训"
    COMPLETED = "已结业"
    DROPPED = "中途退出"


class ExamResult(LabelEnum):
    PASSED = "合格"
    FAILED = "不合格"
    ABSENT = "缺考"


class EnrollSource(LabelEnum):
    STAFF = "工作人员报名"
    KIOSK = "自助终端报名"
    ROSTER = "花名册导入"
    DEMO = "演示数据"
