"""The app adapter, part 1: the database → the engine's records, in a few bulk queries.

Everything else in :mod:`jobmatch.matching` is pure (no Flask, no SQLAlchemy); this module
and :mod:`jobmatch.matching.service` are the only places that know the app's tables.

:func:`load_records` reads, in about ten queries and no per-row look-ups:

* every person (with the site's coordinates and county, the county's province), their
  skills (typed in the register or implied by a certificate held), certificates (with
  expiry), public-welfare time from the dated status history, and whether the household is
  a zero-employment household on the day (computed for all households at once);
* every open posting plus every posting a referral refers to (closed ones with
  ``is_open=False``: training needs them), with skills, certificates and open slots;
* every referral as an outcome;
* skill and certificate names for the explanations.

It also returns what the app needs around the engine and the engine does not: each
person's site (region scope) and broker consent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from jobmatch.database import today as _today
from jobmatch.extensions import db
from jobmatch.jobs.channels import home_province, normalize_province, place_of, public_welfare_days
from jobmatch.jobs.enums import Channel, Place, PostingStatus, ReferralOutcome
from jobmatch.jobs.models import Posting, PostingCertificate, PostingSkill, Referral
from jobmatch.matching.records import CertificateHeld, Names, OutcomeRecord, PersonRecord, PostingRecord
from jobmatch.people.enums import EMPLOYED_STATUSES, Education, Sex
from jobmatch.people.models import Person, PersonCertificate, PersonSkill
from jobmatch.people.rules import age_band
from jobmatch.places.models import Region, Site
from jobmatch.vocab.models import Certificate, Skill

#: register education → the engine's ordinal (0 小学及以下 … 4 大专及以上)
EDUCATION_ORDINAL = {e.name: i for i, e in enumerate(Education)}
_SEX = {Sex.MALE.name: "M", Sex.FEMALE.name: "F"}
_EMPLOYED = frozenset(s.name for s in EMPLOYED_STATUSES)


@dataclass
class Snapshot:
    """The records plus the app-side facts the engine does not need."""

    people: list[PersonRecord]
    postings: list[PostingRecord]
    outcomes: list[OutcomeRecord]
    names: Names
    as_of: dt.date
    #: person id → site id (region scope)
    site_of: dict[int, int] = field(default_factory=dict)
    #: ids of people who agreed to be shown to brokers
    consenting: frozenset[int] = frozenset()
    #: seconds spent per step (for the benchmark and the log)
    timings: dict[str, float] = field(default_factory=dict)


def _s(column):
    """Read an enum column as its stored member name (no per-row enum conversion)."""
    return sa.type_coerce(column, sa.String)


def load_records(on: dt.date | None = None) -> Snapshot:
    """Everything the engine needs, read from the database in bulk (see the module docstring)."""
    import time

    on = on or _today()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    home = home_province()
    regions = {rid: (name, normalize_province(prov)) for rid, name, prov in
               db.session.execute(sa.select(Region.id, Region.name, Region.province))}
    sites = {sid: (county_id, lon, lat) for sid, county_id, lon, lat in
             db.session.execute(sa.select(Site.id, Site.county_id, Site.longitude, Site.latitude))}

    # -- people ------------------------------------------------------------------------------
    rows = db.session.execute(sa.select(
        Person.id, Person.household_id, Person.site_id, Person.birth_date, _s(Person.sex), _s(Person.education),
        _s(Person.labor_capacity), _s(Person.employment_status), _s(Person.work_preference), Person.expected_wage,
        Person.has_care_duty, Person.is_monitored, Person.broker_consent_on,
    ).order_by(Person.id)).all()
    timings["people"] = time.perf_counter() - t0

    zero = _zero_employment(rows, on)
    skills: dict[int, list[int]] = defaultdict(list)
    for pid, sid in db.session.execute(
            sa.select(PersonSkill.person_id, PersonSkill.skill_id).where(PersonSkill.skill_id.is_not(None))):
        skills[pid].append(sid)
    certs: dict[int, list[CertificateHeld]] = defaultdict(list)
    for pid, cid, level, expires, implied in db.session.execute(
            sa.select(PersonCertificate.person_id, PersonCertificate.certificate_id, PersonCertificate.level,
                      PersonCertificate.expires_on, Certificate.skill_id)
            .join(Certificate, Certificate.id == PersonCertificate.certificate_id)):
        certs[pid].append(CertificateHeld(cid, None if level is None else str(level), expires))
        if implied is not None:
            skills[pid].append(implied)  # a certificate implies its skill (as in the jobs shortlist)
    pw_months = {pid: days * 12 // 365 for pid, days in public_welfare_days(None, on).items()}
    # CSCO codes of the person's skills (typed or implied by a certificate). Not the codes of postings
    # they were hired into (jobs.occupation_codes.person_occupation_codes adds those): for training
    # that would hand the outcome being learned to the occupation-similarity feature.
    skill_code = {sid: code for sid, code in db.session.execute(
        sa.select(Skill.id, Skill.occupation_code).where(Skill.occupation_code.is_not(None),
                                                         Skill.occupation_code != ""))}
    timings["people_details"] = time.perf_counter() - t0

    people: list[PersonRecord] = []
    site_of: dict[int, int] = {}
    consenting = []
    where = {sid: (county_id, lon, lat, regions.get(county_id, (None, None))[1] or home)
             for sid, (county_id, lon, lat) in sites.items()}
    nowhere = (None, None, None, home)
    empty: tuple = ()
    for r, is_zero in zip(rows, zero.tolist(), strict=True):
        pid = r[0]
        county_id, lon, lat, province = where.get(r[2], nowhere)
        held = skills.get(pid)
        if held:
            held = tuple(dict.fromkeys(held))
            codes = tuple(dict.fromkeys(skill_code[x] for x in held if x in skill_code)) if skill_code else empty
        else:
            held = codes = empty
        people.append(PersonRecord(
            pid, r[3], _SEX.get(r[4]), EDUCATION_ORDINAL.get(r[5]), r[6], r[7], r[8] or "NONE", r[9],
            bool(r[10]), bool(r[11]), is_zero, lon, lat, county_id, province, held,
            tuple(certs.get(pid, empty)), codes, pw_months.get(pid, 0),
        ))
        site_of[pid] = r[2]
        if r[12] is not None:
            consenting.append(pid)

    # -- postings ----------------------------------------------------------------------------
    t1 = time.perf_counter()
    referred = sa.select(Referral.posting_id)
    wanted = sa.or_(Posting.status == PostingStatus.OPEN, Posting.id.in_(referred))
    prow = db.session.execute(sa.select(
        Posting.id, Posting.code, Posting.employer_id, _s(Posting.channel), Posting.title, Posting.province,
        Posting.county_id, Posting.site_id, Posting.workplace, Posting.longitude, Posting.latitude,
        Posting.min_age, Posting.max_age, _s(Posting.education), _s(Posting.intensity), _s(Posting.hours),
        Posting.wage_min, Posting.wage_max, Posting.board_lodging, Posting.headcount, _s(Posting.status),
        Posting.deadline, Posting.csco_code,
    ).where(wanted).order_by(Posting.id)).all()
    must: dict[int, list[int]] = defaultdict(list)
    nice: dict[int, list[int]] = defaultdict(list)
    wanted_ids = {q[0] for q in prow}
    for qid, sid, required in db.session.execute(
            sa.select(PostingSkill.posting_id, PostingSkill.skill_id, PostingSkill.is_required)
            .where(PostingSkill.skill_id.is_not(None)).order_by(PostingSkill.posting_id, PostingSkill.position)):
        if qid in wanted_ids:
            (must if required else nice)[qid].append(sid)
    required_certs: dict[int, list[int]] = defaultdict(list)
    for qid, cid in db.session.execute(
            sa.select(PostingCertificate.posting_id, PostingCertificate.certificate_id)
            .order_by(PostingCertificate.posting_id, PostingCertificate.position)):
        if qid in wanted_ids:
            required_certs[qid].append(cid)
    hired = dict(db.session.execute(
        sa.select(Referral.posting_id, sa.func.count())
        .join(Posting, Posting.id == Referral.posting_id)
        .where(Posting.status == PostingStatus.OPEN, Referral.outcome == ReferralOutcome.HIRED)
        .group_by(Referral.posting_id)).all())
    postings: list[PostingRecord] = []
    province_of: dict = {}
    for q in prow:
        qid = q[0]
        channel = Channel[q[3]]
        county_name = regions.get(q[6], ("", None))[0]
        place = place_of(channel, q[5], site_id=q[7], workplace=q[8], county_name=county_name, home=home)
        lon, lat = q[9], q[10]
        if (lon is None or lat is None) and q[7] is not None:
            _c, lon, lat = sites.get(q[7], (None, None, None))
        is_open = q[20] == PostingStatus.OPEN.name and (q[21] is None or q[21] >= on)
        postings.append(PostingRecord(
            posting_id=qid, code=q[1], employer_id=q[2], channel=q[3], title=q[4],
            csco_code=q[22] or None,
            province=province_of.setdefault(q[5], normalize_province(q[5]) or home),
            county_id=q[6] if place is Place.LOCAL else None, lon=lon, lat=lat, min_age=q[11], max_age=q[12],
            education=EDUCATION_ORDINAL.get(q[13]), must_skill_ids=tuple(must.get(qid, ())),
            nice_skill_ids=tuple(nice.get(qid, ())), required_certificate_ids=tuple(required_certs.get(qid, ())),
            intensity=q[14], hours=q[15], wage_min=q[16], wage_max=q[17], board_lodging=bool(q[18]),
            open_slots=max(int(q[19] or 0) - int(hired.get(qid, 0)), 0) if is_open else 0, is_open=is_open,
        ))
    timings["postings"] = time.perf_counter() - t1

    # -- outcomes and names --------------------------------------------------------------------
    t2 = time.perf_counter()
    outcomes = [OutcomeRecord(pid, qid, referred_on, result, started, ended) for pid, qid, referred_on, result,
                started, ended in db.session.execute(
                    sa.select(Referral.person_id, Referral.posting_id, Referral.referred_on, _s(Referral.outcome),
                              Referral.started_on, Referral.ended_on).order_by(Referral.id))]
    names = Names(
        skills=dict(db.session.execute(sa.select(Skill.id, Skill.name)).all()),
        certificates=dict(db.session.execute(sa.select(Certificate.id, Certificate.name)).all()),
    )
    timings["outcomes"] = time.perf_counter() - t2
    timings["total"] = time.perf_counter() - t0
    return Snapshot(people, postings, outcomes, names, on, site_of, frozenset(consenting), timings)


def _zero_employment(rows, on: dt.date) -> np.ndarray:
    """Per person row: member of a zero-employment household on ``on`` (people.rules, for all at once)."""
    if not rows:
        return np.zeros(0, bool)
    band = age_band()
    earliest_exclusive, latest = band.birth_window(on)
    household = np.array([r[1] for r in rows], np.int64)
    able = np.array([earliest_exclusive < r[3] <= latest and r[6] != "NONE" and r[7] != "STUDENT"
                     for r in rows], bool)
    employed = np.array([r[7] in _EMPLOYED for r in rows], bool)
    _u, hh = np.unique(household, return_inverse=True)
    n_able = np.bincount(hh, weights=able)
    n_able_employed = np.bincount(hh, weights=able & employed)
    is_zero = (n_able > 0) & (n_able_employed == 0)
    return is_zero[hh]
