"""Factories for training tests: a provider, a course, certificates from the seeded catalogue."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.places.services import find_county
from jobmatch.training import services as training
from jobmatch.training.enums import CourseKind
from jobmatch.training.models import TrainingProvider
from jobmatch.vocab.models import Certificate, Skill
from jobmatch.vocab.services import ensure_seed


def certificate(name: str) -> Certificate:
    ensure_seed()
    return db.session.scalar(sa.select(Certificate).where(Certificate.name == name))


def skill(name: str) -> Skill:
    ensure_seed()
    return db.session.scalar(sa.select(Skill).where(Skill.name == name))


def make_provider(name: str = "平利县职业技术教育中心"):
    provider = db.session.scalar(sa.select(TrainingProvider).where(TrainingProvider.name == name))
    if provider is not None:
        return provider
    provider = TrainingProvider(name=name)
    db.session.add(provider)
    db.session.commit()
    return provider


def make_course(scope, *, provider=None, county: str = "平利县", starts_on: dt.date | None = None,
                days: int = 10, capacity: int = 30, kind: CourseKind = CourseKind.ORDER,
                certificate_name: str | None = "养老护理员", level: int | None = 5, skill_name: str | None = "养老护理",
                employer: str | None = "平利县康养中心", name: str = "养老护理员订单培训班"):
    """A course through the service (validated), committed."""
    starts_on = starts_on or dt.date.today() - dt.timedelta(days=3)
    provider = provider or make_provider()
    fields = training.CourseFields(
        name=name, kind=kind, provider_id=provider.id, county_id=find_county(county).id,
        skill_id=skill(skill_name).id if skill_name else None,
        certificate_id=certificate(certificate_name).id if certificate_name else None,
        certificate_level=level if certificate_name else None, employer_name=employer, place="城关镇社区工厂培训室",
        starts_on=starts_on, ends_on=starts_on + dt.timedelta(days=days - 1), capacity=capacity,
        subsidy_per_trainee=1200, hours=60,
    )
    course = training.create_course(fields, scope=scope)
    db.session.commit()
    return course
