"""Register counts for a region computed with SQL aggregates (no Python loops over people)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.people.enums import EmploymentStatus
from jobmatch.people.models import Person
from jobmatch.people.rules import able_clause, age_band, employed_clause
from jobmatch.places.services import Scope


@dataclass
class RegisterCounts:
    people: int
    households: int
    able_workers: int
    employed: int
    able_employed: int
    households_with_able_members: int
    zero_employment_households: int
    by_status: dict[EmploymentStatus, int]

    @property
    def one_per_household_coverage(self) -> float | None:
        if not self.households_with_able_members:
            return None
        covered = self.households_with_able_members - self.zero_employment_households
        return covered / self.households_with_able_members


def _flag(clause) -> sa.ColumnElement[int]:
    return sa.case((clause, 1), else_=0)


def register_counts(scope: Scope, on: dt.date | None = None) -> RegisterCounts:
    """People, able workers, employed, and zero-employment households of ``scope`` today."""
    on = on or today()
    band = age_band()
    able = able_clause(Person.birth_date, Person.labor_capacity, Person.employment_status, on, band)
    employed = employed_clause(Person.employment_status)
    per_household = (
        sa.select(
            Person.household_id,
            sa.func.sum(_flag(able)).label("able"),
            sa.func.sum(_flag(sa.and_(able, employed))).label("able_employed"),
        )
        .where(scope.filter(Person.site_id))
        .group_by(Person.household_id)
        .subquery()
    )
    households, with_able, zero = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(_flag(per_household.c.able > 0)), 0),
            sa.func.coalesce(sa.func.sum(_flag(sa.and_(per_household.c.able > 0, per_household.c.able_employed == 0))), 0),
        )
    ).one()
    people, able_n, employed_n, able_employed_n = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(_flag(able)), 0),
            sa.func.coalesce(sa.func.sum(_flag(employed)), 0),
            sa.func.coalesce(sa.func.sum(_flag(sa.and_(able, employed))), 0),
        ).where(scope.filter(Person.site_id))
    ).one()
    by_status = dict(
        db.session.execute(
            sa.select(Person.employment_status, sa.func.count())
            .where(scope.filter(Person.site_id))
            .group_by(Person.employment_status)
        ).all()
    )
    return RegisterCounts(
        people=people, households=households, able_workers=able_n, employed=employed_n,
        able_employed=able_employed_n, households_with_able_members=with_able,
        zero_employment_households=zero, by_status=by_status,
    )


def zero_employment_household_ids(scope: Scope, on: dt.date | None = None, limit: int | None = None) -> list[int]:
    """Ids of zero-employment households in ``scope`` today."""
    on = on or today()
    band = age_band()
    able = able_clause(Person.birth_date, Person.labor_capacity, Person.employment_status, on, band)
    employed = employed_clause(Person.employment_status)
    stmt = (
        sa.select(Person.household_id)
        .where(scope.filter(Person.site_id))
        .group_by(Person.household_id)
        .having(sa.func.sum(_flag(able)) > 0, sa.func.sum(_flag(sa.and_(able, employed))) == 0)
        .order_by(Person.household_id)
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))
