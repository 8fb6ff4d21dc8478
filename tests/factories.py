"""Plain factory functions for tests: valid ID numbers, sites, people, users."""

from __future__ import annotations

import datetime as dt
import itertools

from jobmatch.accounts.models import Role
from jobmatch.accounts.services import create_user
from jobmatch.extensions import db
from jobmatch.people.enums import EmploymentStatus, LaborCapacity, Relation
from jobmatch.people.idnumber import check_char
from jobmatch.people.register import apply_register
from jobmatch.people.services import find_by_id_number
from jobmatch.people.validation import PersonFields
from jobmatch.places.services import ensure_site

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)


def make_id(birth: dt.date = dt.date(1985, 6, 1), male: bool = True, region: str = "610926") -> str:
    """A valid 18-character ID number with a fresh sequence number."""
    n = next(_seq) % 500
    order = f"{(n * 2 + (1 if male else 0)) % 1000:03d}"
    body = f"{region}{birth:%Y%m%d}{order}"
    return body + check_char(body)


def make_site(county="平利县", township="城关镇", site="城关1号安置点", lon=109.17, lat=32.42):
    site_obj, _ = ensure_site(county, township, site, longitude=lon, latitude=lat)
    db.session.commit()
    return site_obj


def person_fields(**kw) -> PersonFields:
    birth = kw.pop("birth_date", dt.date(1985, 6, 1))
    male = kw.pop("male", True)
    defaults = dict(
        household_code="HH900001", county="平利县", township="城关镇", site="城关1号安置点", name="王秀英",
        id_number=make_id(birth, male), relation=Relation.HEAD, labor_capacity=LaborCapacity.FULL,
        employment_status=EmploymentStatus.UNEMPLOYED, phone=None,
    )
    defaults.update(kw)
    fields = PersonFields(**defaults)
    from jobmatch.people.idnumber import parse_id_number

    info = parse_id_number(fields.id_number)
    fields.birth_date, fields.sex = info.birth_date, info.sex
    return fields


def make_people(*many: PersonFields, effective_on: dt.date | None = None):
    """Insert people through the register service (all-or-nothing), commit, return them in order."""
    rows = list(enumerate(many, start=2))
    result = apply_register(rows, effective_on=effective_on)
    assert result.ok, result.errors
    db.session.commit()
    return [find_by_id_number(f.id_number) for f in many]


def make_person(**kw):
    return make_people(person_fields(**kw))[0]


def make_user(role: str, area: str | None = None, username: str | None = None, phone: str | None = None):
    """A user of ``role``; the area defaults to the sample county's names."""
    default_area = {
        "city_admin": "安康市", "county_reviewer": "平利县", "township_clerk": "城关镇",
        "site_clerk": "城关1号安置点", "broker": "平利县",
    }[role]
    user = create_user(username or f"{role}{next(_seq)}", PASSWORD, Role(role), area or default_area,
                       work_phone=phone)
    db.session.commit()
    return user
