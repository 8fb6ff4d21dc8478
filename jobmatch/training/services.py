"""Training services: providers, courses, sessions, enrolment, attendance, completion, exams,
certificate awards and renewals, targets.

Services validate (Chinese messages) and flush; the caller commits once. A completed course
adds the course's skill to the person's skills, an awarded certificate adds the certificate
(and the skill it implies) to the person's certificates, both with ``source="培训"`` so a
register re-import (which replaces only ``source="台账"`` rows) keeps them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.database import today as _today
from jobmatch.database import utcnow
from jobmatch.errors import Conflict, NotFound, PermissionDenied, ValidationError
from jobmatch.extensions import db
from jobmatch.people.models import Person, PersonCertificate, PersonSkill
from jobmatch.people.services import TRAINING_SOURCE
from jobmatch.places.models import Region, RegionLevel, Site
from jobmatch.places.services import Scope
from jobmatch.training.enums import CourseKind, EnrollmentStatus, EnrollSource, ExamResult
from jobmatch.training.models import (
    Attendance,
    CertificateAward,
    Course,
    CourseSession,
    Enrollment,
    TrainingProvider,
    TrainingTarget,
)
from jobmatch.vocab.models import Certificate, Skill

#: share of a course's held sessions a trainee must attend to complete it
MIN_ATTENDANCE = 0.8
MAX_CAPACITY = 500
LEVEL_SHORT = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}
#: training rows sort after the register's own items
TRAINING_POSITION = 100
ACTIVE = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED)


def _chunks(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def certificate_text(name: str, level: int | None) -> str:
    """How an awarded certificate reads in the person's list: 养老护理员(四级)."""
    return f"{name}({LEVEL_SHORT[level]})" if level else name


# --- scope --------------------------------------------------------------------------------------

def county_ids_of(scope: Scope) -> sa.Select:
    """The counties with at least one site inside ``scope`` (a subquery for IN clauses)."""
    return sa.select(Site.county_id).where(scope.filter(Site.id)).distinct()


def visible_courses(scope: Scope) -> sa.ColumnElement[bool]:
    """Courses a user sees: those organised by a county their scope reaches into."""
    return Course.county_id.in_(county_ids_of(scope))


def counties_in_scope(scope: Scope) -> list[Region]:
    return list(db.session.scalars(
        sa.select(Region).where(Region.id.in_(county_ids_of(scope))).order_by(Region.name)
    ))


def get_course(course_id: int, scope: Scope) -> Course:
    """A course visible in ``scope``; others are reported as not found."""
    course = db.session.scalar(sa.select(Course).where(Course.id == course_id, visible_courses(scope)))
    if course is None:
        raise NotFound("找不到该课程，或不在您的管辖范围内")
    return course


def find_course_by_code(code: str, scope: Scope | None) -> Course | None:
    stmt = sa.select(Course).where(Course.code == (code or "").strip().upper())
    if scope is not None:
        stmt = stmt.where(visible_courses(scope))
    return db.session.scalar(stmt)


def get_enrollment(enrollment_id: int, scope: Scope) -> Enrollment:
    """An enrolment of a person inside ``scope``."""
    enrollment = db.session.scalar(
        sa.select(Enrollment).join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.id == enrollment_id, scope.filter(Person.site_id))
    )
    if enrollment is None:
        raise NotFound("找不到该报名记录，或该学员不在您的管辖范围内")
    return enrollment


# --- providers ----------------------------------------------------------------------------------

def list_providers(scope: Scope, *, active_only: bool = False) -> list[TrainingProvider]:
    """Providers of the counties in scope, and those serving any county."""
    stmt = sa.select(TrainingProvider).where(
        sa.or_(TrainingProvider.county_id.is_(None), TrainingProvider.county_id.in_(county_ids_of(scope)))
    )
    if active_only:
        stmt = stmt.where(TrainingProvider.is_active.is_(True))
    return list(db.session.scalars(stmt.order_by(TrainingProvider.name)))


def add_provider(name: str, *, county_id: int | None, contact: str | None, phone: str | None,
                 scope: Scope, actor=None) -> TrainingProvider:
    """Register a training provider."""
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 80:
        errors["name"] = "机构名称不能为空且不超过 80 个字"
    elif db.session.scalar(sa.select(TrainingProvider.id).where(TrainingProvider.name == name)):
        errors["name"] = "已有同名培训机构"
    if county_id is not None and county_id not in {c.id for c in counties_in_scope(scope)}:
        errors["county_id"] = "所属县不在您的管辖范围内"
    if errors:
        raise ValidationError("培训机构信息有误", fields=errors)
    provider = TrainingProvider(name=name, county_id=county_id, contact=(contact or "").strip() or None,
                                phone=(phone or "").strip() or None)
    db.session.add(provider)
    db.session.flush()
    audit.record("edit_training", "provider", provider.id, actor=actor, name=name)
    return provider


# --- courses ------------------------------------------------------------------------------------

@dataclass
class CourseFields:
    """What a course form or a skill gap supplies; ``validate_course`` checks it."""

    name: str = ""
    kind: CourseKind | None = None
    provider_id: int | None = None
    county_id: int | None = None
    site_id: int | None = None
    skill_id: int | None = None
    certificate_id: int | None = None
    certificate_level: int | None = None
    employer_name: str | None = None
    place: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    capacity: int | None = None
    subsidy_per_trainee: float | None = None
    hours: int | None = None
    description: str | None = None
    is_open_for_signup: bool = True
    #: 订单培训 links: an employer of the jobs register and postings of the staff member's counties
    employer_id: int | None = None
    posting_ids: tuple[int, ...] | None = None


