"""The demo county's training: providers, courses over the last two years with rosters
(enrolment, attendance, completion, exams, certificates) applied through the roster service,
a few certificates earned elsewhere that are due for review, jobs found after training, and
this year's targets. Called as a step of ``jobmatch.demo.build_demo``.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.people.enums import EmploymentStatus, LaborCapacity, StatusSource
from jobmatch.people.models import Person
from jobmatch.people.services import bulk_record_changes
from jobmatch.people.validation import PersonFields
from jobmatch.places.models import Region, RegionLevel, Site
from jobmatch.places.services import all_sites_scope, find_county
from jobmatch.protect import protector
from jobmatch.training import services as training
from jobmatch.training.enums import CourseKind, EnrollmentStatus, ExamResult
from jobmatch.training.models import Course, Enrollment
from jobmatch.training.roster import RosterRow, apply_roster
from jobmatch.vocab.models import Certificate, Skill

PROVIDERS = [
    ("平利县职业技术教育中心", "刘老师", "0915-8421001"),
    ("安康市技工学校", "陈老师", "0915-3261002"),
    ("平利县就业训练中心", "张主任", "0915-8423003"),
    ("陕西巾帼家政职业培训学校", "王校长", "029-8765004"),
]
#: (course name, kind, skill, certificate, level, employer, provider index)
TEMPLATES = [
    ("养老护理员培训班", CourseKind.DIRECTED, "养老护理", "养老护理员", 5, "平利县康养中心", 0),
    ("中式烹调师培训班", CourseKind.DIRECTED, "中式烹调", "中式烹调师", 5, None, 0),
    ("茶叶加工订单培训班", CourseKind.ORDER, "制茶", "茶叶加工工", 5, "平利县女娲茶业有限公司", 2),
    ("电焊工培训班", CourseKind.DIRECTED, "电焊", "焊工", None, "江苏昆山精密焊接有限公司", 1),
    ("缝纫工订单培训班", CourseKind.ORDER, "缝纫", "缝纫工", None, "平利县毛绒玩具社区工厂", 2),
    ("电子线束以工代训班", CourseKind.WORK_BASED, "电子线束", "电子线束制作", None, "安康电子线束社区工厂", 2),
    ("育婴员培训班", CourseKind.DIRECTED, "育婴", "育婴员", 5, None, 3),
    ("家政服务员岗前培训", CourseKind.PRE_JOB, "家政服务", "家政服务员", 5, "安康巾帼家政服务公司", 3),
    ("电商直播创业培训", CourseKind.STARTUP, "电商", None, None, None, 2),
    ("叉车司机定岗培训", CourseKind.POST, "叉车", "叉车司机", None, "浙江宁波港物流有限公司", 1),
    ("低压电工培训班", CourseKind.DIRECTED, "维修电工", "低压电工", None, None, 1),
    ("食用菌栽培技术培训", CourseKind.PRE_JOB, "食用菌栽培", "食用菌生产", None, None, 2),
]
COURSES_PER_SCALE = {"site": 10, "county": 160}


def build_training_demo(rng: random.Random, context: dict, echo) -> None:
    """Create the demo county's providers, courses, rosters, certificates and targets."""
    on: dt.date = context["on"]
    scope = all_sites_scope()
    county = find_county("平利县")
    providers = [training.add_provider(name, county_id=county.id, contact=contact, phone=phone, scope=scope,
                                       actor="演示数据") for name, contact, phone in PROVIDERS]
    skills = dict(db.session.execute(sa.select(Skill.name, Skill.id)).all())
    certificates = {c.name: c for c in db.session.scalars(sa.select(Certificate))}
    sites = db.session.execute(sa.select(Site.id, Site.township_id)).all()
    townships = sorted({t for _s, t in sites})
    id_of = _id_numbers(context["people"])

    # people who may train, per township (able; those wanting training first)
    band_low, band_high = dt.date(on.year - 58, 1, 1), dt.date(on.year - 18, 12, 31)
    pool: dict[int, list[tuple[int, str, str]]] = {t: [] for t in townships}
    site_township = dict(sites)
    for pid, name, h, site_id, wants in db.session.execute(
        sa.select(Person.id, Person.name, Person.id_number_hash, Person.site_id, Person.wants_training)
        .where(Person.birth_date.between(band_low, band_high), Person.labor_capacity != LaborCapacity.NONE,
               Person.employment_status != EmploymentStatus.STUDENT).order_by(Person.id)
    ):
        if h in id_of and (wants or rng.random() < 0.25):
            pool[site_township[site_id]].append((pid, name, id_of[h]))

    n_courses = COURSES_PER_SCALE.get(context["scale"], 10)
    rows: list[tuple[int, RosterRow]] = []
    used: dict[int, set[int]] = {}
    planned = []
    for i in range(n_courses):
        name, kind, skill, cert, level, employer, provider = TEMPLATES[i % len(TEMPLATES)]
        township = townships[i % len(townships)]
        upcoming = i % 12 == 11  # about one in twelve has not started yet (open for sign-up)
        starts = on + dt.timedelta(days=rng.randint(5, 45)) if upcoming else on - dt.timedelta(days=rng.randint(0, 700))
        length = rng.randint(5, 15)
        site_ids = [s for s, t in sites if t == township]
        course = training.create_course(training.CourseFields(
            name=f"{name}（第{i // len(TEMPLATES) + 1}期）", kind=kind, provider_id=providers[provider].id,
            county_id=county.id, site_id=rng.choice(site_ids) if rng.random() < 0.5 else None,
            skill_id=skills.get(skill), certificate_id=certificates[cert].id if cert else None,
            certificate_level=level if cert else None, employer_name=employer,
            place=f"{_region_name(township)}培训点", starts_on=starts, ends_on=starts + dt.timedelta(days=length - 1),
            capacity=rng.choice([30, 40, 50]), subsidy_per_trainee=float(rng.choice([800, 1200, 1500, 2000])),
            hours=length * 6,
        ), scope=scope, actor="演示数据")
        planned.append((course, township))
        candidates = [p for p in pool[township] if p[0] not in used.setdefault(course.id, set())]
        rng.shuffle(candidates)
        size = int(course.capacity * rng.uniform(0.5, 0.95)) if not upcoming else rng.randint(3, 10)
        held = [course.starts_on + dt.timedelta(days=d) for d in range(length)
                if course.starts_on + dt.timedelta(days=d) <= on]
        for pid, person_name, id_number in candidates[:size]:
            used[course.id].add(pid)
            rows.append((len(rows) + 2, _trainee_row(rng, course, person_name, id_number, held, on)))
    echo(f"培训：{len(planned)} 个课程，{len(rows)} 人次，正在写入花名册……")
    result = apply_roster(rows, scope=None, actor="演示数据", on=on)
    if result.errors:
        raise RuntimeError(f"演示培训数据有误：{result.errors[:3]}")
    _drop_some(rng, on)
    renewals = _external_certificates(rng, pool, certificates, on)
    jobs = _jobs_after_training(rng, on, id_of)
    _targets(county, on)
    echo(f"培训：结业 {result.completed} 人次，颁发证书 {result.certificates} 本，外部证书 {renewals} 本，"
         f"培训后就业 {jobs} 人")


