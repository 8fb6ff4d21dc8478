"""Hard eligibility checks and the transparent rule order that ranks candidates.

Two directions, one rule set (the matching engine will replace the *ordering*, not the checks):
- ``shortlist(posting, scope)``: posting → ranked candidates with reasons;
- ``eligible_postings(person)``: person → open postings they qualify for, ranked, with reasons;
- ``check_pair(person, posting)``: the violations (each with a Chinese reason) and warnings of one pair.

Hard checks (``overridable`` ones are the posting's own limits, which a referral may break
with a recorded reason; the others are policy and cannot be overridden):

========== ============ ==============================================================
code       overridable  rule
========== ============ ==============================================================
CAPACITY   no           无劳动能力 people are not referred
STUDENT    no           在校学生 are not referred
AGE        yes          age within [最低年龄 or 16, 最高年龄 or the working-age maximum]
CERT       yes          every required certificate held, not expired, at the level asked
INTENSITY  yes          弱/半劳动力 are not sent to 重 (heavy) work
PLACE      yes          县内就近/暂无意愿 → county jobs only; 省内 → nothing outside the province
CARE_SHIFT yes          照料负担 → no 两班倒 / 三班倒
CARE_FAR   yes          照料负担 → no out-of-province job
PW_ELIGIBLE no          公益性岗位: weak/half capacity, zero-employment household or monitored
PW_CAP     no           公益性岗位: at most 3 years in total
========== ============ ==============================================================

Rule order of the shortlist (a lexicographic sort, each step explained to the user):
1. has every must-have skill (技能要求); 2. policy priority: member of a zero-employment
household or monitoring subject; 3. registered 未就业 (before 其他); 4. more nice-to-have
skills (优先技能); 5. expected wage within the posting's ceiling (or unknown); 6. education
meets the requirement; 7. nearer home (local jobs with a known place); 8. register order.
Only people not in work (未就业 / 其他) are proposed; the coarse filters run in SQL and the
ranking is vectorised with numpy, so a county of ~60,000 workers ranks in well under 200 ms.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from jobmatch.database import today as _today
from jobmatch.extensions import db
from jobmatch.jobs.channels import (
    PUBLIC_WELFARE_MAX_DAYS,
    PUBLIC_WELFARE_WARN_DAYS,
    months_label,
    place_of,
    public_welfare_days,
    public_welfare_eligible,
)
from jobmatch.jobs.enums import Channel, Intensity, Place, PostingStatus, ReferralOutcome, WorkHours
from jobmatch.jobs.models import Posting, PostingCertificate, Referral
from jobmatch.people.enums import (
    EMPLOYED_STATUSES,
    Education,
    EmploymentStatus,
    LaborCapacity,
    WorkPreference,
)
from jobmatch.people.idnumber import age_on
from jobmatch.people.models import Person, PersonCertificate, PersonSkill
from jobmatch.people.rules import age_band, household_standing
from jobmatch.places.models import Site
from jobmatch.places.services import Scope
from jobmatch.vocab.models import Certificate

MIN_AGE = 16
#: people whose status makes them job seekers for the shortlist
SEEKING = (EmploymentStatus.UNEMPLOYED, EmploymentStatus.OTHER)
PENDING_OR_HIRED = (ReferralOutcome.REFERRED, ReferralOutcome.INTERVIEW, ReferralOutcome.HIRED)
RULE_ORDER = (
    "具备全部必备技能",
    "零就业家庭成员或防返贫监测对象优先",
    "登记为未就业",
    "具备的优先技能多",
    "期望月薪不高于岗位上限",
    "文化程度符合要求",
    "离工作地近（县内岗位）",
)
_CAPACITY_LABEL = {c: c.label for c in LaborCapacity}


@dataclass(frozen=True)
class Violation:
    """One hard limit a person does not meet for a posting."""

    code: str
    reason: str
    overridable: bool


@dataclass
class PersonFacts:
    """What the checks need to know about a person on a day."""

    person_id: int
    age: int
    capacity: LaborCapacity
    status: EmploymentStatus
    preference: WorkPreference
    has_care_duty: bool
    is_monitored: bool
    in_zero_employment_household: bool
    #: certificate id → [(level, expires_on)]
    certificates: dict[int, list[tuple[int | None, dt.date | None]]] = field(default_factory=dict)
    skill_ids: set[int] = field(default_factory=set)
    public_welfare_days: int = 0
    expected_wage: float | None = None
    education: Education | None = None


@dataclass
class PostingFacts:
    """What the checks need to know about a posting."""

    posting_id: int
    channel: Channel
    place: Place
    province: str
    min_age: int | None
    max_age: int | None
    education: Education | None
    intensity: Intensity | None
    hours: WorkHours | None
    #: (certificate id, minimum level or None, display name)
    certificates: list[tuple[int, int | None, str]] = field(default_factory=list)
    must_skills: dict[int, str] = field(default_factory=dict)
    nice_skills: dict[int, str] = field(default_factory=dict)
    wage_min: float | None = None
    wage_max: float | None = None
    longitude: float | None = None
    latitude: float | None = None


def posting_facts(posting: Posting) -> PostingFacts:
    """The facts of a Posting row (its place, requirements and location)."""
    lon, lat = posting.longitude, posting.latitude
    if lon is None and posting.site is not None:
        lon, lat = posting.site.longitude, posting.site.latitude
    return PostingFacts(
        posting_id=posting.id, channel=posting.channel,
        place=place_of(posting.channel, posting.province, site_id=posting.site_id, workplace=posting.workplace,
                       county_name=posting.county.name if posting.county else None),
        province=posting.province, min_age=posting.min_age, max_age=posting.max_age, education=posting.education,
        intensity=posting.intensity, hours=posting.hours,
        certificates=[(c.certificate_id, c.level, c.certificate.name if c.certificate else c.raw)
                      for c in posting.certificates],
        must_skills={s.skill_id: s.raw for s in posting.must_skills if s.skill_id},
        nice_skills={s.skill_id: s.raw for s in posting.nice_skills if s.skill_id},
        wage_min=posting.wage_min, wage_max=posting.wage_max, longitude=lon, latitude=lat,
    )


def _implied_skills(certificate_ids: set[int]) -> set[int]:
    if not certificate_ids:
        return set()
    return set(db.session.scalars(sa.select(Certificate.skill_id).where(
        Certificate.id.in_(sorted(certificate_ids)), Certificate.skill_id.is_not(None))))


def person_facts(person: Person, on: dt.date | None = None) -> PersonFacts:
    """The facts of a Person row on a day (age, household standing, certificates, public-welfare time)."""
    on = on or _today()
    certs: dict[int, list] = {}
    for c in person.certificates:
        if c.certificate_id:
            certs.setdefault(c.certificate_id, []).append((c.level, c.expires_on))
    skills = {s.skill_id for s in person.skills if s.skill_id} | _implied_skills(set(certs))
    return PersonFacts(
        person_id=person.id, age=age_on(person.birth_date, on), capacity=person.labor_capacity,
        status=person.employment_status, preference=person.work_preference or WorkPreference.NONE,
        has_care_duty=person.has_care_duty, is_monitored=person.is_monitored,
        in_zero_employment_household=household_standing(person.household.members, on, age_band()).is_zero_employment,
        certificates=certs, skill_ids=skills, public_welfare_days=public_welfare_days([person.id], on).get(person.id, 0),
        expected_wage=person.expected_wage, education=person.education,
    )


def _holds(held: list[tuple[int | None, dt.date | None]], level: int | None, on: dt.date) -> bool:
    return any((expires is None or expires >= on) and (level is None or held_level is None or held_level <= level)
               for held_level, expires in held)


def check(person: PersonFacts, posting: PostingFacts, on: dt.date, max_working_age: int = 60) -> list[Violation]:
    """Every hard limit ``person`` breaks for ``posting`` on ``on`` (empty: eligible)."""
    out: list[Violation] = []
    if person.capacity is LaborCapacity.NONE:
        out.append(Violation("CAPACITY", "登记为无劳动能力", False))
    if person.status is EmploymentStatus.STUDENT:
        out.append(Violation("STUDENT", "在校学生", False))
    lo, hi = posting.min_age or MIN_AGE, posting.max_age or max_working_age
    if not lo <= person.age <= hi:
        out.append(Violation("AGE", f"年龄 {person.age} 岁，岗位要求 {lo}–{hi} 岁", True))
    for cert_id, level, name in posting.certificates:
        held = person.certificates.get(cert_id)
        if not held:
            out.append(Violation("CERT", f"缺少证书：{name}", True))
        elif not _holds(held, level, on):
            expired = all(expires is not None and expires < on for _lv, expires in held)
            out.append(Violation("CERT", f"证书{name}已过期" if expired else f"证书{name}等级低于要求", True))
    if posting.intensity is Intensity.HEAVY and person.capacity in (LaborCapacity.WEAK, LaborCapacity.HALF):
        out.append(Violation("INTENSITY", f"重体力岗位，与劳动能力（{person.capacity.label}）不符", True))
    where = f"省外（{posting.province}）" if posting.place is Place.OUT_OF_PROVINCE else posting.place.label
    if person.preference in (WorkPreference.LOCAL, WorkPreference.NONE) and posting.place is not Place.LOCAL:
        out.append(Violation("PLACE", f"岗位在{where}，本人意愿为{person.preference.label}（只考虑县内）", True))
    elif person.preference is WorkPreference.IN_PROVINCE and posting.place is Place.OUT_OF_PROVINCE:
        out.append(Violation("PLACE", f"岗位在{where}，本人意愿为省内", True))
    if person.has_care_duty and posting.hours is not None and posting.hours.is_shift:
        out.append(Violation("CARE_SHIFT", f"需要{posting.hours.label}，本人有照料负担", True))
    if person.has_care_duty and posting.place is Place.OUT_OF_PROVINCE:
        out.append(Violation("CARE_FAR", "岗位在省外，本人有照料负担", True))
    if posting.channel is Channel.PUBLIC_WELFARE:
        if not public_welfare_eligible(person.capacity, person.is_monitored, person.in_zero_employment_household):
            out.append(Violation("PW_ELIGIBLE", "公益性岗位只安置弱劳动力、半劳动力、零就业家庭成员和防返贫监测对象", False))
        if person.public_welfare_days >= PUBLIC_WELFARE_MAX_DAYS:
            out.append(Violation(
                "PW_CAP", f"已在公益性岗位累计 {months_label(person.public_welfare_days)}，达到 3 年上限", False))
    return out


def warnings_for(person: PersonFacts, posting: PostingFacts) -> list[str]:
    """Things to know before referring that do not block it."""
    out = []
    if posting.channel is Channel.PUBLIC_WELFARE and person.public_welfare_days:
        left = PUBLIC_WELFARE_MAX_DAYS - person.public_welfare_days
        if 0 < left <= PUBLIC_WELFARE_WARN_DAYS:
            out.append(f"已在公益性岗位累计 {months_label(person.public_welfare_days)}，距 3 年上限只剩约 {left} 天")
    if person.status.is_employed:
        out.append(f"目前登记为{person.status.label}")
    return out


def check_pair(person: Person, posting: Posting, on: dt.date | None = None) -> tuple[list[Violation], list[str]]:
    """The violations and warnings of one person for one posting."""
    on = on or _today()
    pf, qf = person_facts(person, on), posting_facts(posting)
    violations = check(pf, qf, on, age_band().maximum)
    warnings = warnings_for(pf, qf)
    if posting.is_full_time:
        from jobmatch.jobs.services import overlapping_placement

        clash = overlapping_placement(person.id, on)
        if clash is not None:
            warnings.append(f"目前在“{clash.posting.employer.name}”全职就业（自 {clash.started_on:%Y-%m-%d}），"
                            "录用前须先登记离职")
    return violations, warnings


# --- posting → candidates -------------------------------------------------------------------------------

@dataclass
class Candidate:
    """A ranked candidate for a posting; numbers are masked."""

    rank: int
    person_id: int
    name: str
    sex: str
    age: int
    site: str
    masked_id: str
    masked_phone: str
    capacity: str
    status: str
    skills: list[str]
    certificates: list[str]
    reasons: list[str]
    distance_km: float | None = None


@dataclass
class Shortlist:
    posting: Posting
    candidates: list[Candidate]
    #: people passing every hard limit (before the top ``limit`` were taken)
    eligible: int
    rules: tuple[str, ...] = RULE_ORDER


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def _able(person, on: dt.date) -> sa.ColumnElement[bool]:
    """``people.rules.able_clause`` written so the shortlist index can seek on it (status first, then age)."""
    band = age_band()
    earliest_exclusive, latest = band.birth_window(on)
    return sa.and_(
        person.employment_status.in_([s for s in EmploymentStatus if s is not EmploymentStatus.STUDENT]),
        person.birth_date > earliest_exclusive, person.birth_date <= latest,
        person.labor_capacity != LaborCapacity.NONE,
    )


def _employed_households(scope: Scope, on: dt.date) -> sa.Select:
    band = age_band()
    earliest_exclusive, latest = band.birth_window(on)
    return sa.select(Person.household_id).where(
        Person.employment_status.in_(sorted(EMPLOYED_STATUSES, key=lambda s: s.name)),
        Person.birth_date > earliest_exclusive, Person.birth_date <= latest,
        Person.labor_capacity != LaborCapacity.NONE, scope.filter(Person.site_id))


def zero_employment_clause(scope: Scope, on: dt.date) -> sa.ColumnElement[bool]:
    """The person's household is zero-employment: it has able members and none of them works.

    A person of working age is an able member themself; only older people (public-welfare posts
    go to 65) need the household looked at.
    """
    earliest_exclusive, _latest = age_band().birth_window(on)
    other = sa.orm.aliased(Person)
    has_able = sa.exists().where(other.household_id == Person.household_id, _able(other, on))
    return sa.and_(Person.household_id.not_in(_employed_households(scope, on)),
                   sa.or_(Person.birth_date > earliest_exclusive, has_able))


def pool_conditions(facts: PostingFacts, scope: Scope, on: dt.date, *, consenting_only: bool,
                    max_working_age: int) -> list[sa.ColumnElement[bool]]:
    """The SQL half of the hard checks: everything but the public-welfare cap."""
    lo, hi = facts.min_age or MIN_AGE, facts.max_age or max_working_age
    conds = [
        scope.filter(Person.site_id),
        Person.birth_date > _years_before(on, hi + 1),
        Person.birth_date <= _years_before(on, lo),
        Person.labor_capacity != LaborCapacity.NONE,
        Person.employment_status.in_(SEEKING),
        Person.id.not_in(sa.select(Referral.person_id).where(
            Referral.posting_id == facts.posting_id, Referral.outcome.in_(PENDING_OR_HIRED))),
    ]
    if consenting_only:
        conds.append(Person.broker_consent_on.is_not(None))
    if facts.intensity is Intensity.HEAVY:
        conds.append(Person.labor_capacity == LaborCapacity.FULL)
    if facts.place is Place.OUT_OF_PROVINCE:
        conds.append(Person.work_preference.in_((WorkPreference.OUT_OF_PROVINCE, WorkPreference.ANY)))
    elif facts.place is Place.IN_PROVINCE:
        conds.append(Person.work_preference.in_(
            (WorkPreference.IN_PROVINCE, WorkPreference.OUT_OF_PROVINCE, WorkPreference.ANY)))
    if facts.place is Place.OUT_OF_PROVINCE or (facts.hours is not None and facts.hours.is_shift):
        conds.append(Person.has_care_duty.is_(False))
    for cert_id, level, _name in facts.certificates:
        held = sa.select(PersonCertificate.person_id).where(
            PersonCertificate.certificate_id == cert_id,
            sa.or_(PersonCertificate.expires_on.is_(None), PersonCertificate.expires_on >= on))
        if level is not None:
            held = held.where(sa.or_(PersonCertificate.level.is_(None), PersonCertificate.level <= level))
        conds.append(Person.id.in_(held))
    if facts.channel is Channel.PUBLIC_WELFARE:
        conds.append(sa.or_(
            Person.labor_capacity.in_((LaborCapacity.WEAK, LaborCapacity.HALF)),
            Person.is_monitored.is_(True),
            zero_employment_clause(scope, on),
        ))
    return conds


def _string(column):
    # enum columns read as their stored names: no per-row conversion to enum objects
    return sa.type_coerce(column, sa.String)


def _holders(skill_id: int) -> sa.CompoundSelect:
    """People who have a skill, typed in the register or implied by a certificate they hold."""
    return sa.union(
        sa.select(PersonSkill.person_id).where(PersonSkill.skill_id == skill_id),
        sa.select(PersonCertificate.person_id).join(Certificate, Certificate.id == PersonCertificate.certificate_id)
        .where(Certificate.skill_id == skill_id),
    )


def _flag(clause) -> sa.Case:
    return sa.case((clause, 1), else_=0)


def _pool(posting: Posting, facts: PostingFacts, scope: Scope, on: dt.date, consenting_only: bool) -> list:
    """All the hard checks as SQL conditions, the public-welfare cap included."""
    conds = pool_conditions(facts, scope, on, consenting_only=consenting_only, max_working_age=age_band().maximum)
    if facts.channel is Channel.PUBLIC_WELFARE:
        over = sorted(pid for pid, days in public_welfare_days(None, on).items() if days >= PUBLIC_WELFARE_MAX_DAYS)
        if over:
            conds.append(Person.id.not_in(over))
    return conds


def eligible_ids(posting: Posting, scope: Scope, *, consenting_only: bool = False, on: dt.date | None = None
                 ) -> np.ndarray:
    """Ids of everyone passing the posting's hard limits (for a model that ranks them itself)."""
    on = on or _today()
    conds = _pool(posting, posting_facts(posting), scope, on, consenting_only)
    return np.array(db.session.scalars(sa.select(Person.id).where(*conds).order_by(Person.id)).all(), dtype=np.int64)