def validate_course(f: CourseFields, scope: Scope, course: Course | None = None) -> dict[str, str]:
    """Field → Chinese reason for every problem of a new or edited course."""
    errors: dict[str, str] = {}
    f.name = (f.name or "").strip()
    if not f.name or len(f.name) > 80:
        errors["name"] = "课程名称不能为空且不超过 80 个字"
    if f.kind is None:
        errors["kind"] = "请选择培训类型"
    provider = db.session.get(TrainingProvider, f.provider_id) if f.provider_id else None
    if provider is None:
        errors["provider_id"] = "请选择培训机构"
    elif not provider.is_active and (course is None or course.provider_id != provider.id):
        errors["provider_id"] = "该培训机构已停用"
    if f.county_id is None or f.county_id not in {c.id for c in counties_in_scope(scope)}:
        errors["county_id"] = "请选择您管辖范围内的县"
    if f.site_id is not None:
        site = db.session.get(Site, f.site_id)
        if site is None or not scope.allows(site.id) or site.county_id != f.county_id:
            errors["site_id"] = "安置点须在所选县内且在您的管辖范围内"
    if f.skill_id is not None and db.session.get(Skill, f.skill_id) is None:
        errors["skill_id"] = "技能不存在"
    certificate = db.session.get(Certificate, f.certificate_id) if f.certificate_id else None
    if f.certificate_id and certificate is None:
        errors["certificate_id"] = "证书不存在"
    if f.certificate_level is not None:
        if certificate is None or not certificate.has_levels:
            errors["certificate_level"] = "所选证书不分等级，请留空"
        elif f.certificate_level not in LEVEL_SHORT:
            errors["certificate_level"] = "等级应为一级至五级"
    _validate_links(f, scope, course, errors)
    if f.kind is CourseKind.ORDER and not (f.employer_name or "").strip():
        errors["employer_name"] = "订单培训须写明用工单位"
    if f.employer_name and len(f.employer_name) > 120:
        errors["employer_name"] = "不超过 120 个字"
    if f.place and len(f.place) > 120:
        errors["place"] = "不超过 120 个字"
    if f.starts_on is None:
        errors["starts_on"] = "请填写开班日期"
    if f.ends_on is None:
        errors["ends_on"] = "请填写结业日期"
    elif f.starts_on is not None and f.ends_on < f.starts_on:
        errors["ends_on"] = "结束日期不能早于开班日期"
    if f.capacity is None or not 1 <= f.capacity <= MAX_CAPACITY:
        errors["capacity"] = f"计划人数应在 1 到 {MAX_CAPACITY} 之间"
    if f.subsidy_per_trainee is not None and f.subsidy_per_trainee < 0:
        errors["subsidy_per_trainee"] = "补贴标准不能为负数"
    if f.hours is not None and f.hours < 0:
        errors["hours"] = "课时不能为负数"
    if course is not None and "capacity" not in errors:
        active = _active_count(course.id)
        if f.capacity < active:
            errors["capacity"] = f"已有 {active} 人报名，计划人数不能少于 {active}"
    if course is not None and f.starts_on and f.ends_on and "ends_on" not in errors:
        outside = [s.held_on for s in course.sessions if not f.starts_on <= s.held_on <= f.ends_on]
        if outside:
            errors["ends_on"] = f"已有课次（{outside[0]:%Y-%m-%d}）不在新的日期范围内，请先调整课次"
    return errors


def _validate_links(f: CourseFields, scope: Scope, course: Course | None, errors: dict[str, str]) -> None:
    """The linked employer and postings must belong to the user's counties; newly linked postings
    must be open. A linked employer fills in an empty employer name."""
    from jobmatch.jobs.enums import PostingStatus
    from jobmatch.jobs.models import Employer, Posting

    counties = {c.id for c in counties_in_scope(scope)}
    employer = db.session.get(Employer, f.employer_id) if f.employer_id else None
    if f.employer_id and (employer is None or employer.county_id not in counties):
        errors["employer_id"] = "用工单位不存在或不在您的管辖范围内"
    elif employer is not None and not (f.employer_name or "").strip():
        f.employer_name = employer.name
    if not f.posting_ids:
        return
    ids = sorted(set(f.posting_ids))
    postings = {p.id: p for p in db.session.scalars(sa.select(Posting).where(Posting.id.in_(ids)))}
    already = {p.id for p in course.postings} if course is not None else set()
    bad = [i for i in ids if i not in postings or postings[i].county_id not in counties]
    closed = [postings[i].code for i in ids if i in postings and i not in already and i not in bad
              and postings[i].status is not PostingStatus.OPEN]
    if bad:
        errors["posting_ids"] = "关联的岗位不存在或不在您的管辖范围内"
    elif closed:
        errors["posting_ids"] = f"岗位 {'、'.join(closed)} 已不在招聘中，不能关联"
    elif employer is not None and any(postings[i].employer_id != employer.id for i in ids if i not in already):
        errors["posting_ids"] = "关联的岗位须属于所选用工单位"


def _link_postings(course: Course, f: CourseFields) -> None:
    from jobmatch.jobs.models import Posting

    if f.posting_ids is None:
        return
    ids = sorted(set(f.posting_ids))
    course.postings = list(db.session.scalars(sa.select(Posting).where(Posting.id.in_(ids)))) if ids else []


