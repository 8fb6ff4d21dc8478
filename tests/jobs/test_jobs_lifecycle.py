"""Posting life cycle, referrals, outcomes and placements, and the status history they write."""

import datetime as dt

import pytest
import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.errors import Conflict, ValidationError
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.jobs.enums import PostingStatus, ReferralOutcome
from jobmatch.jobs.models import Posting, Referral
from jobmatch.people.enums import EmploymentStatus, LaborCapacity, StatusSource, WorkPreference
from jobmatch.people.models import Person, StatusEvent
from tests.factories import make_people, make_site, make_user, person_fields
from tests.jobs.helpers import make_posting, posting_raw

DAY = dt.timedelta(days=1)


@pytest.fixture
def county(app):
    make_site()
    make_site(township="长安镇", site="长安1号安置点", lon=109.51, lat=32.14)


def seeker(**kw) -> Person:
    defaults = dict(name="王秀英", work_preference=WorkPreference.ANY, household_code=f"HH{abs(hash(kw.get('name', 'x'))) % 10**6:06d}")
    defaults.update(kw)
    return make_people(person_fields(**defaults), effective_on=today() - dt.timedelta(days=400))[0]


def history(person) -> list[tuple]:
    db.session.expire_all()
    events = db.session.scalars(sa.select(StatusEvent).where(StatusEvent.person_id == person.id)
                                .order_by(StatusEvent.effective_on, StatusEvent.id)).all()
    return [(e.effective_on, e.status, e.source) for e in events]


def test_draft_open_filled_and_reopened_when_headcount_grows(county):
    broker = make_user("broker")
    posting = make_posting(broker=broker, publish=False, headcount="1")
    assert posting.status is PostingStatus.DRAFT and posting.code.startswith("GW")
    jobs.publish_posting(posting, actor=broker)
    assert posting.status is PostingStatus.OPEN and posting.opened_on == today()
    person = seeker()
    referral = jobs.refer(person, posting, actor=broker, on=today() - 3 * DAY)
    jobs.record_outcome(referral, ReferralOutcome.HIRED, actor=broker, started_on=today() - 2 * DAY)
    db.session.commit()
    assert posting.status is PostingStatus.FILLED and posting.closed_on == today()
    jobs.save_posting(posting_raw(headcount="2"), county=posting.county, actor=broker, posting=posting)
    assert posting.status is PostingStatus.OPEN and posting.closed_on is None


def test_close_and_expire_automatically(county):
    posting = make_posting()
    jobs.close_posting(posting)
    assert posting.status is PostingStatus.CLOSED
    other = make_posting(title="保洁")
    other.deadline = today() - DAY  # the deadline passes
    db.session.commit()
    page = jobs.list_postings(jobmatch_scope())
    db.session.refresh(other)
    assert other.status is PostingStatus.EXPIRED and other.closed_on == today()
    assert page.total == 2
    with pytest.raises(ValidationError, match="截止日期"):
        jobs.publish_posting(other)


def jobmatch_scope():
    from jobmatch.places.services import all_sites_scope

    return all_sites_scope()


@pytest.mark.parametrize("field,value,message", [
    ("deadline", (today() - DAY).isoformat(), "新发布的岗位截止日期不能早于今天"),
    ("min_age", "60", "最低年龄（60 岁）不能高于最高年龄（55 岁）"),
    ("wage_min", "5000", "月薪下限（5000 元）不能高于上限（3200 元）"),
    ("headcount", "0", "招聘人数至少为 1 人"),
    ("certificates", "护理证", "证书目录中没有“护理证”，最接近的是：养老护理员"),
    ("province", "江苏苏州", "“江苏苏州”不是省份名称，是不是“江苏”？"),
])
def test_bad_posting_input_is_refused_in_chinese_and_nothing_is_written(county, field, value, message):
    with pytest.raises(ValidationError) as err:
        make_posting(**{field: value})
    db.session.rollback()
    assert message in err.value.fields[field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Posting)) == 0


def test_hire_into_out_of_province_job_records_status_from_start_date_and_exit_records_unemployed(county):
    person = seeker()
    posting = make_posting(employer="江苏劳务协作站", channel="劳务输出", title="电子厂普工", province="江苏",
                           site="", workplace="江苏苏州", hours="两班倒", board_lodging="是")
    referral = jobs.refer(person, posting, on=today() - 40 * DAY)
    jobs.record_outcome(referral, ReferralOutcome.INTERVIEW, on=today() - 35 * DAY)
    jobs.record_outcome(referral, ReferralOutcome.HIRED, on=today() - 30 * DAY, started_on=today() - 30 * DAY)
    db.session.commit()
    assert history(person)[-1] == (today() - 30 * DAY, EmploymentStatus.OUT_OF_PROVINCE, StatusSource.PLACEMENT)
    assert db.session.get(Person, person.id).workplace == "江苏劳务协作站"
    jobs.record_outcome(referral, ReferralOutcome.LEFT, ended_on=today() - 5 * DAY)
    db.session.commit()
    assert history(person)[-2:] == [
        (today() - 30 * DAY, EmploymentStatus.OUT_OF_PROVINCE, StatusSource.PLACEMENT),
        (today() - 5 * DAY, EmploymentStatus.UNEMPLOYED, StatusSource.PLACEMENT),
    ]
    assert [e.outcome for e in referral.events] == [ReferralOutcome.REFERRED, ReferralOutcome.INTERVIEW,
                                                   ReferralOutcome.HIRED, ReferralOutcome.LEFT]


