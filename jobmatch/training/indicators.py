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
from jobmatch.people.rules import able_clause, age_band
from jobmatch.places.models import Region, RegionLevel, Site
from jobmatch.places.services import Scope
from jobmatch.training.enums import EnrollmentStatus
from jobmatch.training.models import Enrollment
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


def _vocational_ids() -> list[int]:
    return list(db.session.scalars(sa.select(Certificate.id).where(Certificate.kind.in_(VOCATIONAL_KINDS)))) or [-1]


def _valid_on(on) -> sa.ColumnElement[bool]:
    return sa.and_(
        sa.or_(PersonCertificate.awarded_on.is_(None), PersonCertificate.awarded_on <= on),
        sa.or_(PersonCertificate.expires_on.is_(None), PersonCertificate.expires_on > on),
    )


def counts_by_site(scope: Scope, on: dt.date | None = None, with_skills: bool = True) -> dict[int, Counts]:
    """Indicator counts for every site of ``scope`` on a day (four grouped queries, each driven
    by a covering index or by the small training tables)."""
    on = on or today()
    band = age_band()
    able = sa.and_(scope.filter(Person.site_id),
                   able_clause(Person.birth_date, Person.labor_capacity, Person.employment_status, on, band))
    out: dict[int, Counts] = {}

    def at(site_id: int) -> Counts:
        return out.setdefault(site_id, Counts())

    for site_id, n, wants in db.session.execute(
        sa.select(Person.site_id, sa.func.count(), sa.func.sum(_flag(Person.wants_training.is_(True))))
        .where(able).group_by(Person.site_id)
    ):
        at(site_id).able_workers, at(site_id).wants_training_untrained = n, int(wants or 0)
    trained = (
        sa.select(Enrollment.person_id, sa.func.max(Enrollment.completed_on).label("last"))
        .where(Enrollment.status == EnrollmentStatus.COMPLETED, Enrollment.completed_on <= on)
        .group_by(Enrollment.person_id).subquery()
    )
    for site_id, n, this_year, wants in db.session.execute(
        sa.select(Person.site_id, sa.func.count(), sa.func.sum(_flag(trained.c.last >= dt.date(on.year, 1, 1))),
                  sa.func.sum(_flag(Person.wants_training.is_(True))))
        .select_from(trained).join(Person, Person.id == trained.c.person_id)
        .where(able).group_by(Person.site_id)
    ):
        c = at(site_id)
        c.trained, c.trained_this_year = n, int(this_year or 0)
        c.wants_training_untrained -= int(wants or 0)
    certified = (
        sa.select(PersonCertificate.person_id)
        .where(PersonCertificate.certificate_id.in_(_vocational_ids()), _valid_on(on))
        .group_by(PersonCertificate.person_id).subquery()
    )
    for site_id, n in db.session.execute(
        sa.select(Person.site_id, sa.func.count()).select_from(certified)
        .join(Person, Person.id == certified.c.person_id).where(able).group_by(Person.site_id)
    ):
        at(site_id).certified = n
    for site_id, n in [] if not with_skills else db.session.execute(
        sa.select(Person.site_id, sa.func.count()).select_from(Person)
        .join(PersonSkill, sa.and_(PersonSkill.person_id == Person.id, PersonSkill.skill_id.is_not(None)))
        .where(able).group_by(Person.site_id)
    ):
        at(site_id).skills = n
    return out


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