def _id_numbers(people: list[PersonFields]) -> dict[str, str]:
    p = protector()
    return {p.lookup("id", f.id_number): f.id_number for f in people}


def _region_name(region_id: int) -> str:
    return db.session.get(Region, region_id).name


def _trainee_row(rng, course, name: str, id_number: str, held: list[dt.date], on: dt.date) -> RosterRow:
    diligent = rng.random() < 0.9
    attended = [d for d in held if rng.random() < (0.97 if diligent else 0.5)]
    ended = course.ends_on < on
    completes = ended and bool(held) and len(attended) >= 0.8 * len(held)
    row = RosterRow(course_code=course.code, id_number=id_number, name=name, enrolled_on=course.starts_on,
                    attended=attended, completed=completes, completed_on=course.ends_on if completes else None)
    if completes and course.certificate_id:
        exam_on = min(on, course.ends_on + dt.timedelta(days=rng.randint(3, 20)))
        passed = rng.random() < 0.82
        row.exam_result, row.exam_on = (ExamResult.PASSED if passed else ExamResult.FAILED), exam_on
        if passed:
            certificate = db.session.get(Certificate, course.certificate_id)
            row.certificate = training.certificate_text(certificate.name, course.certificate_level)
            row.certificate_number = f"{course.code}-{rng.randint(1, 9999):04d}"
            row.awarded_on = min(on, exam_on + dt.timedelta(days=rng.randint(7, 30)))
    return row