def shortlist(posting: Posting, scope: Scope, *, consenting_only: bool = False, limit: int = 50,
              on: dt.date | None = None) -> Shortlist:
    """The ranked candidates for ``posting`` among people in ``scope`` (brokers: consenting people only).

    The database filters and orders (each rule is a small integer column, compared in the rule
    order) and returns only the top ``limit`` rows with the number of eligible people, so the
    time does not grow with the size of the pool handed to Python.
    """
    on = on or _today()
    facts = posting_facts(posting)
    if posting.status is not PostingStatus.OPEN and posting.status is not PostingStatus.DRAFT:
        return Shortlist(posting, [], 0)
    conds = _pool(posting, facts, scope, on, consenting_only)
    # monitoring subjects first, so the household look-up runs only for the others (and only once)
    priority = sa.case((Person.is_monitored.is_(True), 1), (zero_employment_clause(scope, on), 1), else_=0)
    must = _flag(sa.and_(*(Person.id.in_(_holders(sid)) for sid in facts.must_skills))) if facts.must_skills \
        else sa.literal(1)
    nice = sum((_flag(Person.id.in_(_holders(sid))) for sid in facts.nice_skills), sa.literal(0))
    unemployed = _flag(Person.employment_status == EmploymentStatus.UNEMPLOYED)
    wage_ok = (_flag(sa.or_(Person.expected_wage.is_(None), Person.expected_wage <= facts.wage_max))
               if facts.wage_max is not None else sa.literal(1))
    education_rank = sa.case(*((Person.education == e, e.rank) for e in Education), else_=-1)
    edu_ok = _flag(education_rank >= facts.education.rank) if facts.education else sa.literal(1)
    km = _site_km(facts)
    keys = [must.label("must"), priority.label("priority"),
            unemployed.label("unemployed"), nice.label("nice"), wage_ok.label("wage_ok"), edu_ok.label("edu_ok")]
    rows = db.session.execute(
        sa.select(Person.id, *keys, Person.expected_wage,
                  km.label("km"), sa.func.count().over().label("eligible"))
        .where(*conds)
        .order_by(*(sa.desc(k.name) for k in keys), *_nearest_first(km), Person.id)
        .limit(limit)
    ).all()
    if not rows:
        return Shortlist(posting, [], 0)
    return Shortlist(posting, _candidates(rows, facts, on), int(rows[0].eligible))


