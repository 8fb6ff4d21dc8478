"""Demand-driven training (技能缺口): what open postings require against what job seekers hold.

For the open postings of the user's counties (status 招聘中, deadline not passed):
- each must-have skill (技能要求) and each required certificate (证书要求): how many postings
  and how many people (headcount) ask for it, which employers;
- how many job-seeking workers of the user's region hold it (certificates: valid today; a
  holder whose certificate has expired is counted apart, as needing 复审/换证) and how many lack it;
- courses of the user's counties that have not ended and target it (planned seats).

Job-seeking worker (求职人员): an able worker (people/rules.py: 16–60, not 无劳动能力, not
在校学生) registered 未就业 or 其他 — the same people the shortlist proposes (jobs/shortlist.py).

All counts are grouped SQL (a handful of queries, no per-row work); "how many more postings
would open if N people earned certificate X" is in :mod:`jobmatch.training.gap_whatif` (it runs
the matching engine's hard limits, which needs the people's records and is done per row on
request).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs.enums import PostingStatus
from jobmatch.jobs.models import Employer, Posting, PostingCertificate, PostingSkill
from jobmatch.people.enums import EmploymentStatus
from jobmatch.people.models import Person, PersonCertificate, PersonSkill
from jobmatch.people.rules import able_clause, age_band
from jobmatch.places.services import Scope
from jobmatch.training.enums import CourseKind
from jobmatch.training.models import Course
from jobmatch.training.services import county_ids_of
from jobmatch.vocab.models import Certificate, Skill

#: registered statuses of people looking for work (as the shortlist proposes them)
SEEKING = (EmploymentStatus.UNEMPLOYED, EmploymentStatus.OTHER)


@dataclass
class EmployerDemand:
    employer_id: int
    name: str
    posting_ids: list[int] = field(default_factory=list)
    headcount: int = 0


@dataclass
class GapRow:
    """One skill or certificate that open postings require."""

    kind: str  # "skill" / "certificate"
    id: int
    name: str
    postings: int = 0
    headcount: int = 0
    have: int = 0
    expired: int = 0
    lack: int = 0
    planned_seats: int = 0
    employers: list[EmployerDemand] = field(default_factory=list)
    #: certificates: the skill the catalogue says it implies (pre-filled on the course form)
    implied_skill_id: int | None = None

    @property
    def gap(self) -> int:
        """Headcount asked for beyond the job seekers who hold it (never negative)."""
        return max(0, self.headcount - self.have)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"


@dataclass
class GapReport:
    seekers: int
    postings: int
    headcount: int
    skills: list[GapRow]
    certificates: list[GapRow]
    on: dt.date


def open_postings_clause(scope: Scope, on: dt.date) -> sa.ColumnElement[bool]:
    """Open postings managed in the counties of ``scope`` (region scope through the posting's county)."""
    return sa.and_(Posting.county_id.in_(county_ids_of(scope)), Posting.status == PostingStatus.OPEN,
                   sa.or_(Posting.deadline.is_(None), Posting.deadline >= on))


def seeker_clause(scope: Scope, on: dt.date) -> sa.ColumnElement[bool]:
    """Job-seeking workers of ``scope`` on a day."""
    return sa.and_(scope.filter(Person.site_id),
                   able_clause(Person.birth_date, Person.labor_capacity, Person.employment_status, on, age_band()),
                   Person.employment_status.in_(SEEKING))


def skill_gap_report(scope: Scope, on: dt.date | None = None) -> GapReport:
    """The skill-gap report of ``scope`` (rows sorted by the gap, largest first)."""
    on = on or today()
    open_ = open_postings_clause(scope, on)
    seekers = seeker_clause(scope, on)
    n_postings, headcount = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Posting.headcount), 0)).where(open_)).one()

    # demand: (item, posting) pairs of open postings, with the posting's employer and headcount
    skill_pairs = (sa.select(PostingSkill.skill_id.label("item"), Posting.id.label("posting_id"),
                             Posting.employer_id, Posting.headcount)
                   .join(Posting, Posting.id == PostingSkill.posting_id)
                   .where(open_, PostingSkill.is_required, PostingSkill.skill_id.is_not(None)).distinct())
    cert_pairs = (sa.select(PostingCertificate.certificate_id.label("item"), Posting.id.label("posting_id"),
                            Posting.employer_id, Posting.headcount)
                  .join(Posting, Posting.id == PostingCertificate.posting_id).where(open_).distinct())
    skills = _demand("skill", skill_pairs, Skill)
    certs = _demand("certificate", cert_pairs, Certificate)

    # supply among job seekers: holders of the few items asked for (index on the item) whose
    # person is in the seekers' set (one pass over the covering person index, hashed once);
    # grouped in SQL, so no holder row reaches Python (docs/training.md §Speed)
    seeker_ids = sa.select(Person.id).where(seekers)
    n_seekers = db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(seekers)) or 0
    if skills:
        for item, n in db.session.execute(
            sa.select(PersonSkill.skill_id, sa.func.count(sa.distinct(PersonSkill.person_id)))
            .where(PersonSkill.skill_id.in_(list(skills)), PersonSkill.person_id.in_(seeker_ids))
            .group_by(PersonSkill.skill_id)
        ):
            skills[item].have = n
    if certs:
        valid = sa.or_(PersonCertificate.expires_on.is_(None), PersonCertificate.expires_on > on)
        for item, n_valid, n_any in db.session.execute(
            sa.select(PersonCertificate.certificate_id,
                      sa.func.count(sa.distinct(sa.case((valid, PersonCertificate.person_id)))),
                      sa.func.count(sa.distinct(PersonCertificate.person_id)))
            .join(Person, Person.id == PersonCertificate.person_id)
            .where(PersonCertificate.certificate_id.in_(list(certs)), seekers)
            .group_by(PersonCertificate.certificate_id)
        ):
            certs[item].have, certs[item].expired = n_valid, n_any - n_valid

    # courses already planned or running for it
    counties = county_ids_of(scope)
    for column, rows in ((Course.skill_id, skills), (Course.certificate_id, certs)):
        if rows:
            for item, seats in db.session.execute(
                sa.select(column, sa.func.sum(Course.capacity))
                .where(Course.county_id.in_(counties), Course.ends_on >= on, column.in_(list(rows)))
                .group_by(column)
            ):
                rows[item].planned_seats = int(seats or 0)

    if certs:
        for cid, sid in db.session.execute(sa.select(Certificate.id, Certificate.skill_id)
                                           .where(Certificate.id.in_(list(certs)))):
            certs[cid].implied_skill_id = sid
    for row in [*skills.values(), *certs.values()]:
        row.lack = n_seekers - row.have
    order = lambda r: (-r.gap, -r.postings, r.name)  # noqa: E731
    return GapReport(n_seekers, n_postings, int(headcount), sorted(skills.values(), key=order),
                     sorted(certs.values(), key=order), on)


