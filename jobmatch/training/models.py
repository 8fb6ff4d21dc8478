"""Providers, courses, sessions, enrolments, attendance, certificate awards and targets."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.database import TimestampMixin, enum_column, utcnow
from jobmatch.extensions import db
from jobmatch.jobs.models import Employer, Posting
from jobmatch.people.models import Person, PersonCertificate, PersonSkill
from jobmatch.places.models import Region, Site
from jobmatch.training.enums import CourseKind, EnrollmentStatus, EnrollSource, ExamResult
from jobmatch.vocab.models import Certificate, Skill


class TrainingProvider(TimestampMixin, db.Model):
    """培训机构: a vocational school, training company or employer that runs courses."""

    __tablename__ = "training_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: the county whose bureau works with the provider (None: any)
    county_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: contact person and the institution's phone (not personal data of a register person)
    contact: Mapped[str | None] = mapped_column(sa.String(60))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    is_active: Mapped[bool] = mapped_column(default=True)

    county: Mapped[Region | None] = relationship()


class Course(TimestampMixin, db.Model):
    """A training course (班次) run by a provider for a county's relocated workers."""

    __tablename__ = "courses"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 课程编号, the key roster files use (PX2026-0001)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[CourseKind] = mapped_column(enum_column(CourseKind), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("training_providers.id"), index=True)
    #: the county that organises (and pays for) the course: its staff see it
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: the site the course is held at or meant for, if any
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    #: the skill the course teaches; completing the course adds it to the person's skills
    skill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skills.id", ondelete="SET NULL"), index=True)
    #: the certificate the course prepares for
    certificate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="SET NULL"), index=True
    )
    #: 1 (一级) … 5 (五级) for leveled certificates
    certificate_level: Mapped[int | None]
    #: 订单/定向/定岗 training: the employer the trainees are meant for (free text, or the linked employer's name)
    employer_name: Mapped[str | None] = mapped_column(sa.String(120))
    #: the employer in the jobs register the order training is for (filled from a skill gap or the form)
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id", ondelete="SET NULL"), index=True)
    place: Mapped[str | None] = mapped_column(sa.String(120))
    starts_on: Mapped[dt.date] = mapped_column(index=True)
    ends_on: Mapped[dt.date] = mapped_column(index=True)
    capacity: Mapped[int]
    #: training subsidy per trainee (元)
    subsidy_per_trainee: Mapped[float | None] = mapped_column(sa.Float)
    #: 课时
    hours: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(sa.Text)
    #: offered for sign-up at the kiosk
    is_open_for_signup: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    provider: Mapped[TrainingProvider] = relationship()
    county: Mapped[Region] = relationship()
    site: Mapped[Site | None] = relationship()
    skill: Mapped[Skill | None] = relationship()
    certificate: Mapped[Certificate | None] = relationship()
    sessions: Mapped[list[CourseSession]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseSession.held_on"
    )
    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="course", order_by="Enrollment.id")
    employer: Mapped[Employer | None] = relationship()
    postings: Mapped[list[Posting]] = relationship(secondary="course_postings", order_by="Posting.code")

    def status_label(self, on: dt.date) -> str:
        """报名中 / 培训中 / 已结束 on a day."""
        if on < self.starts_on:
            return "报名中"
        if on <= self.ends_on:
            return "培训中"
        return "已结束"


class CoursePosting(db.Model):
    """A posting an order-training course prepares its trainees for (订单培训 linked to 岗位)."""

    __tablename__ = "course_postings"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    posting_id: Mapped[int] = mapped_column(sa.ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


class CourseSession(db.Model):
    """One day of a course (课次); attendance is recorded per session."""

    __tablename__ = "course_sessions"
    __table_args__ = (sa.UniqueConstraint("course_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[dt.date]
    topic: Mapped[str | None] = mapped_column(sa.String(80))
    hours: Mapped[float | None] = mapped_column(sa.Float)

    course: Mapped[Course] = relationship(back_populates="sessions")


class Enrollment(TimestampMixin, db.Model):
    """A person on a course: enrolment, completion and exam result."""

    __tablename__ = "enrollments"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "person_id"),
        sa.Index("ix_enrollments_person_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"))
    status: Mapped[EnrollmentStatus] = mapped_column(enum_column(EnrollmentStatus), index=True)
    source: Mapped[EnrollSource] = mapped_column(enum_column(EnrollSource))
    enrolled_on: Mapped[dt.date]
    #: 结业日期: the day the person completed the course
    completed_on: Mapped[dt.date | None] = mapped_column(index=True)
    dropped_on: Mapped[dt.date | None]
    exam_result: Mapped[ExamResult | None] = mapped_column(enum_column(ExamResult))
    exam_on: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(sa.String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship(back_populates="enrollments")
    person: Mapped[Person] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(back_populates="enrollment", cascade="all, delete-orphan")


class Attendance(db.Model):
    """Presence of an enrolled person at one session (absent: no row)."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "enrollment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True)
    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    enrollment: Mapped[Enrollment] = relationship(back_populates="attendance")
    session: Mapped[CourseSession] = relationship()


class CertificateAward(TimestampMixin, db.Model):
    """A certificate awarded (or renewed), through a course or earned elsewhere with evidence."""

    __tablename__ = "certificate_awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    level: Mapped[int | None]
    #: the course enrolment that led to it; None for a certificate earned elsewhere
    enrollment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrollments.id", ondelete="SET NULL"), index=True)
    #: the row in the person's certificates this award wrote
    person_certificate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person_certificates.id", ondelete="SET NULL"), index=True
    )
    #: 证书编号
    number: Mapped[str | None] = mapped_column(sa.String(60))
    awarded_on: Mapped[dt.date] = mapped_column(index=True)
    #: valid until (for 特种作业: the next review date)
    expires_on: Mapped[dt.date | None]
    issuer: Mapped[str | None] = mapped_column(sa.String(80))
    #: what staff saw for a certificate earned elsewhere (原件核验, 证书查询截图 …)
    evidence: Mapped[str | None] = mapped_column(sa.String(200))
    #: a review (复审) or renewal of a certificate already held
    is_renewal: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship()
    certificate: Mapped[Certificate] = relationship()
    enrollment: Mapped[Enrollment | None] = relationship()
    person_certificate: Mapped[PersonCertificate | None] = relationship()


class TrainingTarget(TimestampMixin, db.Model):
    """A region's yearly goals: trained share, certified share, skills per worker."""

    __tablename__ = "training_targets"
    __table_args__ = (sa.UniqueConstraint("region_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    year: Mapped[int]
    #: share of able workers who completed a course (0–1)
    training_rate: Mapped[float | None] = mapped_column(sa.Float)
    #: share of able workers holding a valid vocational certificate (0–1)
    certificate_rate: Mapped[float | None] = mapped_column(sa.Float)
    #: distinct recognised skills per able worker
    skills_per_worker: Mapped[float | None] = mapped_column(sa.Float)
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    region: Mapped[Region] = relationship()


# Covering indexes for the indicator scans (training/indicators.py): one pass over the
# register's age, capacity, status and training wish per site, and skills per person,
# without reading the wide person rows.
sa.Index("ix_persons_training_scan", Person.site_id, Person.birth_date, Person.labor_capacity,
         Person.employment_status, Person.wants_training)
sa.Index("ix_person_skills_person_skill", PersonSkill.person_id, PersonSkill.skill_id)
