"""Fixtures and plain factory functions for the matching engine tests (no app needed)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from jobmatch.matching.data import MatchingData
from jobmatch.matching.records import CertificateHeld, Names, OutcomeRecord, PersonRecord, PostingRecord
from tests.matching import synth

AS_OF = date(2026, 6, 1)
HOME_LON, HOME_LAT = 109.0, 32.0
#: degrees of longitude per km at the home latitude
KM_LON = 1 / (111.32 * 0.848048)

NAMES = Names(
    skills={1: "电焊", 2: "叉车驾驶", 3: "缝纫", 4: "养老护理", 5: "锁边"},
    certificates={10: "焊工证", 11: "叉车证", 12: "健康证", 13: "养老护理员"},
)
_ids = itertools.count(1)


def person(**kw) -> PersonRecord:
    """A 35-year-old able local job seeker at the home site, unless told otherwise."""
    pid = kw.pop("person_id", None) or next(_ids)
    defaults = dict(
        person_id=pid,
        birth_date=date(1990, 7, 1),
        sex="F",
        education=1,
        labor_capacity="FULL",
        employment_status="UNEMPLOYED",
        work_preference="ANY",
        expected_wage=3000.0,
        site_lon=HOME_LON,
        site_lat=HOME_LAT,
        county_id=1,
        province="陕西",
    )
    defaults.update(kw)
    return PersonRecord(**defaults)


def posting(**kw) -> PostingRecord:
    """A local day-shift enterprise job 3 km from home, 2800–3400 元, unless told otherwise."""
    pid = kw.pop("posting_id", None) or 1000 + next(_ids)
    defaults = dict(
        posting_id=pid,
        code=f"GW{pid:05d}",
        employer_id=kw.pop("employer_id", 1),
        channel="ENTERPRISE",
        title="普工",
        province="陕西",
        county_id=1,
        lon=HOME_LON + 3 * KM_LON,
        lat=HOME_LAT,
        intensity="LIGHT",
        hours="DAY",
        wage_min=2800.0,
        wage_max=3400.0,
        open_slots=5,
    )
    defaults.update(kw)
    return PostingRecord(**defaults)


def cert(cid: int, expires_on: date | None = None) -> CertificateHeld:
    """A certificate held."""
    return CertificateHeld(cid, None, expires_on)


def outcome(person_id, posting_id, referred_on, result, started_on=None, ended_on=None) -> OutcomeRecord:
    """A referral outcome."""
    return OutcomeRecord(person_id, posting_id, referred_on, result, started_on, ended_on)


def make_data(people, postings, outcomes=(), as_of=AS_OF) -> MatchingData:
    """MatchingData over the given records with the test names."""
    return MatchingData(people, postings, outcomes, NAMES, as_of=as_of)


@pytest.fixture(scope="session")
def county():
    """A small synthetic county (records + hidden truth)."""
    return synth.generate(n_people=6000, n_postings=250, n_outcomes=6000, seed=3)


@pytest.fixture(scope="session")
def county_data(county):
    """MatchingData of the synthetic county at its cut-off."""
    return MatchingData(county.people, county.postings, county.outcomes, county.names, as_of=county.cutoff)


@pytest.fixture(scope="session")
def trained(county_data):
    """A training result on the synthetic county."""
    from jobmatch.matching.train import train

    return train(county_data, seed=0)
