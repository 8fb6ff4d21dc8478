"""Hand-built households and a frozen clock for the monitoring tests."""

from __future__ import annotations

import datetime as dt
import sys
from contextlib import contextmanager

import sqlalchemy as sa

from jobmatch import database
from jobmatch.extensions import db
from jobmatch.monitoring.models import ZeroEpisode
from jobmatch.people.enums import EmploymentStatus, LaborCapacity, Relation
from tests.factories import make_people, person_fields

_REAL_TODAY = database.today


@contextmanager
def frozen_today(day: dt.date):
    """Make every jobmatch module's ``today()`` return ``day`` (they import it by name)."""
    patched = []
    fake = lambda: day  # noqa: E731
    for name, module in list(sys.modules.items()):
        if not name.startswith("jobmatch") or module is None:
            continue
        for attr in ("today", "_today"):
            if getattr(module, attr, None) is _REAL_TODAY:
                setattr(module, attr, fake)
                patched.append((module, attr))
    try:
        yield
    finally:
        for module, attr in patched:
            setattr(module, attr, _REAL_TODAY)


def household(code: str, *statuses: EmploymentStatus, site: str = "城关1号安置点", township: str = "城关镇",
              elders: int = 1, effective_on: dt.date | None = None):
    """A household with one able member per status (aged 30–40) and ``elders`` members aged 70."""
    rows = []
    for i, status in enumerate(statuses):
        rows.append(person_fields(household_code=code, site=site, township=township, name=f"成员{code[-2:]}{i}",
                                  birth_date=dt.date(1986 + i, 3, 1), relation=Relation.HEAD if i == 0 else Relation.CHILD,
                                  employment_status=status,
                                  workplace="平利县社区工厂" if status.is_employed else None))
    for i in range(elders):
        rows.append(person_fields(household_code=code, site=site, township=township, name=f"老人{code[-2:]}{i}",
                                  birth_date=dt.date(1950, 1, 1), relation=Relation.PARENT,
                                  labor_capacity=LaborCapacity.NONE, employment_status=EmploymentStatus.OTHER))
    return make_people(*rows, effective_on=effective_on)


def episodes_of(household_id: int) -> list[ZeroEpisode]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ZeroEpisode).where(ZeroEpisode.household_id == household_id)
                                   .order_by(ZeroEpisode.id)))