def monthly_series(scope: Scope, months: int = 24, on: dt.date | None = None) -> list[dict]:
    """Month-by-month able workers, trained, certified and their rates, plus the courses
    completed and certificates awarded in each month, for ``scope``.

    SQL returns three compact tables — working-age people per birth date, each completed
    enrolment with the trainee's birth date, each vocational certificate's dates with the
    holder's birth date — and numpy windows them for every month end. 当月发证 counts the
    vocational certificates held whose award date falls in the month.
    """
    on = on or today()
    band = age_band()
    days = month_ends(on, months)
    windows = np.array([[d.toordinal() for d in band.birth_window(day)] for day in days], dtype=np.int64)
    evals = np.array([d.toordinal() for d in days], dtype=np.int64)
    base = sa.and_(scope.filter(Person.site_id), Person.labor_capacity != LaborCapacity.NONE,
                   Person.employment_status != EmploymentStatus.STUDENT)

    earliest, latest = dt.date.fromordinal(int(windows[:, 0].min())), dt.date.fromordinal(int(windows[:, 1].max()))
    births = db.session.execute(
        sa.select(Person.birth_date, sa.func.count())
        .where(base, Person.birth_date > earliest, Person.birth_date <= latest)
        .group_by(Person.birth_date).order_by(Person.birth_date)
    ).all()
    ordinals = np.array([b.toordinal() for b, _n in births], dtype=np.int64)
    cumulative = np.concatenate([[0], np.cumsum([n for _b, n in births], dtype=np.int64)])
    able = (cumulative[np.searchsorted(ordinals, windows[:, 1], "right")]
            - cumulative[np.searchsorted(ordinals, windows[:, 0], "right")])

    done = db.session.execute(
        sa.select(Enrollment.person_id, Person.birth_date, Enrollment.completed_on)
        .join(Person, Person.id == Enrollment.person_id)
        .where(base, Enrollment.status == EnrollmentStatus.COMPLETED, Enrollment.completed_on <= on)
    ).all()
    trained = _count_in_windows(
        np.array([b.toordinal() for _p, b, _c in done], dtype=np.int64),
        np.array([c.toordinal() for _p, _b, c in done], dtype=np.int64), None,
        np.array([p for p, _b, _c in done], dtype=np.int64), windows, evals)

    held = db.session.execute(
        sa.select(PersonCertificate.person_id, Person.birth_date, PersonCertificate.awarded_on, PersonCertificate.expires_on)
        .join(Person, Person.id == PersonCertificate.person_id)
        .where(base, PersonCertificate.certificate_id.in_(_vocational_ids()))
    ).all()
    certified = _count_in_windows(
        np.array([b.toordinal() for _p, b, _a, _e in held], dtype=np.int64),
        np.array([a.toordinal() if a else 0 for _p, _b, a, _e in held], dtype=np.int64),
        np.array([e.toordinal() if e else 10**7 for _p, _b, _a, e in held], dtype=np.int64),
        np.array([p for p, _b, _a, _e in held], dtype=np.int64), windows, evals)

    completions = _per_month([c for _p, _b, c in done])
    awards = _per_month([a for _p, _b, a, _e in held if a is not None])
    series = []
    for k, day in enumerate(days):
        key = f"{day:%Y-%m}"
        n_able, n_trained, n_cert = int(able[k]), int(trained[k]), int(certified[k])
        series.append({
            "month": key, "able_workers": n_able, "trained": n_trained, "certified": n_cert,
            "training_rate": _share(n_trained, n_able), "certificate_rate": _share(n_cert, n_able),
            "completions": completions.get(key, 0), "awards": awards.get(key, 0),
        })
    return series


def _count_in_windows(birth, start, end, owner, windows, evals) -> np.ndarray:
    """For each month k: rows with birth in window k, start ≤ day k (< end), counted per distinct owner."""
    counts = np.zeros(len(evals), dtype=np.int64)
    for k in range(len(evals)):
        mask = (birth > windows[k, 0]) & (birth <= windows[k, 1]) & (start <= evals[k])
        if end is not None:
            mask &= end > evals[k]
        counts[k] = len(np.unique(owner[mask])) if owner is not None else int(mask.sum())
    return counts


def _per_month(days: list[dt.date]) -> dict[str, int]:
    """Counts per YYYY-MM."""
    out: dict[str, int] = {}
    for day in days:
        key = f"{day:%Y-%m}"
        out[key] = out.get(key, 0) + 1
    return out


def region_label(level: str) -> str:
    return {"county": "县(区)", "township": "镇(街道)", "site": "安置点"}[level]


def level_of(region: Region) -> str:
    return {RegionLevel.CITY: "city", RegionLevel.COUNTY: "county", RegionLevel.TOWNSHIP: "township"}[region.level]