def employers_in_scope(scope: Scope) -> list:
    """Employers of the jobs register managed in the counties of ``scope``."""
    from jobmatch.jobs.models import Employer

    return list(db.session.scalars(
        sa.select(Employer).where(Employer.county_id.in_(county_ids_of(scope))).order_by(Employer.name)))


def postings_by_ids(ids: tuple[int, ...] | None, scope: Scope) -> list:
    """Postings of the counties of ``scope`` among ``ids`` (for showing links), by code."""
    from jobmatch.jobs.models import Posting

    if not ids:
        return []
    return list(db.session.scalars(sa.select(Posting).where(
        Posting.id.in_(sorted(set(ids))), Posting.county_id.in_(county_ids_of(scope))).order_by(Posting.code)))


def _next_code(year: int) -> str:
    prefix = f"PX{year}-"
    last = db.session.scalar(sa.select(sa.func.max(Course.code)).where(Course.code.like(prefix + "%")))
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def create_course(f: CourseFields, *, scope: Scope, actor=None) -> Course:
    """Create a course after validating every field."""
    errors = validate_course(f, scope)
    if errors:
        raise ValidationError("课程信息有误：" + "；".join(errors.values()), fields=errors)
    course = Course(code=_next_code(f.starts_on.year), created_by_id=getattr(actor, "id", None), **_course_values(f))
    db.session.add(course)
    _link_postings(course, f)
    db.session.flush()
    audit.record("edit_training", "course", course.id, actor=actor, code=course.code, created=True)
    return course


def update_course(course: Course, f: CourseFields, *, scope: Scope, actor=None) -> Course:
    """Edit a course; capacity and dates cannot drop below what enrolments and sessions hold."""
    errors = validate_course(f, scope, course)
    if errors:
        raise ValidationError("课程信息有误：" + "；".join(errors.values()), fields=errors)
    for key, value in _course_values(f).items():
        setattr(course, key, value)
    _link_postings(course, f)
    db.session.flush()
    audit.record("edit_training", "course", course.id, actor=actor, code=course.code)
    return course


def _course_values(f: CourseFields) -> dict:
    return {
        "name": f.name, "kind": f.kind, "provider_id": f.provider_id, "county_id": f.county_id,
        "site_id": f.site_id, "skill_id": f.skill_id, "certificate_id": f.certificate_id,
        "certificate_level": f.certificate_level, "employer_name": (f.employer_name or "").strip() or None,
        "place": (f.place or "").strip() or None, "starts_on": f.starts_on, "ends_on": f.ends_on,
        "capacity": f.capacity, "subsidy_per_trainee": f.subsidy_per_trainee, "hours": f.hours,
        "description": (f.description or "").strip() or None, "is_open_for_signup": f.is_open_for_signup,
        "employer_id": f.employer_id,
    }


@dataclass
class CourseRow:
    course: Course
    enrolled: int
    completed: int
    certified: int

    @property
    def seats_left(self) -> int:
        return max(0, self.course.capacity - self.enrolled)


def list_courses(scope: Scope, *, year: int | None = None, kind: CourseKind | None = None,
                 q: str | None = None, limit: int = 300) -> list[CourseRow]:
    """Courses in scope with their enrolment, completion and certificate counts."""
    counts = (
        sa.select(
            Enrollment.course_id,
            sa.func.count().filter(Enrollment.status.in_(ACTIVE)).label("enrolled"),
            sa.func.count().filter(Enrollment.status == EnrollmentStatus.COMPLETED).label("completed"),
        ).group_by(Enrollment.course_id).subquery()
    )
    awards = (
        sa.select(Enrollment.course_id, sa.func.count(sa.distinct(CertificateAward.person_id)).label("certified"))
        .join(CertificateAward, CertificateAward.enrollment_id == Enrollment.id)
        .group_by(Enrollment.course_id).subquery()
    )
    stmt = (
        sa.select(Course, sa.func.coalesce(counts.c.enrolled, 0), sa.func.coalesce(counts.c.completed, 0),
                  sa.func.coalesce(awards.c.certified, 0))
        .outerjoin(counts, counts.c.course_id == Course.id)
        .outerjoin(awards, awards.c.course_id == Course.id)
        .where(visible_courses(scope))
        .options(sa.orm.joinedload(Course.provider))
        .order_by(Course.starts_on.desc(), Course.id.desc())
        .limit(limit)
    )
    if year:
        stmt = stmt.where(Course.starts_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if kind is not None:
        stmt = stmt.where(Course.kind == kind)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(sa.or_(Course.name.like(like), Course.code.like(like), Course.employer_name.like(like)))
    return [CourseRow(c, e, done, cert) for c, e, done, cert in db.session.execute(stmt).all()]


def _active_count(course_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Enrollment)
        .where(Enrollment.course_id == course_id, Enrollment.status.in_(ACTIVE))
    ) or 0


# --- sessions and attendance --------------------------------------------------------------------

