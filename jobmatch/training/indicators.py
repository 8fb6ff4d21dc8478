"""培训率, 持证率 and skills per worker, for a region today and month by month (SQL aggregates).

Definitions (docs/training.md):
- able workers (the denominator): able members per ``people/rules.py`` on the day — aged
  16–60, labor capacity not 无劳动能力, not 在校学生 (capacity and student status as recorded now);
- trained: an able worker who completed at least one course on or before the day
  (``trained``, for 培训率), and of those, who completed one in the calendar year of the day
  (``trained_this_year``, for 当年培训率);
- certified: an able worker holding at least one certificate of the four vocational kinds
  (职业资格 / 职业技能等级 / 专项职业能力 / 特种作业) that was valid on the day: awarded on or
  before it (register certificates without a date count as held) and not expired (no expiry
  date, or one after the day). Driving licences and unrecognised texts do not count;
- skills per worker: distinct recognised skills per able worker (skills carry no dates, so
  this is today's figure in every month).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.people.enums import EmploymentStatus, LaborCapacity
from jobmatch.people.models import Person, PersonCertificate, PersonSkill
from jobmatch.people.rules import AgeBand, able_clause, age_band
from jobmatch.places.models import Region, RegionLevel, Site
from jobmatch.places.services import Scope
from jobmatch.training.enums import EnrollmentStatus
from jobmatch.training.models import CertificateAward, Enrollment
from jobmatch.vocab.models import VOCATIONAL_KINDS, Certificate


def _flag(clause) -> sa.ColumnElement[int]:
    return sa.case((clause, 1), else_=0)


def _share(part: int | float, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Counts:
    able_workers: int = 0
    trained: int = 0
    trained_this_year: int = 0
    certified: int = 0
    skills: int = 0
    wants_training_untrained: int = 0

    def add(self, other: Counts) -> None:
        for key in self.__dataclass_fields__:
            setattr(self, key, getattr(self, key) + getattr(other, key))

    def as_dict(self) -> dict:
        """The indicator dictionary other parts (the monitoring dashboard) read."""
        return {
            "able_workers": self.able_workers,
            "trained": self.trained,
            "trained_this_year": self.trained_this_year,
            "certified": self.certified,
            "training_rate": _share(self.trained, self.able_workers),
            "training_rate_year": _share(self.trained_this_year, self.able_workers),
            "certificate_rate": _share(self.certified, self.able_workers),
            "skills_per_worker": _share(self.skills, self.able_workers),
            "wants_training_untrained": self.wants_training_untrained,
        }


def _trained_subquery(on: dt.date) -> sa.Subquery:
    return (
        sa.select(Enrollment.person_id, sa.func.max(Enrollment.completed_on).label("last"))
        .where(Enrollment.status == EnrollmentStatus.COMPLETED, Enrollment.completed_on <= on)
        .group_by(Enrollment.person_id)
        .subquery()
    )


def _valid_certificate_clause(on: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(
        sa.or_(PersonCertificate.awarded_on.is_(None), PersonCertificate.awarded_on <= on),
        sa.or_(PersonCertificate.expires_on.is_(None), PersonCertificate.expires_on > on),
    )


def _vocational_ids() -> list[int]:
    return list(db.session.scalars(sa.select(Certificate.id).where(Certificate.kind.in_(VOCATIONAL_KINDS))))


def _certified_subquery(on: dt.date, vocational: list[int]) -> sa.Subquery:
    return (
        sa.select(PersonCertificate.person_id)
        .where(PersonCertificate.certificate_id.in_(vocational or [-1]), _valid_certificate_clause(on))
        .group_by(PersonCertificate.person_id)
        .subquery()
    )


def _skills_subquery() -> sa.Subquery:
    return (
        sa.select(PersonSkill.person_id, sa.func.count(sa.distinct(PersonSkill.skill_id)).label("n"))
        .where(PersonSkill.skill_id.is_not(None))
        .group_by(PersonSkill.person_id)
        .subquery()
    )


def counts_by_site(scope: Scope, on: dt.date | None = None) -> dict[int, Counts]:
    """Indicator counts for every site of ``scope`` on a day, in one grouped query."""
    on = on or today()
    band = age_band()
    able = able_clause(Person.birth_date, Person.labor_capacity, Person.employment_status, on, band)
    trained = _trained_subquery(on)
    certified = _certified_subquery(on, _vocational_ids())
    skills = _skills_subquery()
    year_start = dt.date(on.year, 1, 1)
    stmt = (
        sa.select(
            Person.site_id,
            sa.func.sum(_flag(able)),
            sa.func.sum(_flag(sa.and_(able, trained.c.last.is_not(None)))),
            sa.func.sum(_flag(sa.and_(able, trained.c.last >= year_start))),
            sa.func.sum(_flag(sa.and_(able, certified.c.person_id.is_not(None)))),
            sa.func.sum(sa.case((able, sa.func.coalesce(skills.c.n, 0)), else_=0)),
            sa.func.sum(_flag(sa.and_(able, Person.wants_training.is_(True), trained.c.last.is_(None)))),
        )
        .outerjoin(trained, trained.c.person_id == Person.id)
        .outerjoin(certified, certified.c.person_id == Person.id)
        .outerjoin(skills, skills.c.person_id == Person.id)
        .where(scope.filter(Person.site_id))
        .group_by(Person.site_id)
    )
    return {row[0]: Counts(*(int(v or 0) for v in row[1:])) for row in db.session.execute(stmt)}


def training_rates(scope: Scope, on: dt.date | None = None) -> dict:
    """培训率 / 持证率 of ``scope`` on a day: able_workers, trained, certified, training_rate,
    certificate_rate (plus trained_this_year, training_rate_year, skills_per_worker,
    wants_training_untrained). Rates are None when there are no able workers."""
    total = Counts()
    for counts in counts_by_site(scope, on).values():
        total.add(counts)
    return total.as_dict()


# --- by area ------------------------------------------------------------------------------------

@dataclass
class AreaRow:
    """One county, township or site with its counts."""

    level: str
    id: int
    name: str
    counts: Counts = field(default_factory=Counts)

    @property
    def rates(self) -> dict:
        return self.counts.as_dict()


def rates_by_area(scope: Scope, level: str, on: dt.date | None = None,
                  site_counts: dict[int, Counts] | None = None) -> list[AreaRow]:
    """Counts per county, township or site of ``scope`` (``level``: county / township / site)."""
    site_counts = counts_by_site(scope, on) if site_counts is None else site_counts
    sites = db.session.execute(
        sa.select(Site.id, Site.name, Site.township_id, Site.county_id).where(scope.filter(Site.id))
    ).all()
    if level == "site":
        rows = {sid: AreaRow("site", sid, name) for sid, name, _t, _c in sites}
        owner = {sid: sid for sid, *_ in sites}
    else:
        column = 2 if level == "township" else 3
        owner = {s[0]: s[column] for s in sites}
        names = dict(db.session.execute(sa.select(Region.id, Region.name).where(Region.id.in_(set(owner.values())))).all())
        rows = {rid: AreaRow(level, rid, names[rid]) for rid in set(owner.values())}
    for sid, counts in site_counts.items():
        if sid in owner:
            rows[owner[sid]].counts.add(counts)
    return sorted(rows.values(), key=lambda r: r.name)


def scope_level(scope: Scope) -> str:
    """The finest useful breakdown for a scope: several counties → county, one county → township,
    one township → site."""
    counties, townships = db.session.execute(
        sa.select(sa.func.count(sa.distinct(Site.county_id)), sa.func.count(sa.distinct(Site.township_id)))
        .where(scope.filter(Site.id))
    ).one()
    if counties > 1:
        return "county"
    return "township" if townships > 1 else "site"


# --- month by month -----------------------------------------------------------------------------

def month_ends(last: dt.date, months: int) -> list[dt.date]:
    """The last day of each of ``months`` months ending with ``last``'s month (``last`` itself for it)."""
    out = [last]
    first = last.replace(day=1)
    for _ in range(months - 1):
        first_prev = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first - dt.timedelta(days=1))
        first = first_prev
    return list(reversed(out))


