"""The monthly indicators of a region, computed with grouped SQL (never a Python loop over people).

Definitions (docs/monitoring.md):
- people: register rows (for a past month: people with a status recorded on or before the day);
- able_workers / employed / zero-employment: ``people/rules.py`` (able = 16–60, some labor
  capacity, not 在校学生; employed = the five employed statuses; a zero-employment household has
  able members and none of them employed);
- employment_rate: able members employed / able workers;
- one_per_household_coverage (一户一人): households with able members that have at least one
  able member employed / households with able members;
- out_of_province / public_welfare: people whose status is 省外务工 / 公益性岗位 (any age);
- training_rate / certificate_rate: ``training/indicators.py``;
- avg_income_employed: mean recorded monthly income of employed people who have one; its
  change is against the same day a year earlier, from the dated history.
Today's figures read the current status columns; a past day's read the dated status history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields

import numpy as np
import sqlalchemy as sa

from jobmatch.database import today, utcnow
from jobmatch.extensions import db
from jobmatch.monitoring.enums import EscalationLevel
from jobmatch.monitoring.episodes import ensure_standings
from jobmatch.monitoring.models import HouseholdStanding, MonthlySnapshot, ZeroEpisode
from jobmatch.people.enums import EMPLOYED_STATUSES, EmploymentStatus, LaborCapacity, StatusEventKind
from jobmatch.people.models import Household, Person, StatusEvent
from jobmatch.people.rules import able_clause, age_band, employed_clause
from jobmatch.places.models import Region, Site
from jobmatch.places.services import Scope
from jobmatch.training.indicators import counts_by_site, month_ends


def _flag(clause) -> sa.ColumnElement[int]:
    return sa.case((clause, 1), else_=0)


def _sum(clause) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(_flag(clause)), 0)


def _share(part, whole) -> float | None:
    return part / whole if whole else None


@dataclass
class Figures:
    """Counts for one site or area; shares are derived."""

    people: int = 0
    households: int = 0
    able_workers: int = 0
    employed: int = 0
    able_employed: int = 0
    out_of_province: int = 0
    public_welfare: int = 0
    households_with_able_members: int = 0
    zero_employment_households: int = 0
    income_total: float = 0.0
    income_people: int = 0
    #: zero-employment list (episodes): on the list, under county supervision, taken off by a policy exit
    zero_on_list: int = 0
    zero_county_level: int = 0
    zero_exited: int = 0
    trained: int = 0
    certified: int = 0

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict:
        out = asdict(self)
        out.pop("income_total")
        out.pop("income_people")
        covered = self.households_with_able_members - self.zero_employment_households
        out.update(
            employment_rate=_share(self.able_employed, self.able_workers),
            one_per_household_coverage=_share(covered, self.households_with_able_members),
            training_rate=_share(self.trained, self.able_workers),
            certificate_rate=_share(self.certified, self.able_workers),
            avg_income_employed=round(self.income_total / self.income_people, 1) if self.income_people else None,
        )
        return out


def _people_source(scope: Scope, on: dt.date, history: bool) -> sa.Subquery:
    """(site_id, household_id, birth_date, labor_capacity, status, income) of the people of ``scope`` on ``on``."""
    if not history:
        return (sa.select(Person.site_id, Person.household_id, Person.birth_date, Person.labor_capacity,
                          Person.employment_status.label("status"), Person.monthly_income.label("income"))
                .where(scope.filter(Person.site_id)).subquery())
    ranked = (
        sa.select(StatusEvent.person_id, StatusEvent.status, StatusEvent.monthly_income,
                  sa.func.row_number().over(partition_by=StatusEvent.person_id,
                                            order_by=(StatusEvent.effective_on.desc(), StatusEvent.id.desc())).label("rn"))
        .join(Person, Person.id == StatusEvent.person_id)
        .where(StatusEvent.kind == StatusEventKind.CHANGE, StatusEvent.effective_on <= on, scope.filter(Person.site_id))
        .subquery()
    )
    return (sa.select(Person.site_id, Person.household_id, Person.birth_date, Person.labor_capacity,
                      ranked.c.status, ranked.c.monthly_income.label("income"))
            .join(ranked, ranked.c.person_id == Person.id).where(ranked.c.rn == 1).subquery())


def figures_by_site(scope: Scope, on: dt.date | None = None, *, history: bool | None = None,
                    with_training: bool = True) -> dict[int, Figures]:
    """Figures of every site of ``scope`` on a day: register counts, households, the zero-employment
    list and (optionally) training. Today's come from the household standings (brought up to date
    first); a past day's (``history``, the default before today) from the dated status history."""
    on = on or today()
    history = on < today() if history is None else history
    out: dict[int, Figures] = {}

    def at(site_id: int) -> Figures:
        return out.setdefault(site_id, Figures())

    if history:
        _history_people(scope, on, at)
    else:
        hs = HouseholdStanding
        stmt = (sa.select(hs.site_id, sa.func.sum(hs.people), sa.func.sum(hs.able), sa.func.sum(hs.employed),
                          sa.func.sum(hs.able_employed), sa.func.sum(hs.out_of_province), sa.func.sum(hs.public_welfare),
                          sa.func.sum(hs.income_total), sa.func.sum(hs.income_people), sa.func.count(),
                          _sum(hs.able > 0), _sum(sa.and_(hs.able > 0, hs.able_employed == 0)), sa.func.min(hs.as_of))
                .where(scope.filter(hs.site_id)).group_by(hs.site_id))
        rows = db.session.execute(stmt).all()
        households = db.session.scalar(sa.select(sa.func.count(Household.id)).where(scope.filter(Household.site_id)))
        # cheap freshness test first: every household has a standing and none is older than today
        stale = any(r[12] < on for r in rows)
        if (households != sum(r[9] for r in rows) or stale) and (ensure_standings(scope, on) or stale):
            rows = db.session.execute(stmt).all()
        for row in rows:
            f = at(row[0])
            (f.people, f.able_workers, f.employed, f.able_employed, f.out_of_province, f.public_welfare) = (
                int(x) for x in row[1:7])
            f.income_total, f.income_people = float(row[7] or 0), int(row[8])
            f.households, f.households_with_able_members, f.zero_employment_households = (int(x) for x in row[9:12])
    on_list = sa.and_(ZeroEpisode.detected_on <= on,
                      sa.or_(ZeroEpisode.cleared_on.is_(None), ZeroEpisode.cleared_on > on))
    not_exited = sa.or_(ZeroEpisode.exit_on.is_(None), ZeroEpisode.exit_on > on)
    for site_id, listed, county, exited in db.session.execute(
        sa.select(ZeroEpisode.site_id, _sum(not_exited),
                  _sum(sa.and_(not_exited, ZeroEpisode.escalation == EscalationLevel.COUNTY,
                               ZeroEpisode.escalated_on <= on)),
                  _sum(sa.not_(not_exited)))
        .where(scope.filter(ZeroEpisode.site_id), on_list).group_by(ZeroEpisode.site_id)
    ):
        f = at(site_id)
        f.zero_on_list, f.zero_county_level, f.zero_exited = int(listed), int(county), int(exited)
    if with_training:
        for site_id, counts in counts_by_site(scope, on, with_skills=False).items():
            f = at(site_id)
            f.trained, f.certified = counts.trained, counts.certified
    return out