def add_session(course: Course, held_on: dt.date | None, *, topic: str | None = None,
                hours: float | None = None, actor=None) -> CourseSession:
    """Add a day to a course; it must fall within the course dates."""
    if held_on is None:
        raise ValidationError("请填写上课日期", fields={"held_on": "请填写上课日期"})
    if not course.starts_on <= held_on <= course.ends_on:
        message = f"上课日期 {held_on:%Y-%m-%d} 不在课程日期（{course.starts_on:%Y-%m-%d} 至 {course.ends_on:%Y-%m-%d}）内"
        raise ValidationError(message, fields={"held_on": message})
    if any(s.held_on == held_on for s in course.sessions):
        raise Conflict(f"{held_on:%Y-%m-%d} 已有课次")
    if hours is not None and not 0 < hours <= 24:
        raise ValidationError("课时应在 0 到 24 之间", fields={"hours": "课时应在 0 到 24 之间"})
    session = CourseSession(course=course, held_on=held_on, topic=(topic or "").strip()[:80] or None, hours=hours)
    db.session.add(session)
    db.session.flush()
    audit.record("edit_training", "course", course.id, actor=actor, session=held_on)
    return session


def get_session(session_id: int, scope: Scope) -> CourseSession:
    session = db.session.get(CourseSession, session_id)
    if session is None:
        raise NotFound("找不到该课次")
    get_course(session.course_id, scope)
    return session


def scoped_enrollments(course: Course, scope: Scope) -> list[Enrollment]:
    """The course's enrolments of people inside ``scope``, with the people loaded."""
    return list(db.session.scalars(
        sa.select(Enrollment).join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.course_id == course.id, scope.filter(Person.site_id))
        .options(sa.orm.contains_eager(Enrollment.person))
        .order_by(Person.site_id, Person.name, Enrollment.id)
    ))


def record_attendance(session: CourseSession, present: set[int], *, scope: Scope, actor=None,
                      on: dt.date | None = None) -> int:
    """Set who attended a session among the enrolments in ``scope``; returns how many were present."""
    on = on or _today()
    course = session.course
    if not course.starts_on <= session.held_on <= course.ends_on:
        raise ValidationError(f"课次日期 {session.held_on:%Y-%m-%d} 不在课程日期内，不能记录出勤")
    if session.held_on > on:
        raise ValidationError(f"课次 {session.held_on:%Y-%m-%d} 还没到上课日期，不能记录出勤")
    enrollments = {e.id: e for e in scoped_enrollments(course, scope)}
    unknown = set(present) - set(enrollments)
    if unknown:
        raise ValidationError("出勤名单中有不是本课程学员（或不在您管辖范围内）的人员")
    inactive = [enrollments[i].person.name for i in present if enrollments[i].status is EnrollmentStatus.DROPPED
                and (enrollments[i].dropped_on or on) < session.held_on]
    if inactive:
        raise ValidationError(f"{'、'.join(inactive)} 已在该课次之前退出培训，不能记录出勤")
    ids = list(enrollments)
    for chunk in _chunks(ids):
        db.session.execute(sa.delete(Attendance).where(Attendance.session_id == session.id,
                                                       Attendance.enrollment_id.in_(chunk)))
    if present:
        db.session.execute(Attendance.__table__.insert(),
                           [{"session_id": session.id, "enrollment_id": i, "recorded_at": utcnow()} for i in sorted(present)])
    db.session.flush()
    audit.record("edit_training", "course", course.id, actor=actor, attendance=session.held_on, present=len(present))
    return len(present)


def attendance_counts(course_id: int, on: dt.date | None = None) -> tuple[int, dict[int, int]]:
    """(sessions held up to ``on``, enrolment id → sessions attended)."""
    on = on or _today()
    held = db.session.scalar(sa.select(sa.func.count()).select_from(CourseSession)
                             .where(CourseSession.course_id == course_id, CourseSession.held_on <= on)) or 0
    attended = dict(db.session.execute(
        sa.select(Attendance.enrollment_id, sa.func.count())
        .join(CourseSession, CourseSession.id == Attendance.session_id)
        .where(CourseSession.course_id == course_id, CourseSession.held_on <= on)
        .group_by(Attendance.enrollment_id)
    ).all())
    return held, attended


# --- enrolment ----------------------------------------------------------------------------------

def enroll(course: Course, person: Person, *, source: EnrollSource = EnrollSource.STAFF, actor=None,
           on: dt.date | None = None, scope: Scope | None = None) -> Enrollment:
    """Put a person on a course: the course must not have ended or be full.

    ``scope`` (a staff member's) must contain the person; the kiosk passes None after
    identifying the person itself.
    """
    on = on or _today()
    if scope is not None and not scope.allows(person.site_id):
        raise PermissionDenied("该人员不在您的管辖范围内")
    # lock the course row so two simultaneous sign-ups cannot both take the last seat
    db.session.execute(sa.select(Course.id).where(Course.id == course.id).with_for_update())
    if on > course.ends_on:
        raise ValidationError(f"课程“{course.name}”已于 {course.ends_on:%Y-%m-%d} 结束，不能再报名")
    site_county = db.session.scalar(sa.select(Site.county_id).where(Site.id == person.site_id))
    if site_county != course.county_id:
        raise ValidationError(f"{person.name} 不属于本课程所在县，不能报名")
    existing = db.session.scalar(
        sa.select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.person_id == person.id)
    )
    if existing is not None and existing.status is not EnrollmentStatus.DROPPED:
        raise Conflict(f"{person.name} 已报名该课程")
    taken = _active_count(course.id)
    if taken >= course.capacity:
        raise Conflict(f"课程“{course.name}”已满（计划 {course.capacity} 人，已报名 {taken} 人），不能再报名")
    if existing is not None:
        existing.status, existing.dropped_on, existing.enrolled_on, existing.source = (
            EnrollmentStatus.ENROLLED, None, on, source)
        enrollment = existing
    else:
        enrollment = Enrollment(course_id=course.id, person_id=person.id, status=EnrollmentStatus.ENROLLED,
                                source=source, enrolled_on=on, recorded_by_id=getattr(actor, "id", None))
        db.session.add(enrollment)
    db.session.flush()
    audit.record("enroll", "person", person.id, actor=actor, course=course.code, source=source.label)
    return enrollment


