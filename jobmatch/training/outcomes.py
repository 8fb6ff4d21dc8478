"""What training led to: employment within 3 and 6 months of completion, and income change,
per course and per provider.

Definitions (docs/training.md): a completed trainee counts as *employed within N months*
when an employed status was in force at any time from the completion day to N months after it
(already employed at completion counts: 以工代训 trainees are). Only trainees whose N-month
window has passed enter the N-month denominator. *Income before* is the monthly income in
force the day before the course started, *income after* the one in force six months after
completion (or today, if sooner); a status that is not employment counts as 0 元, an
employment without a recorded income is left out of the averages.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.people.enums import EMPLOYED_STATUSES, StatusEventKind
from jobmatch.people.models import Person, StatusEvent
from jobmatch.places.services import Scope
from jobmatch.training.enums import EnrollmentStatus
from jobmatch.training.models import Course, Enrollment, TrainingProvider
from jobmatch.training.services import visible_courses


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class Outcome:
    """Totals for one course or provider."""

    key: int
    name: str
    extra: dict = field(default_factory=dict)
    completed: int = 0
    due_3: int = 0
    employed_3: int = 0
    due_6: int = 0
    employed_6: int = 0
    income_pairs: int = 0
    income_before_sum: float = 0.0
    income_after_sum: float = 0.0

    @property
    def rate_3(self) -> float | None:
        return self.employed_3 / self.due_3 if self.due_3 else None

    @property
    def rate_6(self) -> float | None:
        return self.employed_6 / self.due_6 if self.due_6 else None

    @property
    def income_before(self) -> float | None:
        return self.income_before_sum / self.income_pairs if self.income_pairs else None

    @property
    def income_after(self) -> float | None:
        return self.income_after_sum / self.income_pairs if self.income_pairs else None

    @property
    def income_change(self) -> float | None:
        return self.income_after - self.income_before if self.income_pairs else None


class _History:
    """Each person's dated status changes, for "status in force on day d" look-ups."""

    def __init__(self, person_ids: list[int]):
        self.days: dict[int, list[dt.date]] = defaultdict(list)
        self.events: dict[int, list[tuple]] = defaultdict(list)
        for start in range(0, len(person_ids), 900):
            chunk = person_ids[start:start + 900]
            for pid, day, status, income in db.session.execute(
                sa.select(StatusEvent.person_id, StatusEvent.effective_on, StatusEvent.status, StatusEvent.monthly_income)
                .where(StatusEvent.person_id.in_(chunk), StatusEvent.kind == StatusEventKind.CHANGE)
                .order_by(StatusEvent.person_id, StatusEvent.effective_on, StatusEvent.id)
            ):
                self.days[pid].append(day)
                self.events[pid].append((status, income))

    def at(self, pid: int, day: dt.date):
        i = bisect.bisect_right(self.days[pid], day)
        return self.events[pid][i - 1] if i else None

    def employed_between(self, pid: int, start: dt.date, end: dt.date) -> bool:
        first = self.at(pid, start)
        if first is not None and first[0] in EMPLOYED_STATUSES:
            return True
        days = self.days[pid]
        lo, hi = bisect.bisect_right(days, start), bisect.bisect_right(days, end)
        return any(self.events[pid][i][0] in EMPLOYED_STATUSES for i in range(lo, hi))


def _income(event) -> float | None:
    if event is None:
        return None
    status, income = event
    if status not in EMPLOYED_STATUSES:
        return 0.0
    return income


def training_outcomes(scope: Scope, on: dt.date | None = None, year: int | None = None) -> tuple[list[Outcome], list[Outcome]]:
    """(per course, per provider) outcomes of completed trainees in ``scope``."""
    on = on or today()
    stmt = (
        sa.select(Enrollment.person_id, Enrollment.completed_on, Course.id, Course.code, Course.name, Course.kind,
                  Course.starts_on, TrainingProvider.id, TrainingProvider.name)
        .join(Course, Course.id == Enrollment.course_id)
        .join(TrainingProvider, TrainingProvider.id == Course.provider_id)
        .join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.status == EnrollmentStatus.COMPLETED, scope.filter(Person.site_id), visible_courses(scope))
    )
    if year:
        stmt = stmt.where(Enrollment.completed_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    rows = db.session.execute(stmt).all()
    history = _History(sorted({r[0] for r in rows}))
    courses: dict[int, Outcome] = {}
    providers: dict[int, Outcome] = {}
    for pid, completed_on, cid, code, cname, kind, starts_on, prov_id, prov_name in rows:
        targets = (
            courses.setdefault(cid, Outcome(cid, cname, {"code": code, "kind": kind.label, "provider": prov_name,
                                                         "starts_on": starts_on})),
            providers.setdefault(prov_id, Outcome(prov_id, prov_name)),
        )
        three, six = add_months(completed_on, 3), add_months(completed_on, 6)
        before = _income(history.at(pid, starts_on - dt.timedelta(days=1)))
        after = _income(history.at(pid, min(six, on)))
        for o in targets:
            o.completed += 1
            if three <= on:
                o.due_3 += 1
                o.employed_3 += history.employed_between(pid, completed_on, three)
            if six <= on:
                o.due_6 += 1
                o.employed_6 += history.employed_between(pid, completed_on, six)
            if before is not None and after is not None:
                o.income_pairs += 1
                o.income_before_sum += before
                o.income_after_sum += after
    by_course = sorted(courses.values(), key=lambda o: (o.extra["starts_on"], o.key), reverse=True)
    by_provider = sorted(providers.values(), key=lambda o: (-o.completed, o.name))
    return by_course, by_provider
