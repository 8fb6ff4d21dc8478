"""Employers, postings, referrals (with placements), departure batches and the subsidy ledger."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.accounts.models import User
from jobmatch.database import TimestampMixin, enum_column, utcnow
from jobmatch.extensions import db
from jobmatch.jobs.enums import (
    Channel,
    EmployerKind,
    Intensity,
    PostingStatus,
    ReferralOutcome,
    SubsidyKind,
    WorkHours,
)
from jobmatch.people.enums import Education
from jobmatch.people.models import Person
from jobmatch.places.models import Region, Site
from jobmatch.vocab.models import Certificate, Skill


class Employer(TimestampMixin, db.Model):
    """用工单位: a community factory, public-welfare unit, labor-export partner station or enterprise."""

    __tablename__ = "employers"
    __table_args__ = (sa.UniqueConstraint("county_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the county whose bureau works with the employer
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[EmployerKind] = mapped_column(enum_column(EmployerKind))
    #: the resettlement site a community factory or park employer is attached to
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    #: sits in an industrial park attached to a site (配套产业园): the 50% relocated-worker share applies
    is_park: Mapped[bool] = mapped_column(default=False)
    province: Mapped[str | None] = mapped_column(sa.String(20))
    address: Mapped[str | None] = mapped_column(sa.String(120))
    contact_name: Mapped[str | None] = mapped_column(sa.String(40))
    #: the employer's work phone (not a register person's number); shown to staff only
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))
    #: total workforce the employer last reported (职工总数), for the relocated-worker share
    workforce: Mapped[int | None]
    workforce_on: Mapped[dt.date | None]

    county: Mapped[Region] = relationship()
    site: Mapped[Site | None] = relationship()


class Posting(TimestampMixin, db.Model):
    """岗位: a job posting from one of the channels."""

    __tablename__ = "postings"
    __table_args__ = (sa.Index("ix_postings_county_status", "county_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 岗位编号, the natural key of the postings format
    code: Mapped[str] = mapped_column(sa.String(30), unique=True)
    #: the county the posting is managed in (region scope goes through it)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"))
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    #: the broker who owns the posting (None: posted by staff or imported)
    broker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    title: Mapped[str] = mapped_column(sa.String(80))
    headcount: Mapped[int]
    workplace: Mapped[str | None] = mapped_column(sa.String(120))
    #: 工作省份, normalised without 省/市 ("陕西", "江苏")
    province: Mapped[str] = mapped_column(sa.String(20))
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    #: minimum education; None = 不限
    education: Mapped[Education | None] = mapped_column(enum_column(Education, name="requirededucation"))
    intensity: Mapped[Intensity | None] = mapped_column(enum_column(Intensity))
    hours: Mapped[WorkHours | None] = mapped_column(enum_column(WorkHours))
    wage_min: Mapped[float | None] = mapped_column(sa.Float)
    wage_max: Mapped[float | None] = mapped_column(sa.Float)
    board_lodging: Mapped[bool] = mapped_column(default=False)
    #: 截止日期: the posting expires the day after
    deadline: Mapped[dt.date | None]
    status: Mapped[PostingStatus] = mapped_column(enum_column(PostingStatus))
    opened_on: Mapped[dt.date | None]
    #: the day it stopped being open (filled, closed or expired)
    closed_on: Mapped[dt.date | None]
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_records.id", ondelete="SET NULL"))
    #: occupation code (CSCO 2022 细类, "6-25-04-07"): the classifier's top suggestion until confirmed
    csco_code: Mapped[str | None] = mapped_column(sa.String(16))
    #: whether a broker or staff confirmed ``csco_code`` (False: a machine suggestion)
    csco_confirmed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    employer: Mapped[Employer] = relationship()
    county: Mapped[Region] = relationship()
    site: Mapped[Site | None] = relationship()
    broker: Mapped[User | None] = relationship(foreign_keys=[broker_id])
    skills: Mapped[list[PostingSkill]] = relationship(
        back_populates="posting", cascade="all, delete-orphan", order_by="PostingSkill.position"
    )
    certificates: Mapped[list[PostingCertificate]] = relationship(
        back_populates="posting", cascade="all, delete-orphan", order_by="PostingCertificate.position"
    )

    @property
    def is_full_time(self) -> bool:
        """Flexible-hours work (计件、弹性) can be held beside another job; everything else is full-time."""
        return self.hours is not WorkHours.FLEXIBLE

    @property
    def must_skills(self) -> list[PostingSkill]:
        return [s for s in self.skills if s.is_required]

    @property
    def nice_skills(self) -> list[PostingSkill]:
        return [s for s in self.skills if not s.is_required]


class PostingSkill(db.Model):
    """A must-have (技能要求) or nice-to-have (优先技能) skill of a posting."""

    __tablename__ = "posting_skills"
    __table_args__ = (sa.UniqueConstraint("posting_id", "is_required", "raw"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(sa.ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    raw: Mapped[str] = mapped_column(sa.String(60))
    skill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skills.id", ondelete="SET NULL"), index=True)
    is_required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    posting: Mapped[Posting] = relationship(back_populates="skills")
    skill: Mapped[Skill | None] = relationship()


class PostingCertificate(db.Model):
    """A certificate a posting requires (证书要求); always a catalogue entry."""

    __tablename__ = "posting_certificates"
    __table_args__ = (sa.UniqueConstraint("posting_id", "raw"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(sa.ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    raw: Mapped[str] = mapped_column(sa.String(80))
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    #: minimum level (1 highest … 5); None = any level
    level: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)

    posting: Mapped[Posting] = relationship(back_populates="certificates")
    certificate: Mapped[Certificate] = relationship()


class Referral(TimestampMixin, db.Model):
    """推荐: a person referred to a posting, and what became of it; a hire is a placement."""

    __tablename__ = "referrals"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "posting_id", "referred_on"),
        sa.Index("ix_referrals_posting_outcome", "posting_id", "outcome"),
        # 职业分布: referrals and hires of the people in a scope without reading the referral rows
        sa.Index("ix_referrals_person_posting_started", "person_id", "posting_id", "started_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    posting_id: Mapped[int] = mapped_column(sa.ForeignKey("postings.id", ondelete="CASCADE"))
    #: the user (broker or staff) who made the referral; None for imported history
    referred_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    referred_on: Mapped[dt.date] = mapped_column(index=True)
    outcome: Mapped[ReferralOutcome] = mapped_column(enum_column(ReferralOutcome))
    #: the day the current outcome was reached
    outcome_on: Mapped[dt.date | None]
    #: 入职日期 (set for 录用 and 离职)
    started_on: Mapped[dt.date | None] = mapped_column(index=True)
    #: 离职日期
    ended_on: Mapped[dt.date | None]
    #: why the person was referred although they are outside the posting's hard limits
    override_reason: Mapped[str | None] = mapped_column(sa.String(200))
    #: the hard limits broken at referral time (Chinese, "；"-separated)
    violations: Mapped[str | None] = mapped_column(sa.Text)
    #: warnings shown at referral time (public-welfare cap, an existing placement …)
    warnings: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    #: 推荐 (made in jobmatch) / 导入 (outcomes file) / 演示
    source: Mapped[str] = mapped_column(sa.String(10), default="推荐")
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_records.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship()
    posting: Mapped[Posting] = relationship()
    referred_by: Mapped[User | None] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralEvent.id"
    )

    @property
    def is_active_placement(self) -> bool:
        return self.started_on is not None and self.ended_on is None


class ReferralEvent(db.Model):
    """A dated step of a referral (已推荐 → 面试 → 录用 → 离职), with who recorded it."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[ReferralOutcome] = mapped_column(enum_column(ReferralOutcome))
    #: the day the step happened
    happened_on: Mapped[dt.date]
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.String(200))

    referral: Mapped[Referral] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class DepartureBatch(TimestampMixin, db.Model):
    """劳务输出批次: an organised group departure to a partner province."""

    __tablename__ = "departure_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    departs_on: Mapped[dt.date] = mapped_column(index=True)
    destination: Mapped[str] = mapped_column(sa.String(120))
    #: the partner station receiving the group
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    posting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("postings.id", ondelete="SET NULL"))
    #: contact at the partner's station
    contact_name: Mapped[str | None] = mapped_column(sa.String(40))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    employer: Mapped[Employer | None] = relationship()
    posting: Mapped[Posting | None] = relationship()
    members: Mapped[list[DepartureMember]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="DepartureMember.id"
    )


