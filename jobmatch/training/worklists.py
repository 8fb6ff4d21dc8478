"""Worklists: who wants training but has none yet (by site), and certificates about to expire."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.people.models import Person, PersonCertificate
from jobmatch.people.rules import able_clause, age_band
from jobmatch.places.models import Site
from jobmatch.places.services import Scope
from jobmatch.training.enums import EnrollmentStatus
from jobmatch.training.models import Enrollment

EXPIRY_WINDOW_DAYS = 90


def _wanting(on: dt.date):
    """Able, 培训意愿=是, and no course completed."""
    completed = sa.select(Enrollment.person_id).where(Enrollment.status == EnrollmentStatus.COMPLETED)
    return sa.and_(
        able_clause(Person.birth_date, Person.labor_capacity, Person.employment_status, on, age_band()),
        Person.wants_training.is_(True),
        Person.id.not_in(completed),
    )


@dataclass
class SiteNeed:
    site: Site
    waiting: int
    #: of them, already on a course that has not finished
    enrolled: int


def wanting_by_site(scope: Scope, on: dt.date | None = None) -> list[SiteNeed]:
    """Per site: able people who want training and have completed none; how many are on a course now."""
    on = on or today()
    active = sa.select(Enrollment.person_id).where(Enrollment.status == EnrollmentStatus.ENROLLED)
    rows = db.session.execute(
        sa.select(Person.site_id, sa.func.count(), sa.func.sum(sa.case((Person.id.in_(active), 1), else_=0)))
        .where(scope.filter(Person.site_id), _wanting(on))
        .group_by(Person.site_id)
    ).all()
    sites = {s.id: s for s in db.session.scalars(sa.select(Site).where(Site.id.in_([r[0] for r in rows])))}
    out = [SiteNeed(sites[sid], n, int(enrolled or 0)) for sid, n, enrolled in rows]
    return sorted(out, key=lambda r: (-(r.waiting - r.enrolled), r.site.name))


def wanting_people(scope: Scope, site_id: int, *, on: dt.date | None = None, page: int = 1,
                   per_page: int = 50) -> tuple[list[tuple[Person, bool]], int]:
    """One site's people who want training and have none yet, with whether each is on a course now."""
    on = on or today()
    if not scope.allows(site_id):
        return [], 0
    where = sa.and_(Person.site_id == site_id, scope.filter(Person.site_id), _wanting(on))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(where)) or 0
    active = sa.select(Enrollment.person_id).where(Enrollment.status == EnrollmentStatus.ENROLLED)
    rows = db.session.execute(
        sa.select(Person, Person.id.in_(active)).where(where)
        .order_by(Person.household_id, Person.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [(p, bool(busy)) for p, busy in rows], total


def expiring_certificates(scope: Scope, *, on: dt.date | None = None, days: int = EXPIRY_WINDOW_DAYS,
                          expired_since_days: int = EXPIRY_WINDOW_DAYS, limit: int = 500) -> list[PersonCertificate]:
    """Certificates of people in scope expiring within ``days`` (or expired in the last
    ``expired_since_days`` and not renewed), soonest first."""
    on = on or today()
    return list(db.session.scalars(
        sa.select(PersonCertificate).join(Person, Person.id == PersonCertificate.person_id)
        .where(scope.filter(Person.site_id),
               PersonCertificate.expires_on.between(on - dt.timedelta(days=expired_since_days), on + dt.timedelta(days=days)))
        .order_by(PersonCertificate.expires_on, PersonCertificate.id)
        .options(sa.orm.contains_eager(PersonCertificate.person), sa.orm.joinedload(PersonCertificate.certificate))
        .limit(limit)
    ))