def _nearest_first(km) -> list:
    """ORDER BY terms for a distance expression (none when there is no distance: a constant may not be sorted on)."""
    if isinstance(km, sa.Null):
        return []
    return [sa.case((km.is_(None), 1), else_=0), km]


def _site_km(facts: PostingFacts):
    """Kilometres from each person's site to a local workplace, as a SQL expression (NULL when unknown)."""
    if facts.place is not Place.LOCAL or facts.longitude is None or facts.latitude is None:
        return sa.null()
    sites = [(sid, x, y) for sid, x, y in db.session.execute(sa.select(Site.id, Site.longitude, Site.latitude))
             if x is not None and y is not None]
    if not sites:
        return sa.null()
    km = haversine_km([x for _s, x, _y in sites], [y for _s, _x, y in sites], facts.longitude, facts.latitude)
    return sa.case({sid: round(float(d), 1) for (sid, _x, _y), d in zip(sites, km, strict=True)},
                   value=Person.site_id, else_=None)


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance in kilometres (vectorised)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def _money(value: float) -> str:
    return f"{value:,.0f} 元"


def _zero_employment_households(household_ids: set[int], on: dt.date) -> set[int]:
    """Which of these households are zero-employment on ``on`` (people.rules, in Python)."""
    members: dict[int, list] = {}
    for m in db.session.execute(
        sa.select(Person.household_id, Person.birth_date, Person.labor_capacity, Person.employment_status)
        .where(Person.household_id.in_(sorted(household_ids)))
    ):
        members.setdefault(m.household_id, []).append(m)
    band = age_band()
    return {hid for hid, rows in members.items() if household_standing(rows, on, band).is_zero_employment}