def enroll_many(course: Course, persons: list[Person], *, scope: Scope, actor=None,
                on: dt.date | None = None) -> list[Enrollment]:
    """Enrol several people at once (staff ticking job seekers who lack the course's target).

    All or nothing: the seats are checked for the whole group first, then each enrolment is
    validated as :func:`enroll`; on any error nothing is kept (the caller rolls back).
    """
    taken = _active_count(course.id)
    if taken + len(persons) > course.capacity:
        raise Conflict(f"课程“{course.name}”计划 {course.capacity} 人，已报名 {taken} 人，"
                       f"只剩 {max(0, course.capacity - taken)} 个名额，不能再报名 {len(persons)} 人")
    return [enroll(course, person, scope=scope, actor=actor, on=on) for person in persons]


def drop(enrollment: Enrollment, *, on: dt.date | None = None, note: str | None = None, actor=None) -> Enrollment:
    """Record that a trainee left the course before completing it."""
    if enrollment.status is not EnrollmentStatus.ENROLLED:
        raise ValidationError(f"该学员当前状态为“{enrollment.status.label}”，不能办理退出")
    enrollment.status, enrollment.dropped_on = EnrollmentStatus.DROPPED, on or _today()
    enrollment.note = (note or "").strip()[:200] or enrollment.note
    db.session.flush()
    audit.record("edit_training", "person", enrollment.person_id, actor=actor, dropped=enrollment.course.code)
    return enrollment


@dataclass
class OpenCourse:
    course: Course
    seats_left: int


def open_courses_for(person: Person, on: dt.date | None = None) -> list[OpenCourse]:
    """Courses the person may sign up for at the kiosk: their county (or their site), open for
    sign-up, not ended, with seats left, and not already joined."""
    on = on or _today()
    county_id = db.session.scalar(sa.select(Site.county_id).where(Site.id == person.site_id))
    taken = (
        sa.select(Enrollment.course_id, sa.func.count().label("n"))
        .where(Enrollment.status.in_(ACTIVE)).group_by(Enrollment.course_id).subquery()
    )
    joined = sa.select(Enrollment.course_id).where(Enrollment.person_id == person.id, Enrollment.status.in_(ACTIVE))
    rows = db.session.execute(
        sa.select(Course, sa.func.coalesce(taken.c.n, 0))
        .outerjoin(taken, taken.c.course_id == Course.id)
        .where(
            Course.county_id == county_id, Course.is_open_for_signup.is_(True), Course.ends_on >= on,
            sa.or_(Course.site_id.is_(None), Course.site_id == person.site_id),
            Course.id.not_in(joined),
        )
        .options(sa.orm.joinedload(Course.provider))
        .order_by(Course.starts_on, Course.id)
    ).all()
    return [OpenCourse(c, c.capacity - n) for c, n in rows if n < c.capacity]


def sign_up_at_kiosk(person: Person, course_id: int, on: dt.date | None = None) -> Enrollment:
    """A person signs up for an open course at the kiosk (the kiosk has identified them)."""
    course = next((o.course for o in open_courses_for(person, on) if o.course.id == course_id), None)
    if course is None:
        raise NotFound("该课程不能报名：可能已满、已结束，或您已报名")
    return enroll(course, person, source=EnrollSource.KIOSK, actor="自助终端", on=on)


# --- completion and exams -----------------------------------------------------------------------

def complete(enrollment: Enrollment, *, completed_on: dt.date | None = None, actor=None,
             on: dt.date | None = None) -> Enrollment:
    """Mark a trainee as having completed the course; the course's skill joins their skills."""
    on = on or _today()
    course = enrollment.course
    completed_on = completed_on or min(on, course.ends_on)
    if enrollment.status is EnrollmentStatus.COMPLETED:
        raise Conflict("该学员已结业")
    if enrollment.status is EnrollmentStatus.DROPPED:
        raise ValidationError("该学员已中途退出，不能结业；如重新参加请重新报名")
    if completed_on < course.starts_on:
        raise ValidationError(f"结业日期不能早于开班日期 {course.starts_on:%Y-%m-%d}",
                              fields={"completed_on": "结业日期不能早于开班日期"})
    if completed_on > on:
        raise ValidationError("结业日期不能晚于今天", fields={"completed_on": "结业日期不能晚于今天"})
    held, attended = attendance_counts(course.id, completed_on)
    problem = attendance_shortfall(held, attended.get(enrollment.id, 0))
    if problem:
        raise ValidationError(problem)
    enrollment.status, enrollment.completed_on = EnrollmentStatus.COMPLETED, completed_on
    if course.skill_id:
        grant_skills([(enrollment.person_id, course.skill_id)])
    db.session.flush()
    audit.record("complete_training", "person", enrollment.person_id, actor=actor, course=course.code)
    return enrollment


def attendance_shortfall(held: int, attended: int) -> str | None:
    """The reason a trainee cannot complete yet, or None (no sessions recorded: no requirement)."""
    if held and attended / held < MIN_ATTENDANCE:
        return (f"出勤 {attended}/{held} 次（{attended / held:.0%}），低于结业要求的 {MIN_ATTENDANCE:.0%}，"
                "请先补录出勤或安排补课")
    return None


