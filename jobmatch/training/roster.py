"""Applying a training roster (培训花名册): enrolments, attendance, completion, exams and
certificates for many people at once, all or nothing.

Each row is one person on one course, keyed by (课程编号, 身份证号). A row enrols the person
if needed; a non-empty 出勤日期 replaces their attendance (sessions for new dates within the
course are created); 结业=是 completes; 考试结果 records the exam; 证书 awards a certificate.
结业=否 never undoes a completion. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.database import today as _today
from jobmatch.database import utcnow
from jobmatch.extensions import db
from jobmatch.people.models import Person
from jobmatch.places.models import Site
from jobmatch.places.services import Scope
from jobmatch.protect import protector
from jobmatch.training import services as training
from jobmatch.training.enums import EnrollmentStatus, EnrollSource, ExamResult
from jobmatch.training.models import Attendance, CertificateAward, Course, CourseSession, Enrollment
from jobmatch.vocab.models import Certificate
from jobmatch.vocab.services import Vocabulary


@dataclass
class RosterRow:
    """One validated roster row (cell formats already checked)."""

    course_code: str
    id_number: str
    name: str
    enrolled_on: dt.date | None = None
    #: None: the cell was empty (attendance unchanged)
    attended: list[dt.date] | None = None
    completed: bool = False
    completed_on: dt.date | None = None
    exam_result: ExamResult | None = None
    exam_on: dt.date | None = None
    certificate: str = ""
    certificate_number: str | None = None
    awarded_on: dt.date | None = None
    expires_on: dt.date | None = None


@dataclass
class FieldError:
    row: int
    field: str
    reason: str


@dataclass
class RosterResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    sessions_created: int = 0
    completed: int = 0
    certificates: int = 0
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class _Plan:
    row_no: int
    r: RosterRow
    course: Course
    person_id: int
    enrollment: Enrollment | None
    certificate: Certificate | None = None
    level: int | None = None
    awarded_on: dt.date | None = None
    expires_on: dt.date | None = None


def apply_roster(rows: list[tuple[int, RosterRow]], *, scope: Scope | None, dry_run: bool = False, actor=None,
                 on: dt.date | None = None) -> RosterResult:
    """Validate every row against the database and, when all are valid, apply them."""
    on = on or _today()
    result = RosterResult()
    err = result.errors.append

    seen: dict[tuple[str, str], int] = {}
    for row_no, r in rows:
        key = (r.course_code, r.id_number)
        if key in seen:
            err(FieldError(row_no, "id_number", f"与第{seen[key]}行重复（同一课程同一人）"))
        seen.setdefault(key, row_no)

    courses: dict[str, Course | None] = {}
    for code in {r.course_code for _n, r in rows}:
        courses[code] = training.find_course_by_code(code, scope)
    p = protector()
    hashes = {r.id_number: p.lookup("id", r.id_number) for _n, r in rows}
    people: dict[str, tuple] = {}
    values = list(set(hashes.values()))
    for start in range(0, len(values), 900):
        for h, pid, name, site_id, county_id in db.session.execute(
            sa.select(Person.id_number_hash, Person.id, Person.name, Person.site_id, Site.county_id)
            .join(Site, Site.id == Person.site_id).where(Person.id_number_hash.in_(values[start:start + 900]))
        ):
            people[h] = (pid, name, site_id, county_id)
    course_ids = [c.id for c in courses.values() if c is not None]
    existing: dict[tuple[int, int], Enrollment] = {}
    if course_ids:
        for e in db.session.scalars(sa.select(Enrollment).where(Enrollment.course_id.in_(course_ids))):
            existing[(e.course_id, e.person_id)] = e
    session_dates: dict[int, set[dt.date]] = defaultdict(set)
    for cid, day in db.session.execute(
        sa.select(CourseSession.course_id, CourseSession.held_on).where(CourseSession.course_id.in_(course_ids or [-1]))
    ):
        session_dates[cid].add(day)
    vocab = Vocabulary()

    plans: list[_Plan] = []
    for row_no, r in rows:
        course = courses[r.course_code]
        if course is None:
            err(FieldError(row_no, "course_code", f"课程编号“{r.course_code}”不存在，或不在您的管辖范围内"))
            continue
        found = people.get(hashes[r.id_number])
        if found is None:
            err(FieldError(row_no, "id_number", "台账中没有这个身份证号，请先在劳动力台账中登记该人员"))
            continue
        pid, name, site_id, county_id = found
        problems = []
        if scope is not None and not scope.allows(site_id):
            problems.append(("id_number", "该人员不在您的管辖范围内"))
        if name != r.name:
            problems.append(("name", "姓名与台账登记的不一致，请核对身份证号和姓名"))
        if county_id != course.county_id:
            problems.append(("id_number", "该人员不属于本课程所在县"))
        for field_name, reason in problems:
            err(FieldError(row_no, field_name, reason))
        if problems:
            continue
        plans.append(_Plan(row_no, r, course, pid, existing.get((course.id, pid))))

    # capacity: new active enrolments on top of the current ones
    new_per_course: dict[int, list[_Plan]] = defaultdict(list)
    for plan in plans:
        if plan.enrollment is None or plan.enrollment.status is EnrollmentStatus.DROPPED:
            new_per_course[plan.course.id].append(plan)
    for _cid, new in new_per_course.items():
        course = new[0].course
        taken = sum(1 for (c, _p), e in existing.items() if c == course.id and e.status in training.ACTIVE)
        for plan in new[max(0, course.capacity - taken):]:
            err(FieldError(plan.row_no, "id_number",
                           f"课程“{course.name}”已满（计划 {course.capacity} 人，已报名 {taken} 人），本行超出计划人数"))

    file_dates: dict[int, set[dt.date]] = defaultdict(set)
    for plan in plans:
        r, course = plan.r, plan.course
        span = f"课程日期（{course.starts_on:%Y-%m-%d} 至 {course.ends_on:%Y-%m-%d}）"
        if r.enrolled_on is not None and r.enrolled_on > course.ends_on:
            err(FieldError(plan.row_no, "enrolled_on", f"报名日期晚于课程结束日期 {course.ends_on:%Y-%m-%d}"))
        for day in r.attended or []:
            if not course.starts_on <= day <= course.ends_on:
                err(FieldError(plan.row_no, "attended", f"{day:%Y-%m-%d} 不在{span}内"))
            elif day > on:
                err(FieldError(plan.row_no, "attended", f"{day:%Y-%m-%d} 还没到，不能记录出勤"))
            else:
                file_dates[course.id].add(day)
        for field_name, day, what in (("completed_on", r.completed_on, "结业日期"), ("exam_on", r.exam_on, "考试日期")):
            if day is not None and not course.starts_on <= day <= on:
                err(FieldError(plan.row_no, field_name, f"{what}应在开班日期 {course.starts_on:%Y-%m-%d} 到今天之间"))
        if plan.enrollment is not None and plan.enrollment.status is EnrollmentStatus.DROPPED and r.completed:
            err(FieldError(plan.row_no, "completed", "该学员已中途退出，不能结业；如重新参加请先重新报名"))

    # completion needs the attendance share (sessions: existing plus the file's new dates)
    attended_before: dict[int, set[dt.date]] = defaultdict(set)
    enrollment_ids = [p.enrollment.id for p in plans if p.enrollment is not None]
    for start in range(0, len(enrollment_ids), 900):
        for eid, day in db.session.execute(
            sa.select(Attendance.enrollment_id, CourseSession.held_on)
            .join(CourseSession, CourseSession.id == Attendance.session_id)
            .where(Attendance.enrollment_id.in_(enrollment_ids[start:start + 900]))
        ):
            attended_before[eid].add(day)
    for plan in plans:
        r, course, e = plan.r, plan.course, plan.enrollment
        already_done = e is not None and e.status is EnrollmentStatus.COMPLETED
        if r.completed and not already_done:
            done_on = r.completed_on or min(on, course.ends_on)
            dates = session_dates[course.id] | file_dates[course.id]
            mine = set(r.attended) if r.attended is not None else attended_before.get(getattr(e, "id", None), set())
            problem = training.attendance_shortfall(sum(1 for d in dates if d <= done_on),
                                                    sum(1 for d in mine if d <= done_on))
            if problem:
                err(FieldError(plan.row_no, "completed", problem))
        if r.certificate:
            parsed, cert_id = vocab.certificate(r.certificate)
            certificate = db.session.get(Certificate, cert_id) if cert_id else None
            if certificate is None:
                err(FieldError(plan.row_no, "certificate", f"证书目录中没有“{r.certificate}”，请先在证书目录中添加"))
                continue
            completed = already_done or r.completed
            passed = r.exam_result is ExamResult.PASSED or (
                r.exam_result is None and e is not None and e.exam_result is ExamResult.PASSED)
            awarded_on = r.awarded_on or r.exam_on or r.completed_on or (e.completed_on if already_done else None) \
                or (min(on, course.ends_on) if completed else None)
            problems = training.award_problems(
                certificate=certificate, level=parsed.level, awarded_on=awarded_on, expires_on=r.expires_on,
                course=course, completed=completed, passed=passed, evidence=None, on=on,
            )
            for field_name, reason in problems.items():
                column = {"enrollment_id": "certificate", "level": "certificate"}.get(field_name, field_name)
                err(FieldError(plan.row_no, column, reason))
            plan.certificate, plan.level, plan.awarded_on = certificate, parsed.level, awarded_on
            plan.expires_on = r.expires_on or (training.default_expiry(certificate, awarded_on) if awarded_on else None)

    if result.errors:
        result.errors.sort(key=lambda e: (e.row, e.field))
        return result
    _apply(plans, session_dates, file_dates, attended_before, result, dry_run=dry_run, actor=actor, on=on)
    return result


def _changes(plan: _Plan, attended_before, awards_known) -> bool:
    """Whether applying the row would change an existing enrolment."""
    e, r = plan.enrollment, plan.r
    return any((
        e.status is EnrollmentStatus.DROPPED,
        r.attended is not None and set(r.attended) != attended_before.get(e.id, set()),
        r.completed and e.status is not EnrollmentStatus.COMPLETED,
        r.exam_result is not None and (r.exam_result, r.exam_on or e.exam_on) != (e.exam_result, e.exam_on),
        plan.certificate is not None and (e.id, plan.certificate.id, plan.level) not in awards_known,
    ))


def _apply(plans: list[_Plan], session_dates, file_dates, attended_before, result: RosterResult, *, dry_run: bool,
           actor, on: dt.date) -> None:
    for cid, dates in file_dates.items():
        result.sessions_created += len(dates - session_dates[cid])
    changed_rows: set[int] = set()
    added_rows: set[int] = set()
    awards_known: set[tuple] = set()
    if plans:
        for enrollment_id, cid, level in db.session.execute(
            sa.select(CertificateAward.enrollment_id, CertificateAward.certificate_id, CertificateAward.level).where(CertificateAward.enrollment_id.is_not(None))
            .where(CertificateAward.person_id.in_({p.person_id for p in plans}))
        ):
            awards_known.add((enrollment_id, cid, level))
    for plan in plans:
        e, r = plan.enrollment, plan.r
        if e is None:
            added_rows.add(plan.row_no)
        elif _changes(plan, attended_before, awards_known):
            changed_rows.add(plan.row_no)
    result.added = len(added_rows)
    result.updated = len(changed_rows)
    result.unchanged = len(plans) - result.added - result.updated
    if dry_run:
        return

    # sessions for new attendance dates
    for cid, dates in file_dates.items():
        new = sorted(dates - session_dates[cid])
        if new:
            db.session.execute(CourseSession.__table__.insert(), [{"course_id": cid, "held_on": d} for d in new])
    sessions: dict[tuple[int, dt.date], int] = {}
    course_ids = sorted({p.course.id for p in plans})
    for sid, cid, day in db.session.execute(
        sa.select(CourseSession.id, CourseSession.course_id, CourseSession.held_on).where(CourseSession.course_id.in_(course_ids or [-1]))
    ):
        sessions[(cid, day)] = sid

    actor_id = getattr(actor, "id", None) if not isinstance(actor, str) else None
    for plan in plans:
        if plan.enrollment is None:
            plan.enrollment = Enrollment(
                course_id=plan.course.id, person_id=plan.person_id, status=EnrollmentStatus.ENROLLED,
                source=EnrollSource.ROSTER, enrolled_on=plan.r.enrolled_on or plan.course.starts_on,
                recorded_by_id=actor_id,
            )
            db.session.add(plan.enrollment)
        elif plan.enrollment.status is EnrollmentStatus.DROPPED:
            plan.enrollment.status, plan.enrollment.dropped_on = EnrollmentStatus.ENROLLED, None
    db.session.flush()

    now = utcnow()
    skills: list[tuple[int, int]] = []
    certificates = []
    award_plans = []
    for plan in plans:
        e, r, course = plan.enrollment, plan.r, plan.course
        if r.attended is not None and set(r.attended) != attended_before.get(e.id, set()):
            db.session.execute(sa.delete(Attendance).where(Attendance.enrollment_id == e.id))
            if r.attended:
                db.session.execute(Attendance.__table__.insert(), [
                    {"session_id": sessions[(course.id, d)], "enrollment_id": e.id, "recorded_at": now}
                    for d in sorted(set(r.attended))
                ])
        if r.exam_result is not None:
            e.exam_result, e.exam_on = r.exam_result, r.exam_on or e.exam_on or min(on, course.ends_on)
        if r.completed and e.status is not EnrollmentStatus.COMPLETED:
            e.status, e.completed_on = EnrollmentStatus.COMPLETED, r.completed_on or min(on, course.ends_on)
            result.completed += 1
            if course.skill_id:
                skills.append((plan.person_id, course.skill_id))
        if plan.certificate is not None and (e.id, plan.certificate.id, plan.level) not in awards_known:
            certificates.append((plan.person_id, plan.certificate.id, plan.level, plan.awarded_on, plan.expires_on))
            award_plans.append(plan)
    db.session.flush()
    training.grant_skills(skills)
    pc_ids = training.grant_certificates(certificates)
    for plan in award_plans:
        db.session.add(CertificateAward(
            person_id=plan.person_id, certificate_id=plan.certificate.id, level=plan.level,
            enrollment_id=plan.enrollment.id,
            person_certificate_id=pc_ids.get((plan.person_id, training.certificate_text(plan.certificate.name, plan.level))),
            number=(plan.r.certificate_number or "")[:60] or None, awarded_on=plan.awarded_on,
            expires_on=plan.expires_on, issuer=plan.certificate.issuer, recorded_by_id=actor_id,
        ))
    result.certificates = len(award_plans)
    db.session.flush()
    audit.record("edit_training", "roster", None, actor=actor, rows=len(plans), added=result.added,
                 updated=result.updated, certificates=result.certificates)