def _candidates(rows, facts: PostingFacts, on: dt.date) -> list[Candidate]:
    from jobmatch.people.services import masked_id, masked_phone

    people = {p.id: p for p in db.session.scalars(
        sa.select(Person).where(Person.id.in_([r.id for r in rows]))
        .options(sa.orm.joinedload(Person.site), sa.orm.selectinload(Person.skills),
                 sa.orm.selectinload(Person.certificates).joinedload(PersonCertificate.certificate))
    )}
    zero = _zero_employment_households({p.household_id for p in people.values()}, on)
    out = []
    for rank, row in enumerate(rows, start=1):
        p = people[row.id]
        held = {s.skill_id for s in p.skills if s.skill_id} | {
            c.certificate.skill_id for c in p.certificates if c.certificate and c.certificate.skill_id}
        reasons = []
        if facts.must_skills:
            if row.must:
                reasons.append("具备必备技能：" + "、".join(facts.must_skills.values()))
            else:
                missing = [name for sid, name in facts.must_skills.items() if sid not in held]
                reasons.append("缺少必备技能：" + "、".join(missing))
        if p.household_id in zero:
            reasons.append("零就业家庭成员（优先）")
        if p.is_monitored:
            reasons.append("防返贫监测对象（优先）")
        reasons.append("目前未就业" if row.unemployed else f"就业状态为“{p.employment_status.label}”")
        nice = [name for sid, name in facts.nice_skills.items() if sid in held]
        if nice:
            reasons.append("有优先技能：" + "、".join(nice))
        if row.expected_wage is not None and facts.wage_max is not None:
            reasons.append(f"期望月薪 {_money(row.expected_wage)}，" + (
                "在岗位薪资范围内" if row.wage_ok else f"高于岗位上限 {_money(facts.wage_max)}"))
        if facts.education is not None:
            reasons.append(f"文化程度{'符合' if row.edu_ok else '低于'}要求（{facts.education.label}）")
        km = None if row.km is None else float(row.km)
        if km is not None:
            reasons.append(f"离工作地约 {km} 公里")
        if facts.channel is Channel.PUBLIC_WELFARE:
            basis = [label for label, ok in (
                (p.labor_capacity.label, p.labor_capacity in (LaborCapacity.WEAK, LaborCapacity.HALF)),
                ("零就业家庭", p.household_id in zero), ("监测对象", p.is_monitored)) if ok]
            reasons.append("符合公益性岗位条件：" + "、".join(basis))
        out.append(Candidate(
            rank=rank, person_id=p.id, name=p.name, sex=p.sex.label, age=age_on(p.birth_date, on), site=p.site.name,
            masked_id=masked_id(p), masked_phone=masked_phone(p), capacity=_CAPACITY_LABEL[p.labor_capacity],
            status=p.employment_status.label, skills=[s.raw for s in p.skills],
            certificates=[c.raw for c in p.certificates], reasons=reasons, distance_km=km,
        ))
    return out