def _demand(kind: str, pairs: sa.Select, model) -> dict[int, GapRow]:
    """Rows per item with postings, headcount and employers, from (item, posting, employer, headcount)."""
    sub = pairs.subquery()
    rows: dict[int, GapRow] = {}
    for item, name, posting_id, employer_id, employer, heads in db.session.execute(
        sa.select(sub.c.item, model.name, sub.c.posting_id, sub.c.employer_id, Employer.name, sub.c.headcount)
        .join(model, model.id == sub.c.item).join(Employer, Employer.id == sub.c.employer_id)
        .order_by(sub.c.item, Employer.name, sub.c.posting_id)
    ):
        row = rows.get(item) or rows.setdefault(item, GapRow(kind, item, name))
        row.postings += 1
        row.headcount += heads
        if not row.employers or row.employers[-1].employer_id != employer_id:
            row.employers.append(EmployerDemand(employer_id, employer))
        row.employers[-1].posting_ids.append(posting_id)
        row.employers[-1].headcount += heads
    for row in rows.values():
        row.employers.sort(key=lambda e: (-e.headcount, e.name))
    return rows


def course_prefill(row_kind: str, item_id: int, employer: EmployerDemand | None, item_name: str,
                   implied_skill_id: int | None = None) -> dict:
    """Query arguments of the one-step 订单培训 form for a gap row (and one of its employers).

    A certificate row also pre-fills the certificate's implied skill (``implied_skill_id``, or
    looked up when not given)."""
    args: dict = {"kind": CourseKind.ORDER.value, "capacity": 30, "name": f"{item_name}订单培训班"}
    if row_kind == "skill":
        args["skill_id"] = item_id
    else:
        args["certificate_id"] = item_id
        if implied_skill_id is None:
            implied_skill_id = db.session.scalar(sa.select(Certificate.skill_id).where(Certificate.id == item_id))
        if implied_skill_id:
            args["skill_id"] = implied_skill_id
    if employer is not None:
        args["employer_id"] = employer.employer_id
        args["posting_ids"] = ",".join(str(i) for i in employer.posting_ids)
        args["employer_name"] = employer.name
    return args


def seekers_lacking(scope: Scope, county_id: int, *, skill_id: int | None, certificate_id: int | None,
                    on: dt.date | None = None, exclude_course_id: int | None = None, limit: int = 300) -> list[Person]:
    """Job seekers of ``scope`` in a county who lack the skill (or a valid certificate) a course
    targets, those who want training first; people on the course already are left out."""
    from jobmatch.places.models import Site
    from jobmatch.training.enums import EnrollmentStatus
    from jobmatch.training.models import Enrollment

    on = on or today()
    query = (sa.select(Person).join(Site, Site.id == Person.site_id)
             .where(seeker_clause(scope, on), Site.county_id == county_id))
    if certificate_id is not None:
        query = query.where(~sa.exists().where(
            PersonCertificate.person_id == Person.id, PersonCertificate.certificate_id == certificate_id,
            sa.or_(PersonCertificate.expires_on.is_(None), PersonCertificate.expires_on > on)))
    if skill_id is not None:
        query = query.where(~sa.exists().where(PersonSkill.person_id == Person.id, PersonSkill.skill_id == skill_id))
    if exclude_course_id is not None:
        query = query.where(~sa.exists().where(
            Enrollment.person_id == Person.id, Enrollment.course_id == exclude_course_id,
            Enrollment.status != EnrollmentStatus.DROPPED))
    return list(db.session.scalars(
        query.order_by(Person.wants_training.desc(), Person.site_id, Person.name, Person.id).limit(limit)))
