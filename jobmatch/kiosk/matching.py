"""The kiosk's one door to the matching engine.

``rank_person`` uses the app's matching service (``jobmatch.matching.service.rank_for_person``)
when it exists. Until that service is merged, ``_rank_with_engine`` loads this one person and
the open postings of their county into the pure engine and ranks with the active scorer (the
rules when no model is active). Swap by deleting the fallback once the service is everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs.enums import PostingStatus
from jobmatch.jobs.models import Posting, PostingCertificate, PostingSkill
from jobmatch.people.models import Person, PersonCertificate, PersonSkill
from jobmatch.places.models import Region, Site


@dataclass(frozen=True)
class Ranked:
    """One posting offered to the person, with the engine's score and its reasons (best first)."""

    posting_id: int
    score: float
    reasons: tuple[str, ...]


def rank_person(person_id: int, *, top: int = 60, ask_out_of_area: bool = False) -> list[Ranked]:
    """The person's best open postings, from the matching service or (until merged) the engine."""
    try:
        from jobmatch.matching.service import rank_for_person  # type: ignore[import-not-found]
    except ImportError:
        rank_for_person = _rank_with_engine
    ranking = rank_for_person(person_id, top=top, ask_out_of_area=ask_out_of_area)
    return [Ranked(int(r.posting_id), float(r.score), tuple(r.reasons or ())) for r in list(ranking.results)[:top]]


# --- fallback: the pure engine, fed for one person ------------------------------------------------

_EDUCATION = {"PRIMARY": 0, "JUNIOR": 1, "SENIOR": 2, "VOCATIONAL": 3, "COLLEGE": 4}


def _rank_with_engine(person_id: int, *, top: int, ask_out_of_area: bool):
    from jobmatch.matching import MatchingData, MatchingEngine

    person = db.session.get(Person, person_id)
    site = db.session.get(Site, person.site_id)
    county = db.session.get(Region, site.county_id)
    home_province = county.province or current_app.config.get("HOME_PROVINCE")
    data = MatchingData([_person_record(person, site, home_province)],
                        _posting_records(site.county_id, home_province), (), None, as_of=today())
    scorer = _scorer()
    return MatchingEngine(data, scorer).rank_for_person(person_id, top=top, ask_out_of_area=ask_out_of_area,
                                                        explain_top=top)


def _scorer():
    from jobmatch.matching import load_scorer

    cache = current_app.extensions.setdefault("jobmatch.kiosk.scorer", {})
    if "scorer" not in cache:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cache["scorer"] = load_scorer(Path(current_app.instance_path) / "models")
    return cache["scorer"]


def _person_record(person: Person, site: Site, home_province: str | None):
    from jobmatch.matching import CertificateHeld, PersonRecord

    skills = db.session.scalars(sa.select(PersonSkill.skill_id).where(
        PersonSkill.person_id == person.id, PersonSkill.skill_id.is_not(None))).all()
    certs = db.session.execute(sa.select(PersonCertificate.certificate_id, PersonCertificate.level,
                                         PersonCertificate.expires_on).where(
        PersonCertificate.person_id == person.id, PersonCertificate.certificate_id.is_not(None))).all()
    return PersonRecord(
        person_id=person.id, birth_date=person.birth_date, sex=None,
        education=_EDUCATION.get(person.education.name) if person.education else None,
        labor_capacity=person.labor_capacity.name, employment_status=person.employment_status.name,
        work_preference=person.work_preference.name if person.work_preference else "ANY",
        expected_wage=person.expected_wage, has_care_duty=person.has_care_duty, is_monitored=person.is_monitored,
        site_lon=site.longitude, site_lat=site.latitude, county_id=site.county_id, province=home_province,
        skill_ids=tuple(skills), certificates=tuple(CertificateHeld(c, str(lv) if lv else None, exp) for c, lv, exp in certs),
    )


def _posting_records(county_id: int, home_province: str | None):
    from jobmatch.jobs.services import hires_by_posting
    from jobmatch.matching import PostingRecord

    rows = db.session.execute(
        sa.select(Posting, Site.county_id, Site.longitude, Site.latitude)
        .outerjoin(Site, Site.id == Posting.site_id)
        .where(Posting.county_id == county_id, Posting.status == PostingStatus.OPEN)
    ).all()
    ids = [p.id for p, *_ in rows]
    must: dict[int, list[int]] = {}
    nice: dict[int, list[int]] = {}
    certs: dict[int, list[int]] = {}
    if ids:
        for pid, sid, req in db.session.execute(sa.select(PostingSkill.posting_id, PostingSkill.skill_id,
                                                          PostingSkill.is_required).where(
                PostingSkill.posting_id.in_(ids), PostingSkill.skill_id.is_not(None))):
            (must if req else nice).setdefault(pid, []).append(sid)
        for pid, cid in db.session.execute(sa.select(PostingCertificate.posting_id, PostingCertificate.certificate_id)
                                           .where(PostingCertificate.posting_id.in_(ids))):
            certs.setdefault(pid, []).append(cid)
    hires = hires_by_posting(ids) if ids else {}
    out = []
    for p, site_county, lon, lat in rows:
        out.append(PostingRecord(
            posting_id=p.id, code=p.code, employer_id=p.employer_id, channel=p.channel.name, title=p.title,
            province=p.province, county_id=site_county if site_county else (county_id if p.province == home_province
                                                                              and p.channel.name != "LABOR_EXPORT" else None),
            lon=p.longitude if p.longitude is not None else lon, lat=p.latitude if p.latitude is not None else lat,
            min_age=p.min_age, max_age=p.max_age,
            education=_EDUCATION.get(p.education.name) if p.education else None,
            must_skill_ids=tuple(must.get(p.id, ())), nice_skill_ids=tuple(nice.get(p.id, ())),
            required_certificate_ids=tuple(certs.get(p.id, ())),
            intensity=p.intensity.name if p.intensity else None, hours=p.hours.name if p.hours else None,
            wage_min=p.wage_min, wage_max=p.wage_max, board_lodging=p.board_lodging,
            open_slots=max(0, p.headcount - hires.get(p.id, 0)),
        ))
    return out
