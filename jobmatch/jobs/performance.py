"""Broker and employer performance: referrals, hires, and retention 3 and 6 months after starting.

Retention at N months counts only hires that started at least N months ago (the others cannot
be judged yet): of those, the share still in the job N months after the start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from jobmatch.accounts.models import Role, User
from jobmatch.database import today as _today
from jobmatch.extensions import db
from jobmatch.jobs.channels import PARK_RELOCATED_SHARE
from jobmatch.jobs.models import Employer, Posting, Referral
from jobmatch.jobs.services import county_ids_in
from jobmatch.jobs.subsidies import add_months
from jobmatch.people.models import Person
from jobmatch.places.services import Scope


@dataclass
class Performance:
    key: int | None
    name: str
    referrals: int = 0
    hires: int = 0
    due_3: int = 0
    kept_3: int = 0
    due_6: int = 0
    kept_6: int = 0

    @property
    def hire_rate(self) -> float | None:
        return self.hires / self.referrals if self.referrals else None

    @property
    def retention_3(self) -> float | None:
        return self.kept_3 / self.due_3 if self.due_3 else None

    @property
    def retention_6(self) -> float | None:
        return self.kept_6 / self.due_6 if self.due_6 else None


def _tally(rows, names: dict, on: dt.date) -> list[Performance]:
    table: dict = {}
    for key, started, ended in rows:
        perf = table.setdefault(key, Performance(key, names.get(key, "（未记录）")))
        perf.referrals += 1
        if started is None:
            continue
        perf.hires += 1
        for months, due, kept in ((3, "due_3", "kept_3"), (6, "due_6", "kept_6")):
            mark = add_months(started, months)
            if mark <= on:
                setattr(perf, due, getattr(perf, due) + 1)
                if ended is None or ended >= mark:
                    setattr(perf, kept, getattr(perf, kept) + 1)
    return sorted(table.values(), key=lambda p: (-p.hires, -p.referrals, p.name))


def broker_performance(scope: Scope, *, broker: User | None = None, since: dt.date | None = None,
                       on: dt.date | None = None) -> list[Performance]:
    """Per broker (or only ``broker``): referrals of people in scope, hires, and retention."""
    on = on or _today()
    stmt = (sa.select(Referral.referred_by_id, Referral.started_on, Referral.ended_on)
            .join(Person, Person.id == Referral.person_id).where(scope.filter(Person.site_id)))
    if broker is not None:
        stmt = stmt.where(Referral.referred_by_id == broker.id)
    else:
        stmt = stmt.where(Referral.referred_by_id.in_(sa.select(User.id).where(User.role == Role.BROKER)))
    if since:
        stmt = stmt.where(Referral.referred_on >= since)
    names = {u.id: u.name for u in db.session.scalars(sa.select(User).where(User.role == Role.BROKER))}
    return _tally(db.session.execute(stmt).all(), names, on)


def employer_performance(scope: Scope, *, since: dt.date | None = None, on: dt.date | None = None) -> list[Performance]:
    """Per employer: referrals of people in scope to its postings, hires, and retention."""
    on = on or _today()
    stmt = (sa.select(Posting.employer_id, Referral.started_on, Referral.ended_on)
            .join(Posting, Posting.id == Referral.posting_id)
            .join(Person, Person.id == Referral.person_id).where(scope.filter(Person.site_id)))
    if since:
        stmt = stmt.where(Referral.referred_on >= since)
    names = dict(db.session.execute(sa.select(Employer.id, Employer.name)
                                    .where(Employer.county_id.in_(county_ids_in(scope)))).all())
    return _tally(db.session.execute(stmt).all(), names, on)


@dataclass
class ParkShare:
    employer: Employer
    relocated: int
    workforce: int | None

    @property
    def share(self) -> float | None:
        return self.relocated / self.workforce if self.workforce else None

    @property
    def meets_policy(self) -> bool | None:
        return None if self.share is None else self.share >= PARK_RELOCATED_SHARE


def park_shares(scope: Scope) -> list[ParkShare]:
    """For park employers attached to sites: relocated workers in post now against the workforce they report."""
    employers = list(db.session.scalars(
        sa.select(Employer).where(Employer.county_id.in_(county_ids_in(scope)), Employer.is_park.is_(True))
        .order_by(Employer.name).options(sa.orm.joinedload(Employer.site))))
    counts = dict(db.session.execute(
        sa.select(Posting.employer_id, sa.func.count(sa.distinct(Referral.person_id)))
        .join(Posting, Posting.id == Referral.posting_id)
        .where(Posting.employer_id.in_([e.id for e in employers]), Referral.started_on.is_not(None),
               Referral.ended_on.is_(None))
        .group_by(Posting.employer_id)).all()) if employers else {}
    return [ParkShare(e, counts.get(e.id, 0), e.workforce) for e in employers]