def _history_people(scope: Scope, on: dt.date, at) -> None:
    """People and household figures of a past day from the status in force then (grouped SQL)."""
    band = age_band()
    src = _people_source(scope, on, True)
    able = able_clause(src.c.birth_date, src.c.labor_capacity, src.c.status, on, band)
    employed = employed_clause(src.c.status)
    earning = sa.and_(employed, src.c.income > 0)
    for row in db.session.execute(
        sa.select(src.c.site_id, sa.func.count(), _sum(able), _sum(employed), _sum(sa.and_(able, employed)),
                  _sum(src.c.status == EmploymentStatus.OUT_OF_PROVINCE),
                  _sum(src.c.status == EmploymentStatus.PUBLIC_WELFARE),
                  sa.func.coalesce(sa.func.sum(sa.case((earning, src.c.income), else_=0.0)), 0.0), _sum(earning))
        .group_by(src.c.site_id)
    ):
        f = at(row[0])
        (f.people, f.able_workers, f.employed, f.able_employed, f.out_of_province, f.public_welfare,
         f.income_total, f.income_people) = int(row[1]), *(int(x) for x in row[2:7]), float(row[7]), int(row[8])
    per_household = (
        sa.select(sa.func.max(src.c.site_id).label("site_id"), sa.func.sum(_flag(able)).label("able"),
                  sa.func.sum(_flag(sa.and_(able, employed))).label("able_employed"))
        .group_by(src.c.household_id).subquery()
    )
    for site_id, n, with_able, zero in db.session.execute(
        sa.select(per_household.c.site_id, sa.func.count(), _sum(per_household.c.able > 0),
                  _sum(sa.and_(per_household.c.able > 0, per_household.c.able_employed == 0)))
        .group_by(per_household.c.site_id)
    ):
        f = at(site_id)
        f.households, f.households_with_able_members, f.zero_employment_households = int(n), int(with_able), int(zero)


def total(site_figures: dict[int, Figures]) -> Figures:
    out = Figures()
    for f in site_figures.values():
        out.add(f)
    return out


