"""Columnar tables built once from the records (numpy arrays, scipy CSR matrices).

Everything downstream (hard limits, features, scoring) indexes these arrays
with integer row numbers, so one person × all postings and one posting × all
people are plain vectorised numpy / sparse operations.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import scipy.sparse as sp

from jobmatch.occupations import normalize_code

from .records import (
    CHANNELS,
    EMPLOYMENT_STATUSES,
    HOURS,
    INTENSITIES,
    LABOR_CAPACITIES,
    RESULTS,
    SEXES,
    WORK_PREFERENCES,
    OutcomeRecord,
    PersonRecord,
    PostingRecord,
    normalize_province,
)

log = logging.getLogger(__name__)

#: expiry "day" stored for certificates that never expire
NO_EXPIRY = 99_999_999.0
#: education ordinal 0..4 → comparable level; 高中 and 中专 are the same level
EDUCATION_LEVEL = np.array([0, 1, 2, 2, 3], dtype=np.float32)


def day(d: date | None) -> float:
    """A date as a float day number (proleptic ordinal); None → NaN."""
    return float(d.toordinal()) if d is not None else np.nan


def _code(value: str | None, allowed: Sequence[str], what: str, *, optional: bool = False) -> int:
    if value is None or value == "":
        if optional:
            return -1
        raise ValueError(f"{what} is required")
    try:
        return allowed.index(value)
    except ValueError:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}") from None


def _float(value: float | None) -> float:
    return np.nan if value is None else float(value)


class Space:
    """A growing mapping of external ids (skill ids, cert ids, names…) to column numbers."""

    def __init__(self, values: Iterable[Hashable] = ()):
        self.index: dict[Hashable, int] = {}
        self.values: list[Hashable] = []
        for v in values:
            self.add(v)

    def add(self, value: Hashable) -> int:
        """Column of ``value``, adding it if new."""
        col = self.index.get(value)
        if col is None:
            col = self.index[value] = len(self.values)
            self.values.append(value)
        return col

    def get(self, value: Hashable, default: int = -1) -> int:
        """Column of ``value`` or ``default``."""
        return self.index.get(value, default)

    def __len__(self) -> int:
        return len(self.values)


def _csr(rows: list[list[int]], n_cols: int, data: list[list[float]] | None = None) -> sp.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((c for r in rows for c in r), dtype=np.int32, count=int(indptr[-1]))
    if data is None:
        values = np.ones(len(indices), dtype=np.float32)
    else:
        values = np.fromiter((v for r in data for v in r), dtype=np.float64, count=int(indptr[-1]))
    m = sp.csr_matrix((values, indices, indptr), shape=(len(rows), n_cols))
    m.sum_duplicates()
    return m


@dataclass
class PeopleTable:
    """People as columns; row i is ``records[i]``."""

    records: list[PersonRecord]
    index: dict[Hashable, int]
    birth_day: np.ndarray  # float64, NaN unknown
    sex: np.ndarray  # int8 index into SEXES, -1 unknown (fairness report only)
    education: np.ndarray  # float32 level (高中 = 中专), NaN unknown
    capacity: np.ndarray  # int8 index into LABOR_CAPACITIES
    status: np.ndarray  # int8 index into EMPLOYMENT_STATUSES
    preference: np.ndarray  # int8 index into WORK_PREFERENCES
    expected_wage: np.ndarray  # float32, NaN unknown
    care: np.ndarray  # bool
    monitored: np.ndarray  # bool
    zero_employment: np.ndarray  # bool
    lon: np.ndarray  # float64 radians, NaN unknown
    lat: np.ndarray
    county: np.ndarray  # int64, -1 unknown
    province: np.ndarray  # int32 code in the shared province space, -1 unknown
    pw_months: np.ndarray  # int32
    skills: sp.csr_matrix  # N × K binary
    cert_expiry: sp.csr_matrix  # N × C, data = expiry day (NO_EXPIRY when none)
    occupations: sp.csr_matrix  # N × len(person_codes) binary

    def __len__(self) -> int:
        return len(self.records)


@dataclass
class PostingsTable:
    """Postings as columns; row j is ``records[j]``."""

    records: list[PostingRecord]
    index: dict[Hashable, int]
    code_index: dict[str, int]
    employer: np.ndarray  # int32 employer row
    channel: np.ndarray  # int8 index into CHANNELS
    occupation: np.ndarray  # int32 column in posting_codes, -1 none
    province: np.ndarray  # int32, -1 unknown
    county: np.ndarray  # int64, -1 unknown
    lon: np.ndarray  # radians, NaN unknown
    lat: np.ndarray
    min_age: np.ndarray  # float32, NaN none
    max_age: np.ndarray
    education: np.ndarray  # float32 level, NaN = 不限
    intensity: np.ndarray  # int8 index into INTENSITIES, -1 unknown
    hours: np.ndarray  # int8 index into HOURS, -1 unknown
    wage_min: np.ndarray  # float32 NaN
    wage_max: np.ndarray
    wage_mid: np.ndarray  # midpoint (or the one bound given), NaN unknown
    board: np.ndarray  # bool
    slots: np.ndarray  # int32 open slots
    is_open: np.ndarray  # bool
    must: sp.csr_matrix  # P × K
    nice: sp.csr_matrix  # P × K
    required_certs: sp.csr_matrix  # P × C
    n_must: np.ndarray  # float32
    n_nice: np.ndarray
    n_required: np.ndarray

    def __len__(self) -> int:
        return len(self.records)


@dataclass
class OutcomeTable:
    """Referral outcomes joined to table rows; dates as day numbers."""

    person: np.ndarray  # int32 person row
    posting: np.ndarray  # int32 posting row
    employer: np.ndarray  # int32 employer row
    referred: np.ndarray  # float64 day
    result: np.ndarray  # int8 index into RESULTS
    started: np.ndarray  # float64 day, NaN
    ended: np.ndarray  # float64 day, NaN
    dropped: int = 0  # outcomes naming unknown people or postings

    def __len__(self) -> int:
        return len(self.person)

    def latest_day(self) -> float:
        """The latest date seen anywhere in the outcomes (NaN when empty)."""
        if not len(self):
            return np.nan
        return float(np.nanmax(np.concatenate([self.referred, self.started, self.ended])))


def build_people(
    records: Sequence[PersonRecord],
    skills: Space,
    certs: Space,
    provinces: Space,
    codes: Space,
) -> PeopleTable:
    """Columnar people; grows the shared spaces with what it sees."""
    n = len(records)
    index: dict[Hashable, int] = {}
    birth = np.full(n, np.nan)
    sex = np.full(n, -1, dtype=np.int8)
    edu = np.full(n, np.nan, dtype=np.float32)
    cap = np.zeros(n, dtype=np.int8)
    status = np.zeros(n, dtype=np.int8)
    pref = np.zeros(n, dtype=np.int8)
    wage = np.full(n, np.nan, dtype=np.float32)
    care = np.zeros(n, dtype=bool)
    mon = np.zeros(n, dtype=bool)
    zero = np.zeros(n, dtype=bool)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    county = np.full(n, -1, dtype=np.int64)
    prov = np.full(n, -1, dtype=np.int32)
    pwm = np.zeros(n, dtype=np.int32)
    skill_rows: list[list[int]] = []
    cert_rows: list[list[int]] = []
    cert_data: list[list[float]] = []
    occ_rows: list[list[int]] = []
    for i, r in enumerate(records):
        if r.person_id in index:
            raise ValueError(f"duplicate person_id {r.person_id!r}")
        index[r.person_id] = i
        birth[i] = day(r.birth_date)
        if r.sex in SEXES:
            sex[i] = SEXES.index(r.sex)
        if r.education is not None:
            if not 0 <= int(r.education) <= 4:
                raise ValueError(f"person {r.person_id!r}: education ordinal must be 0..4")
            edu[i] = EDUCATION_LEVEL[int(r.education)]
        cap[i] = _code(r.labor_capacity, LABOR_CAPACITIES, "labor_capacity")
        status[i] = _code(r.employment_status, EMPLOYMENT_STATUSES, "employment_status")
        pref[i] = _code(r.work_preference or "NONE", WORK_PREFERENCES, "work_preference")
        wage[i] = _float(r.expected_wage) if r.expected_wage else np.nan
        care[i] = bool(r.has_care_duty)
        mon[i] = bool(r.is_monitored)
        zero[i] = bool(r.in_zero_employment_household)
        if r.site_lon is not None and r.site_lat is not None:
            lon[i], lat[i] = np.radians(r.site_lon), np.radians(r.site_lat)
        if r.county_id is not None:
            county[i] = int(r.county_id)
        p = normalize_province(r.province)
        if p is not None:
            prov[i] = provinces.add(p)
        pwm[i] = int(r.public_welfare_months_held or 0)
        skill_rows.append([skills.add(int(s)) for s in r.skill_ids])
        crow, cdat = [], []
        for c in r.certificates:
            crow.append(certs.add(int(c.certificate_id)))
            cdat.append(day(c.expires_on) if c.expires_on is not None else NO_EXPIRY)
        cert_rows.append(crow)
        cert_data.append(cdat)
        occ_rows.append([codes.add(c) for c in r.occupation_codes if normalize_code(c)])
    skills_m = _csr(skill_rows, 0)
    certs_m = _csr(cert_rows, 0, cert_data)
    occ_m = _csr(occ_rows, 0)
    return PeopleTable(
        records=list(records),
        index=index,
        birth_day=birth,
        sex=sex,
        education=edu,
        capacity=cap,
        status=status,
        preference=pref,
        expected_wage=wage,
        care=care,
        monitored=mon,
        zero_employment=zero,
        lon=lon,
        lat=lat,
        county=county,
        province=prov,
        pw_months=pwm,
        skills=skills_m,
        cert_expiry=certs_m,
        occupations=occ_m,
    )


def build_postings(
    records: Sequence[PostingRecord],
    skills: Space,
    certs: Space,
    provinces: Space,
    employers: Space,
    codes: Space,
) -> PostingsTable:
    """Columnar postings; grows the shared spaces with what it sees."""
    n = len(records)
    index: dict[Hashable, int] = {}
    code_index: dict[str, int] = {}
    f32 = lambda: np.full(n, np.nan, dtype=np.float32)  # noqa: E731
    employer = np.zeros(n, dtype=np.int32)
    channel = np.zeros(n, dtype=np.int8)
    occ = np.full(n, -1, dtype=np.int32)
    prov = np.full(n, -1, dtype=np.int32)
    county = np.full(n, -1, dtype=np.int64)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    min_age, max_age, edu, wmin, wmax = f32(), f32(), f32(), f32(), f32()
    intensity = np.full(n, -1, dtype=np.int8)
    hours = np.full(n, -1, dtype=np.int8)
    board = np.zeros(n, dtype=bool)
    slots = np.zeros(n, dtype=np.int32)
    is_open = np.ones(n, dtype=bool)
    must_rows, nice_rows, cert_rows = [], [], []
    for j, r in enumerate(records):
        if r.posting_id in index:
            raise ValueError(f"duplicate posting_id {r.posting_id!r}")
        index[r.posting_id] = j
        code_index[r.code] = j
        employer[j] = employers.add(r.employer_id)
        channel[j] = _code(r.channel, CHANNELS, "channel")
        if normalize_code(r.csco_code):
            occ[j] = codes.add(r.csco_code)
        p = normalize_province(r.province)
        if p is not None:
            prov[j] = provinces.add(p)
        if r.county_id is not None:
            county[j] = int(r.county_id)
        if r.lon is not None and r.lat is not None:
            lon[j], lat[j] = np.radians(r.lon), np.radians(r.lat)
        min_age[j] = _float(r.min_age)
        max_age[j] = _float(r.max_age)
        if r.education is not None:
            edu[j] = EDUCATION_LEVEL[int(r.education)]
        intensity[j] = _code(r.intensity, INTENSITIES, "intensity", optional=True)
        hours[j] = _code(r.hours, HOURS, "hours", optional=True)
        wmin[j] = _float(r.wage_min) if r.wage_min else np.nan
        wmax[j] = _float(r.wage_max) if r.wage_max else np.nan
        board[j] = bool(r.board_lodging)
        slots[j] = int(r.open_slots if r.open_slots is not None else 1)
        is_open[j] = bool(r.is_open)
        must_rows.append([skills.add(int(s)) for s in r.must_skill_ids])
        nice_rows.append([skills.add(int(s)) for s in r.nice_skill_ids if s not in r.must_skill_ids])
        cert_rows.append([certs.add(int(c)) for c in r.required_certificate_ids])
    mid = np.where(np.isnan(wmin), wmax, np.where(np.isnan(wmax), wmin, (wmin + wmax) / 2)).astype(np.float32)
    must, nice, req = _csr(must_rows, 0), _csr(nice_rows, 0), _csr(cert_rows, 0)
    return PostingsTable(
        records=list(records),
        index=index,
        code_index=code_index,
        employer=employer,
        channel=channel,
        occupation=occ,
        province=prov,
        county=county,
        lon=lon,
        lat=lat,
        min_age=min_age,
        max_age=max_age,
        education=edu,
        intensity=intensity,
        hours=hours,
        wage_min=wmin,
        wage_max=wmax,
        wage_mid=mid,
        board=board,
        slots=slots,
        is_open=is_open,
        must=must,
        nice=nice,
        required_certs=req,
        n_must=np.zeros(n, np.float32),
        n_nice=np.zeros(n, np.float32),
        n_required=np.zeros(n, np.float32),
    )


def _resize(m: sp.csr_matrix, n_cols: int) -> sp.csr_matrix:
    m = sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_cols))
    m.has_canonical_format = True
    return m


def build_outcomes(
    records: Sequence[OutcomeRecord], people: PeopleTable, postings: PostingsTable
) -> OutcomeTable:
    """Outcomes as arrays; rows naming unknown people or postings are dropped and counted."""
    keep = [r for r in records if r.person_id in people.index and r.posting_id in postings.index]
    dropped = len(records) - len(keep)
    if dropped:
        log.warning("matching: %d outcomes name unknown people or postings and are ignored", dropped)
    person = np.fromiter((people.index[r.person_id] for r in keep), np.int32, len(keep))
    posting = np.fromiter((postings.index[r.posting_id] for r in keep), np.int32, len(keep))
    return OutcomeTable(
        person=person,
        posting=posting,
        employer=postings.employer[posting] if len(keep) else np.zeros(0, np.int32),
        referred=np.fromiter((day(r.referred_on) for r in keep), np.float64, len(keep)),
        result=np.fromiter((_code(r.result, RESULTS, "result") for r in keep), np.int8, len(keep)),
        started=np.fromiter((day(r.started_on) for r in keep), np.float64, len(keep)),
        ended=np.fromiter((day(r.ended_on) for r in keep), np.float64, len(keep)),
        dropped=dropped,
    )


@dataclass
class Spaces:
    """The shared column spaces (skills, certificates, provinces, employers, occupation codes)."""

    skills: Space
    certs: Space
    provinces: Space
    employers: Space
    codes: Space


def finalize(people: PeopleTable, postings: PostingsTable, spaces: Spaces) -> None:
    """Give every sparse matrix the final number of columns and cache derived columns."""
    k, c, o = len(spaces.skills), len(spaces.certs), len(spaces.codes)
    people.skills = _resize(people.skills, k)
    people.cert_expiry = _resize(people.cert_expiry, c)
    people.occupations = _resize(people.occupations, o)
    postings.must = _resize(postings.must, k)
    postings.nice = _resize(postings.nice, k)
    postings.required_certs = _resize(postings.required_certs, c)
    postings.n_must = np.diff(postings.must.indptr).astype(np.float32)
    postings.n_nice = np.diff(postings.nice.indptr).astype(np.float32)
    postings.n_required = np.diff(postings.required_certs.indptr).astype(np.float32)