class DepartureMember(db.Model):
    """A person travelling with a departure batch."""

    __tablename__ = "departure_members"
    __table_args__ = (sa.UniqueConstraint("batch_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("departure_batches.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id", ondelete="SET NULL"))

    batch: Mapped[DepartureBatch] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()
    referral: Mapped[Referral | None] = relationship()


class SubsidySettings(TimestampMixin, db.Model):
    """A county's subsidy rules, editable by its reviewers; defaults in jobs.subsidies."""

    __tablename__ = "subsidy_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), unique=True)
    #: 稳岗补助 per month of out-of-province work (元)
    retention_monthly: Mapped[float] = mapped_column(sa.Float)
    #: at most this many months per placement
    retention_max_months: Mapped[int]
    #: a calendar month counts when the placement covers at least this many of its days
    retention_min_days: Mapped[int]
    #: 一次性吸纳就业补助 per relocated worker hired (元); 0 turns it off
    hiring_amount: Mapped[float] = mapped_column(sa.Float)
    #: paid once the worker has stayed this many months
    hiring_min_months: Mapped[int]
    #: channels whose employers receive the hiring subsidy (member names, comma-separated)
    hiring_channels: Mapped[str] = mapped_column(sa.String(120))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class SubsidyRun(db.Model):
    """One recomputation of a county's ledger: who, when, under which rules, and what changed."""

    __tablename__ = "subsidy_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(sa.String(60))
    #: last day whose months were computed
    through: Mapped[dt.date]
    #: the rules in force, as JSON
    rules: Mapped[str] = mapped_column(sa.Text)
    added: Mapped[int] = mapped_column(default=0)
    voided: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    #: total of the entries in force after the run (元)
    total_amount: Mapped[float] = mapped_column(sa.Float, default=0.0)


class SubsidyEntry(db.Model):
    """A ledger line: one subsidy for one person (and employer) in one month.

    Entries are never edited or deleted: a recomputation that no longer justifies an
    entry voids it (``voided_run_id``) and adds the corrected one.
    """

    __tablename__ = "subsidy_entries"
    __table_args__ = (sa.Index("ix_subsidy_entries_county_month", "county_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"))
    kind: Mapped[SubsidyKind] = mapped_column(enum_column(SubsidyKind))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    #: who is paid the hiring subsidy; for the retention subsidy the employer of the placement
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id"))
    #: first day of the month the entry is for
    month: Mapped[dt.date]
    amount: Mapped[float] = mapped_column(sa.Float)
    #: e.g. "第3个月" or "在岗满6个月"
    note: Mapped[str | None] = mapped_column(sa.String(120))
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("subsidy_runs.id"))
    voided_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subsidy_runs.id"))

    person: Mapped[Person] = relationship()
    referral: Mapped[Referral] = relationship()
    employer: Mapped[Employer | None] = relationship()
