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
    births = _raw(
        sa.select(_plain(Person.birth_date), sa.func.count())
        .where(base, Person.birth_date > earliest, Person.birth_date <= latest)
        .group_by(Person.birth_date).order_by(Person.birth_date)
    )
    ordinals = _ordinals([b for b, _n in births])
    cumulative = np.concatenate([[0], np.cumsum([n for _b, n in births], dtype=np.int64)])
    able = (cumulative[np.searchsorted(ordinals, windows[:, 1], "right")]
            - cumulative[np.searchsorted(ordinals, windows[:, 0], "right")])

    done = _raw(
        sa.select(Enrollment.person_id, _plain(Person.birth_date), _plain(Enrollment.completed_on))
        .join(Person, Person.id == Enrollment.person_id)
        .where(base, Enrollment.status == EnrollmentStatus.COMPLETED, Enrollment.completed_on <= on)
    )
    done_completed = _ordinals([c for _p, _b, c in done])
    trained = _count_in_windows(
        _ordinals([b for _p, b, _c in done]), done_completed, None,
        np.array([p for p, _b, _c in done], dtype=np.int64), windows, evals)

    held = _raw(
        sa.select(PersonCertificate.person_id, _plain(Person.birth_date), _plain(PersonCertificate.awarded_on),
                  _plain(PersonCertificate.expires_on))
        .join(Person, Person.id == PersonCertificate.person_id)
        .where(base, PersonCertificate.certificate_id.in_(_vocational_ids()))
    )
    held_awarded = _ordinals([a for _p, _b, a, _e in held], missing=0)
    certified = _count_in_windows(
        _ordinals([b for _p, b, _a, _e in held]), held_awarded,
        _ordinals([e for _p, _b, _a, e in held], missing=10**7),
        np.array([p for p, _b, _a, _e in held], dtype=np.int64), windows, evals)

    completions = _per_month_ordinals(done_completed, days)
    awards = _per_month_ordinals(held_awarded[held_awarded > 0], days)
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


def _plain(column) -> sa.ColumnElement:
    """A date column fetched as the driver returns it (SQLite: ISO text, PostgreSQL: date), without
    SQLAlchemy's per-row conversion; :func:`_ordinals` turns a list of either into day numbers."""
    return sa.type_coerce(column, sa.String)


def _raw(statement) -> list:
    """Rows of a Core statement on the session's connection (no ORM row processing)."""
    return db.session.connection().execute(statement).all()


#: proleptic ordinal of 1970-01-01 (numpy counts days from the epoch)
_EPOCH = dt.date(1970, 1, 1).toordinal()


def _ordinals(values: list, missing: int | None = None) -> np.ndarray:
    """Day ordinals (date.toordinal) of dates or ISO date strings; None → ``missing``."""
    if not values:
        return np.zeros(0, dtype=np.int64)
    if missing is not None:
        present = np.array([v is not None for v in values])
        out = np.full(len(values), missing, dtype=np.int64)
        if present.any():
            out[present] = _ordinals([v for v in values if v is not None])
        return out
    days = np.array([v if isinstance(v, str) else v.isoformat() for v in values], dtype="datetime64[D]")
    return days.astype(np.int64) + _EPOCH


def _per_month_ordinals(ordinals: np.ndarray, days: list[dt.date]) -> dict[str, int]:
    """Counts per YYYY-MM of the month ends ``days`` (earlier or later days are not counted)."""
    ends = np.array([d.toordinal() for d in days], dtype=np.int64)
    starts = np.array([d.replace(day=1).toordinal() for d in days], dtype=np.int64)
    idx = np.searchsorted(ends, ordinals, "left")
    ok = (idx < len(days))
    ok[ok] &= ordinals[ok] >= starts[idx[ok]]
    counts = np.bincount(idx[ok], minlength=len(days))
    return {f"{d:%Y-%m}": int(counts[k]) for k, d in enumerate(days) if counts[k]}