def indicators(scope: Scope, on: dt.date | None = None, *, label: str | None = None) -> dict:
    """The indicator dictionary of ``scope`` on a day (CLI, API and export share it)."""
    on = on or today()
    now = total(figures_by_site(scope, on))
    out = {"region": label or scope.label, "on": on.isoformat(), "month": f"{on:%Y-%m}"}
    out |= now.as_dict()
    out |= income_change(monthly_trend(scope, 13, on, current=now if on >= today() else None), out["avg_income_employed"])
    return out


def income_change(trend: list[dict], avg_now: float | None) -> dict:
    """Average income of employed workers at the first point of a 13-month ``trend`` (the same month a
    year earlier), and the change to ``avg_now``."""
    year_ago = trend[0]
    out = {"income_compared_with": year_ago["on"], "avg_income_employed_year_ago": year_ago["avg_income_employed"]}
    old, new = out["avg_income_employed_year_ago"], avg_now
    out["income_change"] = round(new - old, 1) if old is not None and new is not None else None
    out["income_change_rate"] = round((new - old) / old, 4) if old and new is not None else None
    return out


def day_of_month(month: str | None) -> dt.date:
    """The day the figures of ``YYYY-MM`` refer to: its last day, or today for the current month."""
    from jobmatch.people.services import month_bounds

    if not month:
        return today()
    _first, last = month_bounds(month)
    if last >= today():
        from jobmatch.errors import ValidationError

        if _first > today():
            raise ValidationError("月份不能晚于本月")
        return today()
    return last


# --- by area -------------------------------------------------------------------------------------

LEVEL_LABELS = {"county": "县(区)", "township": "镇(街道)", "site": "安置点"}


@dataclass
class AreaFigures:
    level: str
    id: int
    name: str
    figures: Figures

    @property
    def values(self) -> dict:
        return self.figures.as_dict()


def by_area(scope: Scope, level: str, site_figures: dict[int, Figures]) -> list[AreaFigures]:
    """Roll the sites' figures up to county / township / site rows (every site of the scope appears)."""
    sites = db.session.execute(
        sa.select(Site.id, Site.name, Site.township_id, Site.county_id).where(scope.filter(Site.id))).all()
    if level == "site":
        rows = {sid: AreaFigures("site", sid, name, Figures()) for sid, name, _t, _c in sites}
        owner = {sid: sid for sid, *_ in sites}
    else:
        column = 2 if level == "township" else 3
        owner = {s[0]: s[column] for s in sites}
        names = dict(db.session.execute(sa.select(Region.id, Region.name).where(Region.id.in_(set(owner.values())))).all())
        rows = {rid: AreaFigures(level, rid, names[rid], Figures()) for rid in set(owner.values())}
    for sid, f in site_figures.items():
        if sid in owner:
            rows[owner[sid]].figures.add(f)
    return sorted(rows.values(), key=lambda r: r.name)


# --- month by month -------------------------------------------------------------------------------

SNAPSHOT_FIELDS = ("people", "able_workers", "employed", "able_employed", "out_of_province", "public_welfare",
                   "households_with_able_members", "zero_employment_households", "income_total", "income_people")


def monthly_trend(scope: Scope, months: int = 12, on: dt.date | None = None, current: Figures | None = None) -> list[dict]:
    """一户一人 coverage, zero-employment households, employment rate, out-of-province and public-welfare
    counts and average income at each month end (the last point: ``on`` itself).

    Past month ends come from per-site snapshots (``monthly_snapshots``), computed from the dated
    status history when missing — a write dated on or before a month end drops that site's
    snapshots from then on — and summed in SQL; the current point comes from the household standings.
    """
    on = on or today()
    days = month_ends(on, months)
    past = [d for d in days if d < on]
    if past:
        _fill_snapshots(scope, past)
    ms = MonthlySnapshot
    sums = {row[0]: row[1:] for row in db.session.execute(
        sa.select(ms.month_end, *(sa.func.sum(getattr(ms, k)) for k in SNAPSHOT_FIELDS))
        .where(scope.filter(ms.site_id), ms.month_end.in_(past)).group_by(ms.month_end))} if past else {}
    if current is None:
        current = total(figures_by_site(scope, on, history=False, with_training=False))
    series = []
    for day in days:
        if day < on:
            values = {k: (float(v or 0) if k == "income_total" else int(v or 0))  # PostgreSQL sums are Decimal
                      for k, v in zip(SNAPSHOT_FIELDS, sums.get(day, (0,) * len(SNAPSHOT_FIELDS)), strict=True)}
        else:
            values = {k: getattr(current, k) for k in SNAPSHOT_FIELDS}
        with_able, zero = values["households_with_able_members"], values["zero_employment_households"]
        series.append({
            "month": f"{day:%Y-%m}", "on": day.isoformat(),
            **{k: int(values[k]) for k in SNAPSHOT_FIELDS if k != "income_total"},
            "employment_rate": _share(values["able_employed"], values["able_workers"]),
            "one_per_household_coverage": _share(with_able - zero, with_able),
            "avg_income_employed": round(float(values["income_total"]) / values["income_people"], 1)
            if values["income_people"] else None,
        })
    return series