def _drop_some(rng: random.Random, on: dt.date) -> None:
    """Trainees of finished courses who did not complete are recorded as having left."""
    stale = db.session.scalars(
        sa.select(Enrollment).join(Course).where(
            Enrollment.status == EnrollmentStatus.ENROLLED, Course.ends_on < on)
    ).all()
    for enrollment in stale:
        training.drop(enrollment, on=enrollment.course.starts_on + dt.timedelta(days=rng.randint(1, 3)),
                      note="外出务工，未完成培训", actor="演示数据")


def _external_certificates(rng, pool, certificates, on: dt.date) -> int:
    """Special-operation certificates earned elsewhere, several due for review within 90 days."""
    count = 0
    names = ["焊工", "低压电工", "高处作业"]
    people = [p for members in pool.values() for p in members[: max(2, len(members) // 60)]]
    for pid, _name, _id in people:
        person = db.session.get(Person, pid)
        cert = certificates[rng.choice(names)]
        review = on + dt.timedelta(days=rng.randint(-30, 150))
        awarded = training.add_years(review, -(cert.review_years or 3))
        if review <= on:
            continue
        training.award_certificate(person, cert, awarded_on=awarded, evidence="原件已核验（演示数据）",
                                   actor="演示数据", on=on)
        count += 1
    return count


def _jobs_after_training(rng: random.Random, on: dt.date, id_of: dict[str, str]) -> int:
    """About a third of unemployed trainees find work within a few months of completing."""
    from jobmatch.people.models import StatusEvent

    latest = dict(db.session.execute(
        sa.select(StatusEvent.person_id, sa.func.max(StatusEvent.effective_on)).group_by(StatusEvent.person_id)
    ).all())
    done = db.session.execute(
        sa.select(Enrollment.person_id, sa.func.min(Enrollment.completed_on), Person.id_number_hash)
        .join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.status == EnrollmentStatus.COMPLETED, Person.employment_status == EmploymentStatus.UNEMPLOYED)
        .group_by(Enrollment.person_id, Person.id_number_hash)
    ).all()
    changes = []
    for pid, completed_on, h in done:
        if rng.random() > 0.4:
            continue
        when = completed_on + dt.timedelta(days=rng.randint(10, 150))
        if when > on or when <= latest.get(pid, dt.date.min):
            continue
        status = rng.choice([EmploymentStatus.LOCAL, EmploymentStatus.LOCAL, EmploymentStatus.OUT_OF_PROVINCE])
        income = float(rng.randrange(24, 45) * 100) if status is EmploymentStatus.LOCAL else float(rng.randrange(45, 75) * 100)
        changes.append((id_of[h], status, when, "平利县" if status is EmploymentStatus.LOCAL else "江苏苏州", income))
    if changes:
        bulk_record_changes(changes, source=StatusSource.DEMO)
    return len(changes)


def _targets(county: Region, on: dt.date) -> None:
    scope = all_sites_scope()
    training.set_target(county, on.year, training_rate=0.35, certificate_rate=0.25, skills_per_worker=1.5,
                        scope=scope, actor="演示数据")
    with_sites = sa.select(Site.township_id)
    for township in db.session.scalars(sa.select(Region).where(
            Region.parent_id == county.id, Region.level == RegionLevel.TOWNSHIP, Region.id.in_(with_sites))):
        training.set_target(township, on.year, training_rate=0.35, certificate_rate=0.25, skills_per_worker=1.5,
                            scope=scope, actor="演示数据")