def record_exam(enrollment: Enrollment, result: ExamResult, exam_on: dt.date | None, *, actor=None,
                on: dt.date | None = None) -> Enrollment:
    """Record a trainee's exam (assessment) result."""
    on = on or _today()
    exam_on = exam_on or on
    if enrollment.status is EnrollmentStatus.DROPPED:
        raise ValidationError("该学员已中途退出，不能登记考试结果")
    if exam_on < enrollment.course.starts_on or exam_on > on:
        raise ValidationError("考试日期应在开班之后、今天或以前", fields={"exam_on": "考试日期应在开班之后、今天或以前"})
    enrollment.exam_result, enrollment.exam_on = result, exam_on
    db.session.flush()
    audit.record("exam_result", "person", enrollment.person_id, actor=actor, course=enrollment.course.code,
                 result=result.label)
    return enrollment


# --- certificates -------------------------------------------------------------------------------

def default_expiry(certificate: Certificate, awarded_on: dt.date) -> dt.date | None:
    """Valid until: the next review (复审) date, or the end of validity, or None (no expiry)."""
    years = certificate.review_years or certificate.validity_years
    return add_years(awarded_on, years) if years else None


def award_problems(*, certificate: Certificate | None, level: int | None, awarded_on: dt.date | None,
                   expires_on: dt.date | None, course: Course | None, completed: bool, passed: bool,
                   evidence: str | None, on: dt.date) -> dict[str, str]:
    """Field → reason for an award that cannot be recorded (shared by the form and the roster).

    ``course`` is the course the award comes through (None: earned elsewhere, evidence required);
    ``completed``/``passed`` say whether the trainee completed it or passed its exam.
    """
    errors: dict[str, str] = {}
    if certificate is None:
        errors["certificate_id"] = "请选择证书目录中的证书"
    elif certificate.has_levels and level is None:
        errors["level"] = f"{certificate.name}分等级，请填写等级（五级至一级）"
    elif not certificate.has_levels and level is not None:
        errors["level"] = f"{certificate.name}不分等级，请不要填写等级"
    if level is not None and level not in LEVEL_SHORT:
        errors["level"] = "等级应为一级至五级"
    if awarded_on is None:
        errors["awarded_on"] = "请填写发证日期"
    elif awarded_on > on:
        errors["awarded_on"] = "发证日期不能晚于今天"
    if course is not None:
        if not (completed or passed):
            errors["enrollment_id"] = ("该学员尚未结业，也没有考试合格，不能颁发证书；"
                                       "在别处取得的证书请在“登记证书”中注明核验依据")
        elif awarded_on is not None and awarded_on < course.starts_on:
            errors["awarded_on"] = "发证日期不能早于开班日期"
    elif len((evidence or "").strip()) < 2:
        errors["evidence"] = "不是通过本系统培训取得的证书，须注明核验依据（如：原件已核验、证书查询网截图）"
    if certificate is not None and awarded_on is not None and "awarded_on" not in errors:
        until = expires_on or default_expiry(certificate, awarded_on)
        if expires_on is not None and expires_on <= awarded_on:
            errors["expires_on"] = "有效期至应晚于发证日期"
        elif until is not None and until <= on:
            errors["expires_on"] = (f"证书已过期（有效期至 {until:%Y-%m-%d}），不能作为有效证书登记；"
                                    "请先办理复审或换证")
    return errors


def award_certificate(person: Person, certificate: Certificate | None, *, level: int | None = None,
                      awarded_on: dt.date | None = None, expires_on: dt.date | None = None,
                      number: str | None = None, enrollment: Enrollment | None = None,
                      evidence: str | None = None, actor=None, on: dt.date | None = None) -> CertificateAward:
    """Award a certificate: through a completed (or passed) enrolment, or earned elsewhere with
    evidence. It joins the person's certificates and skills."""
    on = on or _today()
    if enrollment is not None and enrollment.person_id != person.id:
        raise ValidationError("报名记录与人员不符")
    errors = award_problems(
        certificate=certificate, level=level, awarded_on=awarded_on, expires_on=expires_on,
        course=enrollment.course if enrollment is not None else None,
        completed=enrollment is not None and enrollment.status is EnrollmentStatus.COMPLETED,
        passed=enrollment is not None and enrollment.exam_result is ExamResult.PASSED, evidence=evidence, on=on,
    )
    if errors:
        raise ValidationError("；".join(errors.values()), fields=errors)
    duplicate = db.session.scalar(sa.select(CertificateAward.id).where(
        CertificateAward.person_id == person.id, CertificateAward.certificate_id == certificate.id,
        CertificateAward.level.is_(None) if level is None else CertificateAward.level == level,
        CertificateAward.awarded_on == awarded_on,
    ))
    if duplicate:
        raise Conflict("该证书已登记过（同一证书、等级和发证日期）")
    expires_on = expires_on or default_expiry(certificate, awarded_on)
    pc_ids = grant_certificates([(person.id, certificate.id, level, awarded_on, expires_on)])
    award = CertificateAward(
        person_id=person.id, certificate_id=certificate.id, level=level, enrollment_id=getattr(enrollment, "id", None),
        person_certificate_id=pc_ids[(person.id, certificate_text(certificate.name, level))],
        number=(number or "").strip()[:60] or None, awarded_on=awarded_on, expires_on=expires_on,
        issuer=certificate.issuer, evidence=(evidence or "").strip()[:200] or None,
        recorded_by_id=getattr(actor, "id", None) if not isinstance(actor, str) else None,
    )
    db.session.add(award)
    db.session.flush()
    audit.record("award_certificate", "person", person.id, actor=actor, certificate=certificate.name, level=level)
    return award


