"""Who counts as an able worker, who as employed, and zero-employment households.

Definitions (register issue; configurable through ``WORKING_AGE_MIN``/``MAX``):
- able member: aged 16–60 on the day in question, labor capacity not 无劳动能力,
  and not 在校学生;
- employed: 县内务工 / 省内县外务工 / 省外务工 / 公益性岗位 / 自主创业;
- zero-employment household (零就业家庭): at least one able member and no able
  member employed — the official definition counts only members of working age,
  so a 65-year-old on a public-welfare post does not take a household off the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from jobmatch.people.enums import EMPLOYED_STATUSES, EmploymentStatus, LaborCapacity
from jobmatch.people.idnumber import age_on


@dataclass(frozen=True)
class AgeBand:
    minimum: int = 16
    maximum: int = 60

    def birth_window(self, on: dt.date) -> tuple[dt.date, dt.date]:
        """(earliest exclusive, latest inclusive) birth dates of someone of working age on ``on``."""
        latest = _years_before(on, self.minimum)
        earliest_exclusive = _years_before(on, self.maximum + 1)
        return earliest_exclusive, latest


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def age_band() -> AgeBand:
    cfg = current_app.config
    return AgeBand(cfg.get("WORKING_AGE_MIN", 16), cfg.get("WORKING_AGE_MAX", 60))


def is_able(birth_date: dt.date, capacity: LaborCapacity, status: EmploymentStatus, on: dt.date,
            band: AgeBand | None = None) -> bool:
    band = band or AgeBand()
    return (
        band.minimum <= age_on(birth_date, on) <= band.maximum
        and capacity is not LaborCapacity.NONE
        and status is not EmploymentStatus.STUDENT
    )


def is_employed(status: EmploymentStatus) -> bool:
    return status in EMPLOYED_STATUSES


@dataclass(frozen=True)
class HouseholdStanding:
    able: int
    able_employed: int
    employed: int

    @property
    def has_able_members(self) -> bool:
        return self.able > 0

    @property
    def is_zero_employment(self) -> bool:
        return self.able > 0 and self.able_employed == 0


def household_standing(members: Iterable, on: dt.date, band: AgeBand | None = None) -> HouseholdStanding:
    """Counts for one household from objects with birth_date, labor_capacity, employment_status."""
    able = able_employed = employed = 0
    for m in members:
        works = is_employed(m.employment_status)
        employed += works
        if is_able(m.birth_date, m.labor_capacity, m.employment_status, on, band):
            able += 1
            able_employed += works
    return HouseholdStanding(able, able_employed, employed)


def able_clause(birth_col, capacity_col, status_col, on: dt.date, band: AgeBand) -> sa.ColumnElement[bool]:
    """SQL for "able member on ``on``" over the given columns."""
    earliest_exclusive, latest = band.birth_window(on)
    return sa.and_(
        birth_col > earliest_exclusive,
        birth_col <= latest,
        capacity_col != LaborCapacity.NONE,
        status_col != EmploymentStatus.STUDENT,
    )


def employed_clause(status_col) -> sa.ColumnElement[bool]:
    return status_col.in_(sorted(EMPLOYED_STATUSES, key=lambda s: s.name))
