"""The app adapter: DB → records, the cached engine and when it is rebuilt."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.matching import service
from jobmatch.matching.source import load_records
from jobmatch.people.enums import Education, EmploymentStatus, LaborCapacity, WorkPreference
from jobmatch.people.models import Person
from tests.factories import make_people, make_site, person_fields
from tests.jobs.helpers import make_posting


def _county():
    make_site()
    people = make_people(
        person_fields(name="张三", household_code="HH1", education=Education.VOCATIONAL,
                      work_preference=WorkPreference.LOCAL, expected_wage=2500, skills=["缝纫"]),
        person_fields(name="李四", household_code="HH2", work_preference=WorkPreference.ANY,
                      employment_status=EmploymentStatus.LOCAL),
        person_fields(name="王五", household_code="HH3", labor_capacity=LaborCapacity.NONE),
    )
    posting = make_posting(title="缝纫工", must_skills="缝纫")
    closed = make_posting(title="包装工", publish=False)
    return people, posting, closed


def test_records_come_from_the_database(app):
    (zhang, li, wang), posting, draft = _county()
    snap = load_records()
    by_id = {p.person_id: p for p in snap.people}
    assert set(by_id) == {zhang.id, li.id, wang.id}
    z = by_id[zhang.id]
    assert z.education == 3 and z.work_preference == "LOCAL" and z.expected_wage == 2500
    assert z.labor_capacity == "FULL" and z.employment_status == "UNEMPLOYED"
    assert z.site_lon is not None and z.county_id is not None and z.province == "陕西"
    assert len(z.skill_ids) == 1
    # 张三's household has one able member, not employed: zero-employment; 李四 works
    assert z.in_zero_employment_household and not by_id[li.id].in_zero_employment_household
    codes = {q.code: q for q in snap.postings}
    assert posting.code in codes and codes[posting.code].is_open
    assert codes[posting.code].must_skill_ids == z.skill_ids
    assert codes[posting.code].county_id == z.county_id
    assert draft.code not in codes  # neither open nor referred to
    assert snap.site_of[zhang.id] == zhang.site_id
    # occupation codes: the posting's CSCO code, the person's from their skills (not from placements)
    from jobmatch.vocab.models import Skill

    sewing = db.session.scalar(sa.select(Skill).where(Skill.name == "缝纫"))
    assert sewing.occupation_code and z.occupation_codes == (sewing.occupation_code,)
    db.session.refresh(posting)
    assert codes[posting.code].csco_code == posting.csco_code
    assert by_id[li.id].occupation_codes == ()


def test_engine_is_cached_and_rebuilt_after_a_write(app):
    (zhang, _li, _wang), posting, _draft = _county()
    first = service.get_engine()
    assert service.get_engine() is first
    ranking = service.rank_for_person(zhang.id)
    assert [r.code for r in ranking.results] == [posting.code]
    assert any("缝纫" in reason for reason in ranking.results[0].positives)
    # an ORM write in this process is seen at once
    newcomer = make_people(person_fields(name="赵六", household_code="HH9"))[0]
    second = service.get_engine()
    assert second is not first
    assert newcomer.id in second.data.people.index


def test_other_process_writes_are_seen_through_the_token(app):
    (zhang, _li, _wang), _posting, _draft = _county()
    app.config["MATCHING_RECHECK_SECONDS"] = 3600
    first = service.get_engine()
    # a write on another connection (as another process would make) is not seen by the listeners
    with db.engine.begin() as conn:
        conn.execute(sa.update(Person).where(Person.id == zhang.id)
                     .values(is_monitored=True, updated_at=dt.datetime(2099, 1, 1)))
    db.session.commit()
    assert service.get_engine() is first  # not checked again within the recheck interval
    app.config["MATCHING_RECHECK_SECONDS"] = 0
    second = service.get_engine()
    assert second is not first
    assert second.data.people.records[second.data.person_row(zhang.id)].is_monitored
    assert service.get_engine() is second  # unchanged data: no rebuild
    assert service._state().builds == 2


def test_unknown_person_and_posting(app):
    _county()
    import pytest

    with pytest.raises(service.UnknownPerson):
        service.rank_for_person(999999)
    with pytest.raises(service.UnknownPosting):
        service.shortlist("GW99999")


def test_shortlist_pool_is_scoped_and_not_in_work(app):
    (zhang, li, wang), posting, _draft = _county()
    sl = service.shortlist(posting.code)
    ids = [r.person_id for r in sl.model_order]
    assert zhang.id in ids and li.id not in ids and wang.id not in ids  # 李四 works, 王五 cannot
    from jobmatch.places.services import Scope

    assert service.shortlist(posting.code, scope=Scope(frozenset(), "无")).model_order == []
    assert service.shortlist(posting.code, consenting_only=True).model_order == []  # nobody consented


def test_background_rebuild_serves_the_old_engine_meanwhile(app):
    import time

    (zhang, _li, _wang), _posting, _draft = _county()
    app.config["MATCHING_BACKGROUND_REBUILD"] = True
    first = service.get_engine()
    newcomer = make_people(person_fields(name="赵六", household_code="HH9"))[0]
    assert service.get_engine() is first  # answered at once from the current engine
    deadline = time.monotonic() + 120
    while service._state().rebuilding and time.monotonic() < deadline:
        time.sleep(0.05)
    second = service.get_engine()
    assert second is not first and newcomer.id in second.data.people.index
    assert service._state().builds == 2