def renew_certificate(held: PersonCertificate, *, renewed_on: dt.date | None, expires_on: dt.date | None = None,
                      evidence: str | None = None, actor=None, on: dt.date | None = None) -> CertificateAward:
    """Record a review (复审) or renewal of a certificate the person holds: its validity moves on."""
    on = on or _today()
    certificate = held.certificate
    if certificate is None:
        raise ValidationError("该证书未对应证书目录，无法复审；请先在证书目录中添加")
    if renewed_on is None or renewed_on > on:
        raise ValidationError("复审日期不能为空，且不能晚于今天", fields={"renewed_on": "复审日期不能为空，且不能晚于今天"})
    until = expires_on or default_expiry(certificate, renewed_on)
    if until is None:
        raise ValidationError(f"{certificate.name}长期有效，无需复审")
    if until <= on:
        raise ValidationError(f"新的有效期（至 {until:%Y-%m-%d}）已过，请核对日期", fields={"expires_on": "新的有效期已过"})
    if len((evidence or "").strip()) < 2:
        raise ValidationError("请注明复审依据（如：复审合格通知、证书查询网截图）", fields={"evidence": "请注明复审依据"})
    held.expires_on = until
    held.source = TRAINING_SOURCE
    award = CertificateAward(
        person_id=held.person_id, certificate_id=certificate.id, level=held.level, person_certificate_id=held.id,
        awarded_on=renewed_on, expires_on=until, issuer=certificate.issuer, evidence=evidence.strip()[:200],
        is_renewal=True, recorded_by_id=getattr(actor, "id", None) if not isinstance(actor, str) else None,
    )
    db.session.add(award)
    db.session.flush()
    audit.record("award_certificate", "person", held.person_id, actor=actor, certificate=certificate.name, renewal=True)
    return award


def get_person_certificate(pc_id: int, scope: Scope) -> PersonCertificate:
    held = db.session.scalar(
        sa.select(PersonCertificate).join(Person, Person.id == PersonCertificate.person_id)
        .where(PersonCertificate.id == pc_id, scope.filter(Person.site_id))
    )
    if held is None:
        raise NotFound("找不到该证书，或不在您的管辖范围内")
    return held


# --- flow into the person's skills and certificates ----------------------------------------------

def grant_skills(pairs: list[tuple[int, int]]) -> int:
    """Add (person_id, skill_id) to people's skills as training-sourced rows; returns rows written.

    A skill the person already holds from training is left alone; a register row naming the
    same skill (in any words) becomes training-sourced, so a register re-import keeps it and
    the skill is not counted twice.
    """
    pairs = sorted(set(pairs))
    if not pairs:
        return 0
    names = dict(db.session.execute(sa.select(Skill.id, Skill.name).where(Skill.id.in_({s for _p, s in pairs}))).all())
    people = sorted({p for p, _s in pairs})
    held: set[tuple[int, int]] = set()
    by_raw: dict[tuple[int, str], int] = {}
    register_row: dict[tuple[int, int], int] = {}
    for chunk in _chunks(people):
        for row_id, pid, raw, skill_id, source in db.session.execute(
            sa.select(PersonSkill.id, PersonSkill.person_id, PersonSkill.raw, PersonSkill.skill_id, PersonSkill.source)
            .where(PersonSkill.person_id.in_(chunk)).order_by(PersonSkill.position, PersonSkill.id)
        ):
            by_raw[(pid, raw)] = row_id
            if skill_id is not None and source == TRAINING_SOURCE:
                held.add((pid, skill_id))
            elif skill_id is not None:
                register_row.setdefault((pid, skill_id), row_id)
    inserts, takeovers = [], []
    for pid, skill_id in pairs:
        if (pid, skill_id) in held or skill_id not in names:
            continue
        raw = names[skill_id]
        # the register already names the skill (perhaps in other words): that row now comes from training
        row_id = by_raw.get((pid, raw)) or register_row.get((pid, skill_id))
        if row_id is not None:
            takeovers.append({"id": row_id, "source": TRAINING_SOURCE, "skill_id": skill_id})
        else:
            inserts.append({"person_id": pid, "raw": raw, "skill_id": skill_id, "position": TRAINING_POSITION,
                            "source": TRAINING_SOURCE})
        held.add((pid, skill_id))
    for chunk in _chunks(inserts, 5000):
        db.session.execute(PersonSkill.__table__.insert(), chunk)
    if takeovers:
        db.session.execute(sa.update(PersonSkill), takeovers)
    db.session.flush()
    _expire_people(people, "skills")
    return len(inserts) + len(takeovers)