def _fill_snapshots(scope: Scope, days: list[dt.date]) -> None:
    """Compute the missing (site, month end) snapshots of ``scope`` from the dated history."""
    have = set(db.session.execute(sa.select(MonthlySnapshot.site_id, MonthlySnapshot.month_end)
                                  .where(scope.filter(MonthlySnapshot.site_id), MonthlySnapshot.month_end.in_(days))).all())
    sites = sorted(sid for sid in scope.site_ids if any((sid, d) not in have for d in days))
    if not sites:
        return
    rows = _history_by_site(sites, days)
    try:
        with db.session.begin_nested():
            db.session.execute(sa.delete(MonthlySnapshot).where(MonthlySnapshot.site_id.in_(sites),
                                                                MonthlySnapshot.month_end.in_(days)))
            if rows:
                db.session.execute(MonthlySnapshot.__table__.insert(), rows)
    except sa.exc.IntegrityError:
        pass  # another request stored the same snapshots meanwhile; theirs are as good


def _history_by_site(sites: list[int], days: list[dt.date]) -> list[dict]:
    """Per-site figures at each day from the status intervals (LEAD over each person's history), with numpy."""
    band = age_band()
    intervals = (
        sa.select(Person.site_id, Person.household_id, Person.birth_date,
                  (Person.labor_capacity != LaborCapacity.NONE).label("capable"),
                  StatusEvent.status, StatusEvent.effective_on, StatusEvent.monthly_income,
                  sa.func.lead(StatusEvent.effective_on, type_=sa.Date).over(
                      partition_by=StatusEvent.person_id, order_by=(StatusEvent.effective_on, StatusEvent.id)).label("until"))
        .join(Person, Person.id == StatusEvent.person_id)
        .where(StatusEvent.kind == StatusEventKind.CHANGE, Person.site_id.in_(sites))
    )
    rows = db.session.execute(intervals).all()
    n = len(rows)
    position = {sid: i for i, sid in enumerate(sites)}
    big = dt.date.max.toordinal()
    site = np.fromiter((position[r[0]] for r in rows), dtype=np.int64, count=n)
    household = np.fromiter((r[1] for r in rows), dtype=np.int64, count=n)
    birth = np.fromiter((r[2].toordinal() for r in rows), dtype=np.int64, count=n)
    capable = np.fromiter((bool(r[3]) for r in rows), dtype=bool, count=n)
    employed = np.fromiter((r[4] in EMPLOYED_STATUSES for r in rows), dtype=bool, count=n)
    student = np.fromiter((r[4] is EmploymentStatus.STUDENT for r in rows), dtype=bool, count=n)
    oop = np.fromiter((r[4] is EmploymentStatus.OUT_OF_PROVINCE for r in rows), dtype=bool, count=n)
    welfare = np.fromiter((r[4] is EmploymentStatus.PUBLIC_WELFARE for r in rows), dtype=bool, count=n)
    start = np.fromiter((r[5].toordinal() for r in rows), dtype=np.int64, count=n)
    income = np.fromiter((r[6] or 0.0 for r in rows), dtype=np.float64, count=n)
    until = np.fromiter((r[7].toordinal() if r[7] else big for r in rows), dtype=np.int64, count=n)
    count = len(sites)

    def per_site(mask, weights=None):
        return np.bincount(site[mask], weights=None if weights is None else weights[mask], minlength=count)

    def households_per_site(mask):
        unique_households, first = np.unique(household[mask], return_index=True)
        return np.bincount(site[mask][first], minlength=count) if len(unique_households) else np.zeros(count, np.int64)

    out = []
    now = utcnow()
    for day in days:
        d = day.toordinal()
        earliest, latest = (x.toordinal() for x in band.birth_window(day))
        in_force = (start <= d) & (until > d)
        able = in_force & capable & ~student & (birth > earliest) & (birth <= latest)
        earning = in_force & employed & (income > 0)
        columns = {
            "people": per_site(in_force), "able_workers": per_site(able), "employed": per_site(in_force & employed),
            "able_employed": per_site(able & employed), "out_of_province": per_site(in_force & oop),
            "public_welfare": per_site(in_force & welfare), "income_total": per_site(earning, income),
            "income_people": per_site(earning),
        }
        with_able = households_per_site(able)
        covered = households_per_site(able & employed)
        for i, sid in enumerate(sites):
            row = {k: (float(v[i]) if k == "income_total" else int(v[i])) for k, v in columns.items()}
            row.update(site_id=sid, month_end=day, households_with_able_members=int(with_able[i]),
                       zero_employment_households=int(with_able[i] - covered[i]), computed_at=now)
            out.append(row)
    return out