# --- person → postings ------------------------------------------------------------------------------------

@dataclass
class PostingMatch:
    """An open posting seen from one person: eligible or not, with the reasons."""

    posting: Posting
    rank: int
    eligible: bool
    reasons: list[str]
    violations: list[Violation]


def eligible_postings(person: Person, *, on: dt.date | None = None, limit: int | None = 20,
                      include_excluded: bool = False) -> list[PostingMatch]:
    """Open postings of the person's county they qualify for, ranked; optionally the others with why not."""
    on = on or _today()
    band = age_band()
    pf = person_facts(person, on)
    postings = list(db.session.scalars(
        sa.select(Posting).where(
            Posting.county_id == person.site.county_id, Posting.status == PostingStatus.OPEN,
            sa.or_(Posting.deadline.is_(None), Posting.deadline >= on),
            Posting.id.not_in(sa.select(Referral.posting_id).where(
                Referral.person_id == person.id, Referral.outcome.in_(PENDING_OR_HIRED))))
        .options(sa.orm.selectinload(Posting.skills),
                 sa.orm.selectinload(Posting.certificates).joinedload(PostingCertificate.certificate),
                 sa.orm.joinedload(Posting.county), sa.orm.joinedload(Posting.site), sa.orm.joinedload(Posting.employer))
    ))
    lon, lat = person.site.longitude, person.site.latitude
    scored = []
    for posting in postings:
        qf = posting_facts(posting)
        violations = check(pf, qf, on, band.maximum)
        if violations and not include_excluded:
            continue
        must_all = set(qf.must_skills) <= pf.skill_ids
        nice = [name for sid, name in qf.nice_skills.items() if sid in pf.skill_ids]
        wage_ok = pf.expected_wage is None or qf.wage_max is None or pf.expected_wage <= qf.wage_max
        distance = math.nan
        if qf.place is Place.LOCAL and None not in (qf.longitude, qf.latitude, lon, lat):
            distance = float(haversine_km(lon, lat, qf.longitude, qf.latitude))
        reasons = []
        if qf.must_skills:
            reasons.append(("具备必备技能：" if must_all else "缺少部分必备技能：") + "、".join(qf.must_skills.values()))
        if nice:
            reasons.append("有优先技能：" + "、".join(nice))
        if qf.wage_min is not None or qf.wage_max is not None:
            wage = "–".join(_money(w) for w in (qf.wage_min, qf.wage_max) if w is not None)
            reasons.append(f"月薪 {wage}" + ("" if wage_ok else "，低于期望月薪"))
        if not math.isnan(distance):
            reasons.append(f"离家约 {distance:.1f} 公里")
        if posting.board_lodging:
            reasons.append("包吃住")
        key = (bool(violations), not must_all, -len(nice), not wage_ok, math.inf if math.isnan(distance) else distance,
               posting.deadline or dt.date.max, posting.id)
        scored.append((key, posting, reasons, violations))
    scored.sort(key=lambda item: item[0])
    chosen = scored if limit is None else scored[:limit]
    return [PostingMatch(posting, rank, not violations, reasons, violations)
            for rank, (_key, posting, reasons, violations) in enumerate(chosen, start=1)]