def _months_table(days: list[dt.date], band: AgeBand) -> sa.Subquery:
    """(k, day, lo, hi): each evaluation day with the birth window of working age on it."""
    selects = []
    for k, day in enumerate(days):
        lo, hi = band.birth_window(day)
        selects.append(sa.select(
            sa.literal(k, sa.Integer).label("k"), sa.literal(day, sa.Date).label("day"),
            sa.literal(lo, sa.Date).label("lo"), sa.literal(hi, sa.Date).label("hi"),
        ))
    return sa.union_all(*selects).subquery("months")


def monthly_series(scope: Scope, months: int = 24, on: dt.date | None = None) -> list[dict]:
    """Month-by-month able workers, trained, certified and their rates, plus the courses
    completed and certificates awarded in each month, for ``scope``."""
    on = on or today()
    band = age_band()
    days = month_ends(on, months)
    base = sa.and_(scope.filter(Person.site_id), Person.labor_capacity != LaborCapacity.NONE,
                   Person.employment_status != EmploymentStatus.STUDENT)

    # denominator: working-age people by birth date, windowed per month in numpy
    births = db.session.execute(
        sa.select(Person.birth_date, sa.func.count()).where(base).group_by(Person.birth_date).order_by(Person.birth_date)
    ).all()
    ordinals = np.array([b.toordinal() for b, _n in births], dtype=np.int64)
    cumulative = np.concatenate([[0], np.cumsum([n for _b, n in births])]).astype(np.int64)
    able = []
    for day in days:
        lo, hi = band.birth_window(day)
        able.append(int(cumulative[np.searchsorted(ordinals, hi.toordinal(), "right")]
                        - cumulative[np.searchsorted(ordinals, lo.toordinal(), "right")]))

    m = _months_table(days, band)
    in_window = sa.and_(Person.birth_date > m.c.lo, Person.birth_date <= m.c.hi)
    first_done = (
        sa.select(Enrollment.person_id, sa.func.min(Enrollment.completed_on).label("first"))
        .where(Enrollment.status == EnrollmentStatus.COMPLETED)
        .group_by(Enrollment.person_id).subquery()
    )
    trained = dict(db.session.execute(
        sa.select(m.c.k, sa.func.count())
        .select_from(m)
        .join(first_done, first_done.c.first <= m.c.day)
        .join(Person, sa.and_(Person.id == first_done.c.person_id, in_window))
        .where(base).group_by(m.c.k)
    ).all())
    valid = sa.and_(
        sa.or_(PersonCertificate.awarded_on.is_(None), PersonCertificate.awarded_on <= m.c.day),
        sa.or_(PersonCertificate.expires_on.is_(None), PersonCertificate.expires_on > m.c.day),
    )
    certified = dict(db.session.execute(
        sa.select(m.c.k, sa.func.count(sa.distinct(PersonCertificate.person_id)))
        .select_from(m)
        .join(PersonCertificate, sa.and_(valid, PersonCertificate.certificate_id.in_(_vocational_ids() or [-1])))
        .join(Person, sa.and_(Person.id == PersonCertificate.person_id, in_window))
        .where(base).group_by(m.c.k)
    ).all())

    first_day = days[0].replace(day=1)
    completions = _per_month(
        sa.select(Enrollment.completed_on).join(Person, Person.id == Enrollment.person_id)
        .where(scope.filter(Person.site_id), Enrollment.status == EnrollmentStatus.COMPLETED,
               Enrollment.completed_on.between(first_day, on))
    )
    awards = _per_month(
        sa.select(CertificateAward.awarded_on).join(Person, Person.id == CertificateAward.person_id)
        .where(scope.filter(Person.site_id), CertificateAward.awarded_on.between(first_day, on))
    )
    series = []
    for k, day in enumerate(days):
        key = f"{day:%Y-%m}"
        series.append({
            "month": key, "able_workers": able[k], "trained": trained.get(k, 0), "certified": certified.get(k, 0),
            "training_rate": _share(trained.get(k, 0), able[k]), "certificate_rate": _share(certified.get(k, 0), able[k]),
            "completions": completions.get(key, 0), "awards": awards.get(key, 0),
        })
    return series


def _per_month(stmt: sa.Select) -> dict[str, int]:
    """Counts per YYYY-MM of a one-date-column select (grouped in SQL portably by year and month)."""
    sub = stmt.subquery()
    column = sub.c[0]
    rows = db.session.execute(
        sa.select(sa.extract("year", column), sa.extract("month", column), sa.func.count())
        .group_by(sa.extract("year", column), sa.extract("month", column))
    ).all()
    return {f"{int(y):04d}-{int(mo):02d}": n for y, mo, n in rows}


def region_label(level: str) -> str:
    return {"county": "县(区)", "township": "镇(街道)", "site": "安置点"}[level]


def level_of(region: Region) -> str:
    return {RegionLevel.CITY: "city", RegionLevel.COUNTY: "county", RegionLevel.TOWNSHIP: "township"}[region.level]
