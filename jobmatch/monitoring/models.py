"""Zero-employment episodes, assistance plans with measures and visits, and status proposals."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.accounts.models import User
from jobmatch.database import TimestampMixin, enum_column, utcnow
from jobmatch.extensions import db
from jobmatch.monitoring.enums import (
    ClearReason,
    EpisodeOrigin,
    EscalationLevel,
    ExitState,
    MeasureKind,
    ProposalState,
)
from jobmatch.people.enums import EmploymentStatus
from jobmatch.people.models import Household, Person


class ZeroEpisode(TimestampMixin, db.Model):
    """One stretch of time a household spent at zero employment (零就业), from detection to clearance."""

    __tablename__ = "zero_episodes"
    __table_args__ = (sa.Index("ix_zero_episodes_site_cleared", "site_id", "cleared_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id", ondelete="CASCADE"), index=True)
    #: copy of the household's site at detection, so region scope needs no join
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    #: the day the data made the household zero-employment
    detected_on: Mapped[dt.date] = mapped_column(index=True)
    origin: Mapped[EpisodeOrigin] = mapped_column(enum_column(EpisodeOrigin))
    #: the member whose change caused it (the worker who came home …), when known
    cause_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id", ondelete="SET NULL"))
    #: referrals promised by this day (detected_on + the configured days)
    referrals_due_on: Mapped[dt.date]
    escalation: Mapped[EscalationLevel] = mapped_column(enum_column(EscalationLevel), default=EscalationLevel.TOWNSHIP)
    escalated_on: Mapped[dt.date | None]
    #: the day somebody able in the household was employed again (or nobody able was left)
    cleared_on: Mapped[dt.date | None]
    clear_reason: Mapped[ClearReason | None] = mapped_column(enum_column(ClearReason))
    cleared_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id", ondelete="SET NULL"))
    #: a policy exit: off the active list although nobody works; kept with its evidence
    exit_state: Mapped[ExitState | None] = mapped_column(enum_column(ExitState))
    exit_on: Mapped[dt.date | None]
    exit_evidence: Mapped[str | None] = mapped_column(sa.Text)
    exit_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    exit_at: Mapped[dt.datetime | None]

    household: Mapped[Household] = relationship()
    cause_person: Mapped[Person | None] = relationship(foreign_keys=[cause_person_id])
    cleared_by_person: Mapped[Person | None] = relationship(foreign_keys=[cleared_by_person_id])
    exit_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.cleared_on is None and self.exit_state is None


class AssistancePlan(TimestampMixin, db.Model):
    """一户一策: the plan for one household."""

    __tablename__ = "assistance_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id", ondelete="CASCADE"), unique=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    #: the household's situation and the plan's aim, in the clerk's words
    summary: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    household: Mapped[Household] = relationship()
    created_by: Mapped[User | None] = relationship()
    measures: Mapped[list[PlanMeasure]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                       order_by="PlanMeasure.id")


class PlanMeasure(TimestampMixin, db.Model):
    """One measure of a plan: what, who is responsible, by when, and when it was done."""

    __tablename__ = "plan_measures"
    __table_args__ = (sa.Index("ix_plan_measures_responsible_done", "responsible_id", "done_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("assistance_plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MeasureKind] = mapped_column(enum_column(MeasureKind))
    description: Mapped[str] = mapped_column(sa.String(300))
    responsible_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[dt.date]
    done_on: Mapped[dt.date | None]
    done_note: Mapped[str | None] = mapped_column(sa.String(300))

    plan: Mapped[AssistancePlan] = relationship(back_populates="measures")
    responsible: Mapped[User | None] = relationship()


class Visit(TimestampMixin, db.Model):
    """走访: a visit to (or call with) a household and what happened."""

    __tablename__ = "household_visits"
    __table_args__ = (sa.Index("ix_household_visits_household_on", "household_id", "visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    visited_on: Mapped[dt.date]
    visitor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: False when nobody could be reached (counts towards 三个月失联)
    reached: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(sa.Text)

    visitor: Mapped[User | None] = relationship()


class StatusProposal(db.Model):
    """A status change travelling the four-level chain: site proposes, township confirms,
    county approves what needs review; the applied change enters the dated history."""

    __tablename__ = "status_proposals"
    __table_args__ = (sa.Index("ix_status_proposals_site_state", "site_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    previous_status: Mapped[EmploymentStatus] = mapped_column(enum_column(EmploymentStatus, name="proposalprevious"))
    status: Mapped[EmploymentStatus] = mapped_column(enum_column(EmploymentStatus, name="proposalstatus"))
    effective_on: Mapped[dt.date]
    workplace: Mapped[str | None] = mapped_column(sa.String(120))
    monthly_income: Mapped[float | None] = mapped_column(sa.Float)
    note: Mapped[str | None] = mapped_column(sa.String(300))
    #: the day the site learned of the change (首先发现)
    discovered_on: Mapped[dt.date]
    state: Mapped[ProposalState] = mapped_column(enum_column(ProposalState))
    needs_county_review: Mapped[bool] = mapped_column(default=False)
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[dt.datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime | None]
    applied_at: Mapped[dt.datetime | None]
    rejected_reason: Mapped[str | None] = mapped_column(sa.String(300))

    person: Mapped[Person] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class HouseholdStanding(db.Model):
    """Per-household counts as of a day, kept by the same hook that keeps the episodes, so the
    dashboard sums ~30,000 narrow rows per county instead of ~100,000 people."""

    __tablename__ = "household_standings"

    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    #: the day ages were taken on (a standing older than today is recomputed before use)
    as_of: Mapped[dt.date]
    people: Mapped[int]
    able: Mapped[int]
    employed: Mapped[int]
    able_employed: Mapped[int]
    out_of_province: Mapped[int]
    public_welfare: Mapped[int]
    income_total: Mapped[float] = mapped_column(sa.Float)
    income_people: Mapped[int]


class MonthlySnapshot(db.Model):
    """A site's figures at a past month end from the dated history; dropped when a write dated
    on or before that month end touches the site, and recomputed on the next read."""

    __tablename__ = "monthly_snapshots"

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    month_end: Mapped[dt.date] = mapped_column(primary_key=True)
    people: Mapped[int]
    able_workers: Mapped[int]
    employed: Mapped[int]
    able_employed: Mapped[int]
    out_of_province: Mapped[int]
    public_welfare: Mapped[int]
    households_with_able_members: Mapped[int]
    zero_employment_households: Mapped[int]
    income_total: Mapped[float] = mapped_column(sa.Float)
    income_people: Mapped[int]
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
