"""Demand-driven training: the skill-gap report from open postings (region-scoped), the what-if
with the matching engine's hard limits, the one-step order-training course linked to the
employer and postings, and enrolling the job seekers who lack the certificate."""

import datetime as dt

import pytest
import sqlalchemy as sa

from jobmatch.errors import Conflict, ValidationError
from jobmatch.extensions import db
from jobmatch.jobs.enums import PostingStatus
from jobmatch.people.enums import EmploymentStatus, WorkPreference
from jobmatch.places.services import find_county, scope_for
from jobmatch.training import gap_whatif, gaps
from jobmatch.training import services as training
from jobmatch.training.enums import CourseKind
from jobmatch.training.models import Course, Enrollment
from tests.factories import make_people, make_site, person_fields
from tests.jobs.helpers import make_posting
from tests.training.helpers import certificate, make_provider, skill

TODAY = dt.date.today()


@pytest.fixture
def world(app):
    make_site()
    make_site(township="长安镇", site="长安1号安置点", lon=109.2, lat=32.4)
    make_site(county="岚皋县", township="四季镇", site="岚皋1号安置点", lon=108.9, lat=32.3)
    local = dict(work_preference=WorkPreference.LOCAL)
    people = make_people(
        # holds the forklift certificate; 41 years old
        person_fields(name="王叉车", birth_date=dt.date(1985, 3, 1), certificates=["叉车司机"], **local),
        # lacks it; 36, wants training
        person_fields(name="张小花", household_code="HH900002", male=False, birth_date=dt.date(1990, 5, 1),
                      wants_training=True, **local),
        # lacks it; 56 — too old for both postings
        person_fields(name="李长安", household_code="HH900003", township="长安镇", site="长安1号安置点",
                      birth_date=dt.date(1970, 1, 1), **local),
        # in work: not a job seeker
        person_fields(name="赵在岗", household_code="HH900004", birth_date=dt.date(1988, 1, 1),
                      employment_status=EmploymentStatus.LOCAL, **local),
        # another county
        person_fields(name="孙外县", household_code="HH900005", county="岚皋县", township="四季镇",
                      site="岚皋1号安置点", birth_date=dt.date(1991, 1, 1), **local),
    )
    forklift = certificate("叉车司机")
    p1 = make_posting(employer="平利县物流园", title="叉车工", headcount="3", certificates="叉车司机",
                      must_skills="叉车", min_age="18", max_age="55")
    p2 = make_posting(employer="平利县物流园", title="仓储叉车工", headcount="2", certificates="叉车司机",
                      min_age="18", max_age="40")
    make_posting(employer="平利县缝纫厂", title="缝纫工", headcount="4", must_skills="缝纫")
    make_posting(employer="平利县物流园", title="草稿岗位", headcount="9", certificates="叉车司机", publish=False)
    make_posting(county="岚皋县", employer="岚皋县物流", title="外县叉车工", headcount="7", certificates="叉车司机",
                 workplace="四季镇", site="岚皋1号安置点")
    make_provider()
    db.session.commit()
    return scope_for(region=find_county("平利县")), people, forklift, (p1, p2)


def test_gap_report_counts_open_postings_of_the_region_against_job_seekers(world):
    scope, _people, forklift, (p1, p2) = world
    report = gaps.skill_gap_report(scope)
    assert report.seekers == 3  # 王叉车, 张小花, 李长安 (not the employed, not the other county)
    assert report.postings == 3 and report.headcount == 3 + 2 + 4  # open postings of 平利县 only
    (cert,) = report.certificates
    assert (cert.id, cert.postings, cert.headcount, cert.have, cert.expired, cert.lack, cert.gap) == \
        (forklift.id, 2, 5, 1, 0, 2, 4)
    (employer,) = cert.employers
    assert employer.name == "平利县物流园" and sorted(employer.posting_ids) == sorted([p1.id, p2.id])
    names = {r.name: r for r in report.skills}
    assert names["缝纫"].postings == 1 and names["缝纫"].headcount == 4 and names["缝纫"].have == 0
    assert names["缝纫"].lack == 3
    assert set(names) == {"缝纫", "叉车"}


def test_what_if_opens_the_posting_nobody_could_take(world):
    scope, (wang, zhang, *_rest), forklift, (p1, p2) = world
    result = gap_whatif.postings_opened_if_certified(scope, forklift.id, 5)
    assert (result.postings, result.slots) == (2, 5)
    # before: only 王叉车 passes the limits, and only for the posting up to 55 (he is 41; the other stops at 40)
    assert result.reachable_before == 1 and result.fillable_before == 1
    # 张小花 (36) is the only one the certificate would help; 李长安 is too old for both
    assert result.candidates == 1 and result.chosen_person_ids == [zhang.id]
    assert result.opened == 1 and result.opened_posting_ids == [p2.id]
    assert result.fillable_after == 2 and result.slots_gained == 1
    assert gap_whatif.postings_opened_if_certified(scope, forklift.id, 0).chosen_person_ids == []