def _count_in_windows(birth, start, end, owner, windows, evals) -> np.ndarray:
    """For each month k: distinct owners with a row whose birth is in window k and start ≤ day k
    (< end) — one rows × months boolean matrix, OR-reduced per owner (no loop over months)."""
    if not len(owner):
        return np.zeros(len(evals), dtype=np.int64)
    order = np.argsort(owner, kind="stable")
    owner, birth, start = owner[order], birth[order], start[order]
    hit = (start[:, None] <= evals[None, :]) & (birth[:, None] > windows[None, :, 0]) \
        & (birth[:, None] <= windows[None, :, 1])
    if end is not None:
        hit &= end[order][:, None] > evals[None, :]
    firsts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    return np.logical_or.reduceat(hit, firsts, axis=0).sum(0).astype(np.int64)


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


# --- the progress page in one pass ----------------------------------------------------------------

def progress_figures(scope: Scope, months: int = 24, on: dt.date | None = None) -> tuple[dict[int, Counts], list[dict]]:
    """``counts_by_site(scope, on)`` and ``monthly_series(scope, months, on)`` together, with the
    same results in four queries instead of nine (the progress page, docs/training.md §Speed):

    1. one scan of the covering person index per site: able workers today, those who want
       training, and the "core" able workers born well inside every month's age window;
    2. a range scan of the two narrow birth-date zones at the edges of the 24 windows
       (≈ two years each), as a per-day histogram — with the core this gives every month's
       able workers without fetching a row per birth date;
    3. completed enrolments and 4. vocational certificates with each holder's site, birth date
       and training wish: per-site trained / certified today and the month-by-month series both
       come from these rows (numpy), so they are read once;
    5. skill entries per site (a join over the skills index).
    """
    on = on or today()
    band = age_band()
    days = month_ends(on, months)
    windows = np.array([[d.toordinal() for d in band.birth_window(day)] for day in days], dtype=np.int64)
    evals = np.array([d.toordinal() for d in days], dtype=np.int64)
    lo_min, lo_max = (dt.date.fromordinal(int(x)) for x in (windows[:, 0].min(), windows[:, 0].max()))
    hi_min, hi_max = (dt.date.fromordinal(int(x)) for x in (windows[:, 1].min(), windows[:, 1].max()))
    base = sa.and_(scope.filter(Person.site_id), Person.labor_capacity != LaborCapacity.NONE,
                   Person.employment_status != EmploymentStatus.STUDENT)
    today_lo, today_hi = band.birth_window(on)
    out: dict[int, Counts] = {}

    def at(site_id: int) -> Counts:
        return out.setdefault(site_id, Counts())

    core = 0
    able_today = able_clause(Person.birth_date, Person.labor_capacity, Person.employment_status, on, band)
    for site_id, n, wants, n_core in _raw(
        sa.select(Person.site_id, sa.func.count(), sa.func.sum(_flag(Person.wants_training.is_(True))),
                  sa.func.sum(_flag(Person.birth_date <= hi_min)))
        .where(scope.filter(Person.site_id), able_today).group_by(Person.site_id)
    ):
        at(site_id).able_workers, at(site_id).wants_training_untrained = int(n), int(wants or 0)
        core += int(n_core or 0)
    edges = []
    for low, high in ((lo_min, lo_max), (hi_min, hi_max)):
        edges += _raw(
            sa.select(_plain(Person.birth_date), sa.func.count())
            .where(base, Person.birth_date > low, Person.birth_date <= high).group_by(Person.birth_date)
        )
    births, counts = _ordinals([b for b, _n in edges]), np.array([n for _b, n in edges], dtype=np.int64)
    lower = births <= lo_max.toordinal()
    # today's window is (lo_max, hi_max]: its part up to hi_min is the core; the upper zone is
    # counted again from the histogram
    able = np.array([core + counts[lower & (births > windows[k, 0])].sum()
                     + counts[~lower & (births <= windows[k, 1])].sum() for k in range(len(days))], dtype=np.int64)

    able_now = sa.and_(base, Person.birth_date > lo_min, Person.birth_date <= hi_max)
    done = _raw(
        sa.select(Enrollment.person_id, Person.site_id, _plain(Person.birth_date), Person.wants_training,
                  _plain(Enrollment.completed_on))
        .join(Person, Person.id == Enrollment.person_id)
        .where(able_now, Enrollment.status == EnrollmentStatus.COMPLETED, Enrollment.completed_on <= on)
    )
    d_person = np.array([r[0] for r in done], dtype=np.int64)
    d_site = np.array([r[1] for r in done], dtype=np.int64)
    d_birth = _ordinals([r[2] for r in done])
    d_wants = np.array([bool(r[3]) for r in done], dtype=bool)
    d_done = _ordinals([r[4] for r in done])
    trained = _count_in_windows(d_birth, d_done, None, d_person, windows, evals)
    now = (d_birth > windows[-1, 0]) & (d_birth <= windows[-1, 1])
    year_start = dt.date(on.year, 1, 1).toordinal()
    for site_id, person_ids in _group_unique(d_site[now], d_person[now]).items():
        c = at(site_id)
        c.trained = len(person_ids)
    for site_id, person_ids in _group_unique(d_site[now & (d_done >= year_start)],
                                             d_person[now & (d_done >= year_start)]).items():
        at(site_id).trained_this_year = len(person_ids)
    for site_id, person_ids in _group_unique(d_site[now & d_wants], d_person[now & d_wants]).items():
        at(site_id).wants_training_untrained -= len(person_ids)

    held = _raw(
        sa.select(PersonCertificate.person_id, Person.site_id, _plain(Person.birth_date),
                  _plain(PersonCertificate.awarded_on), _plain(PersonCertificate.expires_on))
        .join(Person, Person.id == PersonCertificate.person_id)
        .where(able_now, PersonCertificate.certificate_id.in_(_vocational_ids()))
    )
    h_person = np.array([r[0] for r in held], dtype=np.int64)
    h_site = np.array([r[1] for r in held], dtype=np.int64)
    h_birth = _ordinals([r[2] for r in held])
    h_awarded = _ordinals([r[3] for r in held], missing=0)
    h_expires = _ordinals([r[4] for r in held], missing=10**7)
    certified = _count_in_windows(h_birth, h_awarded, h_expires, h_person, windows, evals)
    valid_now = ((h_birth > windows[-1, 0]) & (h_birth <= windows[-1, 1]) & (h_awarded <= evals[-1])
                 & (h_expires > evals[-1]))
    for site_id, person_ids in _group_unique(h_site[valid_now], h_person[valid_now]).items():
        at(site_id).certified = len(person_ids)

    for site_id, n in _raw(
        sa.select(Person.site_id, sa.func.count()).select_from(Person)
        .join(PersonSkill, sa.and_(PersonSkill.person_id == Person.id, PersonSkill.skill_id.is_not(None)))
        .where(scope.filter(Person.site_id), able_today).group_by(Person.site_id)
    ):
        at(site_id).skills = n

    completions = _per_month_ordinals(d_done, days)
    awards = _per_month_ordinals(h_awarded[h_awarded > 0], days)
    series = []
    for k, day in enumerate(days):
        key = f"{day:%Y-%m}"
        n_able, n_trained, n_cert = int(able[k]), int(trained[k]), int(certified[k])
        series.append({
            "month": key, "able_workers": n_able, "trained": n_trained, "certified": n_cert,
            "training_rate": _share(n_trained, n_able), "certificate_rate": _share(n_cert, n_able),
            "completions": completions.get(key, 0), "awards": awards.get(key, 0),
        })
    return out, series


def _group_unique(keys: np.ndarray, values: np.ndarray) -> dict[int, np.ndarray]:
    """Distinct values per key."""
    if not len(keys):
        return {}
    pairs = np.unique(np.stack([keys, values], axis=1), axis=0)
    splits = np.flatnonzero(np.diff(pairs[:, 0])) + 1
    return {int(chunk[0, 0]): chunk[:, 1] for chunk in np.split(pairs, splits)}
