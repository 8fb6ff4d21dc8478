"""Households, persons and what they hold; employment status as dated history."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.database import TimestampMixin, enum_column, utcnow
from jobmatch.extensions import db
from jobmatch.people.enums import (
    Education,
    EmploymentStatus,
    LaborCapacity,
    Relation,
    Sex,
    StatusEventKind,
    StatusSource,
    WorkPreference,
)
from jobmatch.places.models import Region, Site
from jobmatch.vocab.models import Certificate, Skill


class Household(TimestampMixin, db.Model):
    """户: the people sharing a household code within a county."""

    __tablename__ = "households"
    __table_args__ = (sa.UniqueConstraint("county_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 户编号, unique within the county
    code: Mapped[str] = mapped_column(sa.String(40))
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)

    county: Mapped[Region] = relationship()
    site: Mapped[Site] = relationship()
    members: Mapped[list[Person]] = relationship(back_populates="household", order_by="Person.id")


class Person(TimestampMixin, db.Model):
    """劳动力: one row of the register."""

    __tablename__ = "persons"
    __table_args__ = (
        # search within a region: the site first, then the name forms (prefix ranges)
        sa.Index("ix_persons_site_name", "site_id", "name"),
        sa.Index("ix_persons_site_given", "site_id", "name_given"),
        sa.Index("ix_persons_site_pinyin", "site_id", "name_pinyin"),
        sa.Index("ix_persons_site_initials", "site_id", "name_initials"),
        # covers the job shortlist's coarse filter (status, then age) so it reads no table rows
        sa.Index("ix_persons_shortlist", "employment_status", "birth_date", "labor_capacity", "site_id", "household_id",
                 "broker_consent_on", "has_care_duty", "work_preference", "is_monitored", "expected_wage", "education"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), index=True)
    #: copy of the household's site so region scope needs no join
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(sa.String(50))
    #: the name without its first character (the surname), so "秀英" finds 王秀英 by prefix
    name_given: Mapped[str] = mapped_column(sa.String(50))
    #: full pinyin without tones or spaces ("wangxiuying"), for search
    name_pinyin: Mapped[str] = mapped_column(sa.String(200))
    #: pinyin initials ("wxy"), for search
    name_initials: Mapped[str] = mapped_column(sa.String(50))
    #: AES-GCM ciphertext of the ID number
    id_number_enc: Mapped[str] = mapped_column(sa.String(120))
    #: keyed hash of the ID number: the lookup and uniqueness key
    id_number_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: keyed hash of the last four characters, for "last digits" search
    id_tail_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex))
    birth_date: Mapped[dt.date]
    relation: Mapped[Relation] = mapped_column(enum_column(Relation))
    phone_enc: Mapped[str | None] = mapped_column(sa.String(120))
    phone_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    phone_tail_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    education: Mapped[Education | None] = mapped_column(enum_column(Education))
    labor_capacity: Mapped[LaborCapacity] = mapped_column(enum_column(LaborCapacity))
    #: the status in force today; the truth is the dated history in status_events
    employment_status: Mapped[EmploymentStatus] = mapped_column(enum_column(EmploymentStatus), index=True)
    #: date the current status took effect
    status_since: Mapped[dt.date | None]
    workplace: Mapped[str | None] = mapped_column(sa.String(120))
    monthly_income: Mapped[float | None] = mapped_column(sa.Float)
    work_preference: Mapped[WorkPreference | None] = mapped_column(enum_column(WorkPreference))
    expected_wage: Mapped[float | None] = mapped_column(sa.Float)
    wants_training: Mapped[bool] = mapped_column(default=False)
    #: 防返贫监测对象
    is_monitored: Mapped[bool] = mapped_column(default=False)
    #: must care for children, elderly or sick at home
    has_care_duty: Mapped[bool] = mapped_column(default=False)
    #: last time a clerk confirmed or changed the status in the monthly update
    status_checked_at: Mapped[dt.datetime | None]
    #: day the person agreed to have their data shared with labor brokers; None = no consent
    broker_consent_on: Mapped[dt.date | None]

    household: Mapped[Household] = relationship(back_populates="members")
    site: Mapped[Site] = relationship()
    skills: Mapped[list[PersonSkill]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonSkill.position"
    )
    certificates: Mapped[list[PersonCertificate]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonCertificate.position"
    )
    status_events: Mapped[list[StatusEvent]] = relationship(
        back_populates="person",
        cascade="all, delete-orphan",
        order_by="(StatusEvent.effective_on.desc(), StatusEvent.id.desc())",
    )


class PersonSkill(db.Model):
    """A skill as the clerk typed it, with its canonical skill when one matched."""

    __tablename__ = "person_skills"
    __table_args__ = (sa.UniqueConstraint("person_id", "raw"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    #: verbatim text
    raw: Mapped[str] = mapped_column(sa.String(60))
    skill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skills.id", ondelete="SET NULL"), index=True)
    #: order in the register cell, so exports reproduce it
    position: Mapped[int] = mapped_column(default=0)
    #: where the skill came from: 台账 (register) or 培训 (a completed course)
    source: Mapped[str] = mapped_column(sa.String(20), default="台账")

    person: Mapped[Person] = relationship(back_populates="skills")
    skill: Mapped[Skill | None] = relationship()


class PersonCertificate(db.Model):
    """A certificate held: verbatim text, catalogue entry and level when recognised."""

    __tablename__ = "person_certificates"
    __table_args__ = (sa.UniqueConstraint("person_id", "raw"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    raw: Mapped[str] = mapped_column(sa.String(80))
    certificate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="SET NULL"), index=True
    )
    #: 1 (一级/高级技师) … 5 (五级/初级工); None when the certificate has no level
    level: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(sa.String(20), default="台账")
    awarded_on: Mapped[dt.date | None]
    expires_on: Mapped[dt.date | None]

    person: Mapped[Person] = relationship(back_populates="certificates")
    certificate: Mapped[Certificate | None] = relationship()


class StatusEvent(db.Model):
    """A dated employment-status record: a change, or a monthly confirmation that nothing changed."""

    __tablename__ = "status_events"
    __table_args__ = (sa.Index("ix_status_events_person_effective", "person_id", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[StatusEventKind] = mapped_column(enum_column(StatusEventKind))
    status: Mapped[EmploymentStatus] = mapped_column(enum_column(EmploymentStatus))
    #: the status before this event (None for a person's first record)
    previous_status: Mapped[EmploymentStatus | None] = mapped_column(
        enum_column(EmploymentStatus, name="previousstatus")
    )
    #: the day the status took effect (for a confirmation: the day it was confirmed)
    effective_on: Mapped[dt.date] = mapped_column(index=True)
    workplace: Mapped[str | None] = mapped_column(sa.String(120))
    monthly_income: Mapped[float | None] = mapped_column(sa.Float)
    source: Mapped[StatusSource] = mapped_column(enum_column(StatusSource))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_records.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship(back_populates="status_events")
