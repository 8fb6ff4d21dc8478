"""Staff job pages: region scope in every list, referral queue, batches, employers, performance."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.jobs.enums import ReferralOutcome
from jobmatch.jobs.models import DepartureMember, Employer
from jobmatch.people.enums import EmploymentStatus, LaborCapacity, WorkPreference
from jobmatch.people.models import Person
from tests.conftest import csrf_token_from
from tests.factories import make_people, make_site, make_user, person_fields
from tests.jobs.helpers import make_posting

ID_RE = re.compile(r"(?<![0-9])\d{17}[\dX](?![0-9])")
DAY = dt.timedelta(days=1)
PAGES = ["/staff/jobs/postings", "/staff/jobs/referrals", "/staff/jobs/referrals?view=placed",
         "/staff/jobs/referrals?view=all", "/staff/jobs/batches", "/staff/jobs/subsidies", "/staff/jobs/performance",
         "/staff/jobs/employers"]


@pytest.fixture
def region(app):
    make_site()
    make_site(township="长安镇", site="长安1号安置点", lon=109.51, lat=32.14)
    here, there = make_people(
        person_fields(name="城关甲", work_preference=WorkPreference.ANY),
        person_fields(name="长安乙", household_code="HH900002", township="长安镇", site="长安1号安置点",
                      work_preference=WorkPreference.ANY),
        effective_on=today() - dt.timedelta(days=300),
    )
    broker = make_user("broker", username="broker_x")
    factory = make_posting(broker=broker)
    export = make_posting(employer="江苏劳务协作站", channel="劳务输出", title="电子厂普工", province="江苏", site="",
                          workplace="江苏苏州")
    r1 = jobs.refer(here, factory, actor=broker, on=today() - 20 * DAY)
    jobs.record_outcome(r1, ReferralOutcome.HIRED, started_on=today() - 10 * DAY)
    r2 = jobs.refer(there, export, on=today() - 20 * DAY)
    db.session.commit()
    return {"here": here, "there": there, "factory": factory, "export": export, "r1": r1, "r2": r2}


@pytest.mark.parametrize("role,area,sees_there", [
    ("county_reviewer", "平利县", True), ("township_clerk", "城关镇", False), ("site_clerk", "城关1号安置点", False),
    ("city_admin", "安康市", True),
])
def test_job_pages_are_scoped_and_masked(client, login_as, region, role, area, sees_there):
    login_as(role, area)
    seen = ""
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        seen += response.get_data(as_text=True)
    for posting in (region["factory"], region["export"]):
        response = client.get(f"/staff/jobs/postings/{posting.id}")
        assert response.status_code == 200
        seen += response.get_data(as_text=True)
    assert not ID_RE.search(seen)
    assert "城关甲" in seen
    assert ("长安乙" in seen) is sees_there
    assert client.get(f"/staff/jobs/people/{region['there'].id}/postings").status_code == (200 if sees_there else 404)
    token = csrf_token_from(seen)
    response = client.post(f"/staff/jobs/referrals/{region['r2'].id}/outcome",
                           data={"csrf_token": token, "outcome": "未录用"})
    assert response.status_code == (302 if sees_there else 404)


def test_referral_queue_records_a_hire_and_updates_the_status(client, login_as, region):
    login_as("county_reviewer")
    page = client.get("/staff/jobs/referrals").get_data(as_text=True)
    assert f'data-referral="{region["r2"].id}"' in page and f'data-referral="{region["r1"].id}"' not in page
    token = csrf_token_from(page)
    start = today() - 2 * DAY
    response = client.post(f"/staff/jobs/referrals/{region['r2'].id}/outcome",
                           data={"csrf_token": token, "outcome": "录用", "on": start.isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(Person, region["there"].id)
    assert person.employment_status is EmploymentStatus.OUT_OF_PROVINCE and person.status_since == start
    placed = client.get("/staff/jobs/referrals?view=placed").get_data(as_text=True)
    assert "长安乙" in placed and "城关甲" in placed


def test_staff_refer_from_the_person_page_and_the_shortlist(client, login_as, region):
    login_as("county_reviewer")
    (other,) = make_people(person_fields(name="丙待业", household_code="HH900003", work_preference=WorkPreference.LOCAL,
                                         labor_capacity=LaborCapacity.FULL), effective_on=today() - 300 * DAY)
    page = client.get(f"/staff/jobs/people/{other.id}/postings").get_data(as_text=True)
    assert region["factory"].title in page  # local factory job: eligible
    assert "岗位在省外（江苏），您希望县内就近就业" in page  # labor export: excluded, with the engine's reason
    shortlist = client.get(f"/staff/jobs/postings/{region['factory'].id}").get_data(as_text=True)
    assert "丙待业" in shortlist
    token = csrf_token_from(shortlist)
    response = client.post(f"/staff/jobs/postings/{region['factory'].id}/refer/{other.id}", data={"csrf_token": token})
    assert response.status_code == 302
    assert jobs.open_referral(other.id, region["factory"].id) is not None


def test_departure_batch_with_hired_people(client, login_as, region):
    login_as("county_reviewer")
    r2 = region["r2"]
    jobs.record_outcome(db.session.get(type(r2), r2.id), ReferralOutcome.HIRED, started_on=today() - DAY)
    db.session.commit()
    page = client.get("/staff/jobs/batches").get_data(as_text=True)
    token = csrf_token_from(page)
    bad = client.post("/staff/jobs/batches", data={"csrf_token": token, "name": "", "departs_on": "",
                                                   "destination": "江苏苏州", "contact_phone": "123"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "请填写批次名称" in html and "请填写出发日期" in html and "电话应为 11 位手机号" in html
    response = client.post("/staff/jobs/batches", data={
        "csrf_token": token, "name": "2026年冬季江苏苏州第一批", "departs_on": today().isoformat(),
        "destination": "江苏苏州", "posting_id": str(region["export"].id), "contact_name": "苏州站刘站长",
        "contact_phone": "0512-65432100"})
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    page = client.get(batch_url).get_data(as_text=True)
    assert "长安乙" in page and 'id="candidates"' in page
    response = client.post(batch_url, data={"csrf_token": token, "referral_id": str(r2.id)})
    assert response.status_code == 302
    page = client.get(batch_url).get_data(as_text=True)
    assert 'id="candidates"' not in page and "随队人员（1 人）" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DepartureMember)) == 1


def test_park_employer_share_of_relocated_workers(client, login_as, region):
    login_as("county_reviewer")
    employer = region["factory"].employer
    token = csrf_token_from(client.get(f"/staff/jobs/employers/{employer.id}/edit").get_data(as_text=True))
    response = client.post(f"/staff/jobs/employers/{employer.id}/edit", data={
        "csrf_token": token, "name": employer.name, "kind": "社区工厂", "site": "城关1号安置点", "is_park": "y",
        "workforce": "3"})
    assert response.status_code == 302
    page = client.get("/staff/jobs/employers").get_data(as_text=True)
    row = re.search(r'<table class="data" id="park-shares">.*?</table>', page, re.S).group(0)
    assert "33.3%" in row and "低于 50%" in row
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).workforce_on == today()


def test_performance_per_broker_and_employer(client, login_as, region):
    login_as("county_reviewer")
    page = client.get("/staff/jobs/performance").get_data(as_text=True)
    brokers = re.search(r'id="broker-performance".*?</table>', page, re.S).group(0)
    assert "broker_x" in brokers and "<td>1</td><td>1</td><td>100.0%</td>" in brokers
    employers = re.search(r'id="employer-performance".*?</table>', page, re.S).group(0)
    assert "江苏劳务协作站" in employers and "城关毛绒玩具社区工厂" in employers


def test_import_page_offers_postings_and_outcomes(client, login_as, region):
    login_as("county_reviewer")
    page = client.get("/staff/import").get_data(as_text=True)
    assert '<option value="postings">岗位</option>' in page and '<option value="outcomes">推荐记录</option>' in page