def test_order_course_links_employer_and_postings_and_refuses_foreign_or_closed_ones(world):
    scope, _people, forklift, (p1, p2) = world
    args = gaps.course_prefill("certificate", forklift.id, gaps.skill_gap_report(scope).certificates[0].employers[0],
                               forklift.name)
    assert args["kind"] == "订单培训" and args["certificate_id"] == forklift.id
    fields = training.CourseFields(
        name=args["name"], kind=CourseKind.ORDER, provider_id=make_provider().id,
        county_id=find_county("平利县").id, certificate_id=forklift.id, employer_id=args["employer_id"],
        posting_ids=tuple(int(i) for i in args["posting_ids"].split(",")), starts_on=TODAY + dt.timedelta(days=3),
        ends_on=TODAY + dt.timedelta(days=12), capacity=2)
    course = training.create_course(fields, scope=scope)
    db.session.commit()
    assert course.employer_name == "平利县物流园" and course.employer.id == p1.employer_id
    assert {p.id for p in course.postings} == {p1.id, p2.id}

    foreign = db.session.scalar(sa.select(type(p1)).where(type(p1).title == "外县叉车工"))
    draft = db.session.scalar(sa.select(type(p1)).where(type(p1).status == PostingStatus.DRAFT))
    for ids, message in (((foreign.id,), "不在您的管辖范围内"), ((draft.id,), "已不在招聘中"), ((999999,), "不存在")):
        fields.posting_ids = ids
        with pytest.raises(ValidationError, match=message):
            training.create_course(fields, scope=scope)
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 1


def test_enrol_many_is_all_or_nothing(world):
    scope, (wang, zhang, li, *_rest), forklift, _postings = world
    course = training.create_course(training.CourseFields(
        name="叉车司机订单培训班", kind=CourseKind.ORDER, provider_id=make_provider().id,
        county_id=find_county("平利县").id, certificate_id=forklift.id, skill_id=skill("叉车").id,
        employer_name="平利县物流园", starts_on=TODAY + dt.timedelta(days=3), ends_on=TODAY + dt.timedelta(days=12),
        capacity=1), scope=scope)
    db.session.commit()
    lacking = gaps.seekers_lacking(scope, course.county_id, skill_id=None, certificate_id=forklift.id)
    assert [p.name for p in lacking] == ["张小花", "李长安"]  # wants training first; the holder is left out
    with pytest.raises(Conflict, match="只剩 1 个名额"):
        training.enroll_many(course, [zhang, li], scope=scope)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 0
    training.enroll_many(course, [zhang], scope=scope)
    db.session.commit()
    assert [p.name for p in gaps.seekers_lacking(scope, course.county_id, skill_id=None, certificate_id=forklift.id,
                                                 exclude_course_id=course.id)] == ["李长安"]


def test_gap_pages_render_in_scope(client, login_as, world):
    _scope, _people, forklift, _postings = world
    login_as("county_reviewer")
    page = client.get("/staff/training/gaps")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "叉车司机" in html and "外县叉车工" not in html and "岚皋县物流" not in html
    assert "开设订单培训" in html and "employer_id=" in html and "posting_ids=" in html
    whatif = client.get(f"/staff/training/gaps/certificate/{forklift.id}?n=3")
    assert whatif.status_code == 200
    text = whatif.get_data(as_text=True)
    assert "多 1 个岗位" in text and "张小花" in text and "仓储叉车工" in text
    bad = client.get(f"/staff/training/gaps/certificate/{forklift.id}?n=0")
    assert bad.status_code in (400, 422) and "人数应为" in bad.get_data(as_text=True)
    assert client.get("/staff/training/gaps/certificate/999999?n=3").status_code == 404


def test_cached_figures_follow_every_write_of_this_process(app, world):
    from jobmatch.training import figures_cache

    scope, (wang, zhang, *_rest), forklift, _postings = world
    first = figures_cache.cached("gaps", scope, gaps.skill_gap_report)
    assert first.certificates[0].have == 1
    first.certificates[0].have = 99  # callers get a copy; the cache keeps its own
    assert figures_cache.cached("gaps", scope, gaps.skill_gap_report).certificates[0].have == 1
    training.award_certificate(zhang, forklift, awarded_on=TODAY - dt.timedelta(days=2), evidence="原件已核验")
    db.session.commit()
    assert figures_cache.cached("gaps", scope, gaps.skill_gap_report).certificates[0].have == 2
    app.config["TRAINING_FIGURES_CACHE_SECONDS"] = 0
    try:
        assert figures_cache.cached("gaps", scope, gaps.skill_gap_report).certificates[0].have == 2
    finally:
        app.config.pop("TRAINING_FIGURES_CACHE_SECONDS")