def grant_certificates(rows: list[tuple[int, int, int | None, dt.date, dt.date | None]]) -> dict[tuple[int, str], int]:
    """Write (person_id, certificate_id, level, awarded_on, expires_on) into people's certificates.

    The text is the catalogue name with the level (养老护理员(四级)); an existing row with the
    same text is updated when the new award is later (a renewal) and becomes training-sourced.
    The certificate's skill joins the person's skills. Returns (person_id, text) → row id.
    """
    if not rows:
        return {}
    certs = {c.id: c for c in db.session.scalars(sa.select(Certificate).where(Certificate.id.in_({r[1] for r in rows})))}
    latest: dict[tuple[int, str], tuple] = {}
    for pid, cid, level, awarded, expires in rows:
        key = (pid, certificate_text(certs[cid].name, level))
        if key not in latest or awarded > latest[key][3]:
            latest[key] = (pid, cid, level, awarded, expires)
    people = sorted({k[0] for k in latest})
    existing: dict[tuple[int, str], tuple[int, dt.date | None]] = {}
    for chunk in _chunks(people):
        for row_id, pid, raw, awarded in db.session.execute(
            sa.select(PersonCertificate.id, PersonCertificate.person_id, PersonCertificate.raw,
                      PersonCertificate.awarded_on).where(PersonCertificate.person_id.in_(chunk))
        ):
            existing[(pid, raw)] = (row_id, awarded)
    inserts, updates = [], []
    for key, (pid, cid, level, awarded, expires) in latest.items():
        values = {"certificate_id": cid, "level": level, "awarded_on": awarded, "expires_on": expires,
                  "source": TRAINING_SOURCE}
        if key in existing:
            row_id, old_awarded = existing[key]
            if old_awarded is None or awarded >= old_awarded:
                updates.append({"id": row_id, **values})
        else:
            inserts.append({"person_id": pid, "raw": key[1], "position": TRAINING_POSITION, **values})
    for chunk in _chunks(inserts, 5000):
        db.session.execute(PersonCertificate.__table__.insert(), chunk)
    if updates:
        db.session.execute(sa.update(PersonCertificate), updates)
    ids: dict[tuple[int, str], int] = {}
    for chunk in _chunks(people):
        for row_id, pid, raw in db.session.execute(
            sa.select(PersonCertificate.id, PersonCertificate.person_id, PersonCertificate.raw)
            .where(PersonCertificate.person_id.in_(chunk))
        ):
            if (pid, raw) in latest:
                ids[(pid, raw)] = row_id
    grant_skills([(pid, certs[cid].skill_id) for pid, cid, *_rest in latest.values() if certs[cid].skill_id])
    db.session.flush()
    _expire_people(people, "certificates")
    return ids


def _expire_people(person_ids: list[int], attribute: str) -> None:
    """Loaded Person objects forget a collection written with bulk statements."""
    wanted = set(person_ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Person) and obj.id in wanted:
            db.session.expire(obj, [attribute])


# --- targets ------------------------------------------------------------------------------------

def set_target(region: Region, year: int, *, training_rate: float | None, certificate_rate: float | None,
               skills_per_worker: float | None, scope: Scope, actor=None) -> TrainingTarget:
    """Set (or replace) a region's goals for a year; shares are given as 0–1."""
    errors = {}
    if not 2016 <= (year or 0) <= 2100:
        errors["year"] = "年份应在 2016 到 2100 之间"
    for key, value in (("training_rate", training_rate), ("certificate_rate", certificate_rate)):
        if value is not None and not 0 <= value <= 1:
            errors[key] = "比例应在 0% 到 100% 之间"
    if skills_per_worker is not None and not 0 <= skills_per_worker <= 10:
        errors["skills_per_worker"] = "人均技能数应在 0 到 10 之间"
    if training_rate is None and certificate_rate is None and skills_per_worker is None:
        errors["training_rate"] = "至少填写一项目标"
    if not region_in_scope(region, scope):
        errors["region_id"] = "该区域不在您的管辖范围内"
    if errors:
        raise ValidationError("目标有误：" + "；".join(errors.values()), fields=errors)
    target = db.session.scalar(sa.select(TrainingTarget).where(TrainingTarget.region_id == region.id,
                                                              TrainingTarget.year == year))
    if target is None:
        target = TrainingTarget(region_id=region.id, year=year)
        db.session.add(target)
    target.training_rate, target.certificate_rate, target.skills_per_worker = (
        training_rate, certificate_rate, skills_per_worker)
    target.set_by_id = getattr(actor, "id", None) if not isinstance(actor, str) else None
    db.session.flush()
    audit.record("edit_training", "target", target.id, actor=actor, region=region.name, year=year)
    return target


def region_in_scope(region: Region, scope: Scope) -> bool:
    """Whether every site of ``region`` lies inside ``scope`` (a user may set goals only there)."""
    from jobmatch.places.services import site_ids_under

    sites = site_ids_under(region)
    return bool(sites) and sites <= scope.site_ids


def regions_in_scope(scope: Scope) -> list[Region]:
    """Counties and townships wholly inside ``scope`` (where targets can be set), city first."""
    sites = db.session.execute(sa.select(Site.city_id, Site.county_id, Site.township_id, Site.id)).all()
    by_region: dict[int, set[int]] = {}
    for city, county, township, site in sites:
        for region_id in (city, county, township):
            by_region.setdefault(region_id, set()).add(site)
    ids = [rid for rid, members in by_region.items() if members <= scope.site_ids]
    order = {RegionLevel.CITY: 0, RegionLevel.COUNTY: 1, RegionLevel.TOWNSHIP: 2}
    regions = db.session.scalars(sa.select(Region).where(Region.id.in_(ids))).all()
    return sorted(regions, key=lambda r: (order[r.level], r.name))


def targets_for(region_ids: list[int], year: int) -> dict[int, TrainingTarget]:
    return {t.region_id: t for t in db.session.scalars(
        sa.select(TrainingTarget).where(TrainingTarget.region_id.in_(region_ids), TrainingTarget.year == year))}