@pytest.mark.parametrize("kw,status", [
    ({}, EmploymentStatus.LOCAL),
    ({"channel": "公益性岗位", "employer": "城关镇人民政府", "title": "保洁公益岗"}, EmploymentStatus.PUBLIC_WELFARE),
    ({"channel": "其他", "site": "", "workplace": "安康市高新区", "employer": "安康高新区某企业"}, EmploymentStatus.IN_PROVINCE),
    ({"channel": "其他", "site": "", "workplace": "平利县城关镇", "employer": "县城某超市"}, EmploymentStatus.LOCAL),
    ({"channel": "劳务输出", "site": "", "province": "广东省", "employer": "广东劳务协作站"}, EmploymentStatus.OUT_OF_PROVINCE),
])
def test_status_mapping_by_channel_and_place(county, kw, status):
    person = seeker(labor_capacity=LaborCapacity.WEAK)
    posting = make_posting(**kw)
    referral = jobs.refer(person, posting)
    jobs.record_outcome(referral, ReferralOutcome.HIRED)
    db.session.commit()
    assert db.session.get(Person, person.id).employment_status is status


def test_exit_does_not_overwrite_a_later_status_change(county):
    from jobmatch.people.services import record_status

    person = seeker()
    posting = make_posting()
    referral = jobs.refer(person, posting, on=today() - 20 * DAY)
    jobs.record_outcome(referral, ReferralOutcome.HIRED, started_on=today() - 20 * DAY)
    record_status(person, EmploymentStatus.SELF_EMPLOYED, today() - 10 * DAY, source=StatusSource.EDIT)
    jobs.record_outcome(referral, ReferralOutcome.LEFT, ended_on=today() - 5 * DAY)
    db.session.commit()
    assert db.session.get(Person, person.id).employment_status is EmploymentStatus.SELF_EMPLOYED


def test_no_two_full_time_placements_and_no_over_filling(county):
    a, b = seeker(name="甲"), seeker(name="乙")
    first = make_posting(headcount="1")
    second = make_posting(title="包装工", employer="城关包装社区工厂")
    r1 = jobs.refer(a, first, on=today() - 3 * DAY)
    jobs.record_outcome(r1, ReferralOutcome.HIRED, started_on=today() - 3 * DAY)
    db.session.commit()
    r2 = jobs.refer(a, second)
    with pytest.raises(Conflict, match="同一人不能同时有两份全职工作"):
        jobs.record_outcome(r2, ReferralOutcome.HIRED)
    db.session.rollback()
    # the filled posting takes no more referrals, let alone hires
    with pytest.raises(Conflict, match="已招满"):
        jobs.refer(b, db.session.get(Posting, first.id))
    db.session.rollback()
    posting = db.session.get(Posting, first.id)
    posting.status = PostingStatus.OPEN  # even if the status were stale, the hire count guards
    r3 = Referral(person_id=b.id, posting_id=posting.id, referred_on=today(), outcome=ReferralOutcome.REFERRED)
    db.session.add(r3)
    db.session.flush()
    with pytest.raises(Conflict, match="达到招聘人数"):
        jobs.record_outcome(r3, ReferralOutcome.HIRED)


def test_flexible_hours_work_can_be_held_beside_a_full_time_job(county):
    person = seeker()
    day_job = make_posting()
    piecework = make_posting(title="手工串珠", employer="城关串珠就业工坊", hours="弹性")
    r1 = jobs.refer(person, day_job, on=today() - 3 * DAY)
    jobs.record_outcome(r1, ReferralOutcome.HIRED, started_on=today() - 3 * DAY)
    r2 = jobs.refer(person, piecework)
    jobs.record_outcome(r2, ReferralOutcome.HIRED)
    assert r2.outcome is ReferralOutcome.HIRED


@pytest.mark.parametrize("start_offset,end_offset,message", [
    (-5, None, None),
    (3, None, "入职日期不能晚于今天"),
    (-30, None, "入职日期不能早于推荐日期"),
])
def test_hire_dates_are_checked(county, start_offset, end_offset, message):
    person = seeker()
    referral = jobs.refer(person, make_posting(), on=today() - 10 * DAY)
    started = today() + start_offset * DAY
    if message is None:
        jobs.record_outcome(referral, ReferralOutcome.HIRED, started_on=started)
        assert referral.started_on == started
    else:
        with pytest.raises(ValidationError, match=message):
            jobs.record_outcome(referral, ReferralOutcome.HIRED, started_on=started)


def test_end_date_before_start_date_is_refused(county):
    person = seeker()
    referral = jobs.refer(person, make_posting(), on=today() - 10 * DAY)
    jobs.record_outcome(referral, ReferralOutcome.HIRED, started_on=today() - 5 * DAY)
    with pytest.raises(ValidationError, match="离职日期不能早于入职日期"):
        jobs.record_outcome(referral, ReferralOutcome.LEFT, ended_on=today() - 6 * DAY)


def test_outcome_transitions_are_enforced(county):
    referral = jobs.refer(seeker(), make_posting())
    jobs.record_outcome(referral, ReferralOutcome.DECLINED)
    with pytest.raises(ValidationError, match="不能从“本人放弃”改为“录用”"):
        jobs.record_outcome(referral, ReferralOutcome.HIRED)


def test_a_person_cannot_be_referred_twice_while_pending(county):
    person, posting = seeker(), make_posting()
    jobs.refer(person, posting, on=today() - DAY)
    with pytest.raises(Conflict, match="请先登记上次推荐的结果"):
        jobs.refer(person, posting)
