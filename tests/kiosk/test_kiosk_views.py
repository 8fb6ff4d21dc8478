"""The kiosk through the WSGI client: terminals, identification and its throttle, visits, requests and
their queues, courses, the slip, self-registration and its review."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from jobmatch import create_app
from jobmatch.accounts.models import ThrottleHit
from jobmatch.config import TestingConfig
from jobmatch.extensions import db
from jobmatch.jobs.enums import ReferralOutcome
from jobmatch.jobs.models import Referral
from jobmatch.kiosk.models import (
    KioskRegistration,
    KioskRequest,
    KioskSession,
    RegistrationStatus,
    RequestStatus,
)
from jobmatch.people.models import Person
from jobmatch.training.enums import EnrollSource
from jobmatch.training.models import Enrollment
from tests.conftest import IsolatedClient, csrf_token_from
from tests.factories import make_id, make_person, make_site, make_user
from tests.kiosk.helpers import PHONE, as_terminal, build_world


def _token(client, path="/kiosk/identify") -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def identify(client, world, id_number=None, tail=None):
    return client.post("/kiosk/identify", data={
        "csrf_token": _token(client, "/kiosk/register"), "id_number": id_number or world.id_number, "phone_tail": tail or PHONE[-4:]})


def post(client, path, data=None, token_from="/kiosk/jobs"):
    data = dict(data or {})
    data["csrf_token"] = _token(client, token_from)
    return client.post(path, data=data)


@pytest.fixture
def world(app):
    return build_world(weak=True)


@pytest.fixture
def kiosk(client, world):
    as_terminal(client, world)
    return client


def test_an_unpaired_browser_sees_no_kiosk(client, world):
    response = client.get("/kiosk/")
    assert response.status_code == 403
    assert "还没有启用为自助终端" in response.get_data(as_text=True)
    client.set_cookie("jobmatch_kiosk_terminal", world.cookie[:-3] + "abc", domain="localhost")  # forged signature
    assert client.get("/kiosk/").status_code == 403


def test_identify_opens_a_visit_with_masked_id_and_no_store(kiosk, world):
    start = kiosk.get("/kiosk/")
    assert start.status_code == 200 and "我要找工作" in start.get_data(as_text=True)
    response = identify(kiosk, world)
    assert response.status_code == 302 and response.location.endswith("/kiosk/jobs")
    assert world.id_number not in response.location
    page = kiosk.get("/kiosk/jobs")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert world.id_number not in html and PHONE not in html
    assert world.id_number[:6] + "********" + world.id_number[-4:] in html
    assert "王**" in html and "王秀英" not in html
    assert "毛绒玩具缝制工" in html and "安置点保洁员" in html
    assert "电子厂普工" not in html  # the person wants work near home: 外出务工 only when they ask
    away = kiosk.get("/kiosk/jobs?f=away").get_data(as_text=True)
    assert "电子厂普工" in away and "毛绒玩具缝制工" not in away
    welfare = kiosk.get("/kiosk/jobs?f=welfare").get_data(as_text=True)
    assert "安置点保洁员" in welfare and "毛绒玩具缝制工" not in welfare
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KioskSession)) == 1


def test_wrong_input_gets_a_plain_sentence(kiosk, world):
    wrong_tail = identify(kiosk, world, tail="0000")
    assert wrong_tail.status_code == 422
    assert "身份证号或手机号后四位不对" in wrong_tail.get_data(as_text=True)
    malformed = identify(kiosk, world, id_number="61092619850601")
    assert malformed.status_code == 422 and "应为 18 位" in malformed.get_data(as_text=True)
    unknown = identify(kiosk, world, id_number=make_id())
    assert unknown.status_code == 422
    assert kiosk.get("/kiosk/jobs").status_code == 302


def test_no_phone_person_is_sent_to_the_desk(kiosk, world):
    number = make_id(male=False)
    make_person(id_number=number, name="李桂兰", household_code="HH900002", phone=None)
    response = identify(kiosk, world, id_number=number, tail="1234")
    assert response.status_code == 200
    assert "系统里没有您的手机号。请到服务台" in response.get_data(as_text=True)


def test_lookups_are_throttled_per_terminal_across_workers(app, kiosk, world):
    app.config["KIOSK_LOOKUP_MAX_FAILURES"] = 3
    for _ in range(3):
        assert identify(kiosk, world, tail="0000").status_code == 422
    locked = identify(kiosk, world)  # even the right numbers are refused while locked
    assert locked.status_code == 429
    assert "试错次数太多" in locked.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ThrottleHit)) == 3
    # a second server worker (its own app and connection pool, same database) sees the same lock
    other = create_app(TestingConfig, INSTANCE_PATH=app.instance_path, KIOSK_LOOKUP_MAX_FAILURES=3,
                       SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    other.test_client_class = IsolatedClient
    second = other.test_client()
    as_terminal(second, world)
    try:
        page = second.get("/kiosk/identify")
        assert page.status_code == 200 and "试错次数太多" in page.get_data(as_text=True)
        assert identify(second, world).status_code == 429
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_visit_ends_on_exit_and_after_idle(app, kiosk, world):
    identify(kiosk, world)
    assert kiosk.get("/kiosk/mine").status_code == 200
    visit = db.session.scalar(sa.select(KioskSession))
    visit.last_seen_at = visit.last_seen_at - dt.timedelta(seconds=app.config["KIOSK_IDLE_SECONDS"] + 60)
    db.session.commit()
    response = kiosk.get("/kiosk/mine")
    assert response.status_code == 302 and response.location.endswith("/kiosk/")
    db.session.expire_all()
    assert db.session.scalar(sa.select(KioskSession)).ended_at is not None
    identify(kiosk, world)
    ended = post(kiosk, "/kiosk/end")
    assert ended.status_code == 302
    assert kiosk.get("/kiosk/jobs").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KioskSession).where(
        KioskSession.ended_at.is_(None))) == 0


def test_want_goes_to_the_broker_and_clerk_queues_and_back(app, client, kiosk, world, login_as):
    identify(kiosk, world)
    kiosk.get("/kiosk/jobs")
    done = post(kiosk, f"/kiosk/jobs/{world.near.id}/want")
    assert done.status_code == 200 and "报好了" in done.get_data(as_text=True)
    again = post(kiosk, f"/kiosk/jobs/{world.near.id}/want")
    assert again.status_code == 409 and "已经报过" in again.get_data(as_text=True)
    assert post(kiosk, f"/kiosk/jobs/{world.away.id + 100}/want").status_code == 409  # never offered
    mine = kiosk.get("/kiosk/mine").get_data(as_text=True)
    assert "毛绒玩具缝制工" in mine and "等待工作人员处理" in mine

    broker_client = app.test_client()
    broker_client.set_cookie("jobmatch_session", "", domain="localhost")
    from tests.factories import PASSWORD

    def sign_in(c, user):
        token = csrf_token_from(c.get("/login").get_data(as_text=True))
        assert c.post("/login", data={"username": user.username, "password": PASSWORD,
                                      "csrf_token": token}).status_code == 302

    sign_in(broker_client, world.broker)
    queue = broker_client.get("/broker/kiosk-requests").get_data(as_text=True)
    assert "毛绒玩具缝制工" in queue and world.id_number not in queue
    other_broker = make_user("broker", username="broker_other")
    other_client = app.test_client()
    sign_in(other_client, other_broker)
    assert "毛绒玩具缝制工" not in other_client.get("/broker/kiosk-requests").get_data(as_text=True)

    request = db.session.scalar(sa.select(KioskRequest))
    token = csrf_token_from(broker_client.get("/broker/kiosk-requests").get_data(as_text=True))
    accepted = broker_client.post(f"/broker/kiosk-requests/{request.id}",
                                  data={"csrf_token": token, "action": "accept"})
    assert accepted.status_code == 302
    db.session.expire_all()
    request = db.session.get(KioskRequest, request.id)
    assert request.status is RequestStatus.REFERRED
    referral = db.session.get(Referral, request.referral_id)
    assert referral.outcome is ReferralOutcome.REFERRED and referral.referred_by_id == world.broker.id
    assert "已推荐（已推荐）" in kiosk.get("/kiosk/mine").get_data(as_text=True)

    # the site clerk declines another request with a reason the seeker reads
    post(kiosk, f"/kiosk/jobs/{world.welfare.id}/want")
    clerk_client = app.test_client()
    sign_in(clerk_client, world.clerk)
    page = clerk_client.get("/staff/kiosk/requests").get_data(as_text=True)
    assert "安置点保洁员" in page
    second = db.session.scalar(sa.select(KioskRequest).where(KioskRequest.posting_id == world.welfare.id))
    token = csrf_token_from(page)
    missing = clerk_client.post(f"/staff/kiosk/requests/{second.id}", data={"csrf_token": token, "action": "decline"})
    assert missing.status_code == 302
    db.session.expire_all()
    assert db.session.get(KioskRequest, second.id).status is RequestStatus.PENDING  # a reason is required
    clerk_client.post(f"/staff/kiosk/requests/{second.id}",
                      data={"csrf_token": token, "action": "decline", "reason": "岗位已有合适人选"})
    db.session.expire_all()
    assert db.session.get(KioskRequest, second.id).status is RequestStatus.DECLINED
    assert "没有通过：岗位已有合适人选" in kiosk.get("/kiosk/mine").get_data(as_text=True)


def test_a_clerk_of_another_county_sees_nothing(app, kiosk, world):
    identify(kiosk, world)
    kiosk.get("/kiosk/jobs")
    post(kiosk, f"/kiosk/jobs/{world.near.id}/want")
    make_site(county="岚皋县", township="城关镇", site="岚皋1号安置点")
    stranger = make_user("site_clerk", area="岚皋1号安置点")
    c = app.test_client()
    from tests.factories import PASSWORD
    token = csrf_token_from(c.get("/login").get_data(as_text=True))
    c.post("/login", data={"username": stranger.username, "password": PASSWORD, "csrf_token": token})
    assert "毛绒玩具缝制工" not in c.get("/staff/kiosk/requests").get_data(as_text=True)
    request = db.session.scalar(sa.select(KioskRequest))
    token = csrf_token_from(c.get("/staff/kiosk").get_data(as_text=True))
    response = c.post(f"/staff/kiosk/requests/{request.id}", data={"csrf_token": token, "action": "accept"})
    assert response.status_code == 404


def test_course_sign_up_at_the_kiosk(kiosk, world):
    identify(kiosk, world)
    page = kiosk.get("/kiosk/courses").get_data(as_text=True)
    assert "叉车司机培训班" in page and "您还没有这个证" in page
    done = post(kiosk, f"/kiosk/courses/{world.course.id}/signup", token_from="/kiosk/courses")
    assert done.status_code == 200 and "培训报好了" in done.get_data(as_text=True)
    enrollment = db.session.scalar(sa.select(Enrollment))
    assert enrollment.person_id == world.person.id and enrollment.source is EnrollSource.KIOSK
    assert "叉车司机培训班" not in kiosk.get("/kiosk/courses").get_data(as_text=True)
    again = post(kiosk, f"/kiosk/courses/{world.course.id}/signup", token_from="/kiosk/courses")
    assert again.status_code == 409
    assert "叉车司机培训班" in kiosk.get("/kiosk/mine").get_data(as_text=True)


def test_full_course_is_refused(kiosk, world):
    world.course.capacity = 1
    filler = make_person(id_number=make_id(male=False), name="张小红", household_code="HH900003")
    from jobmatch.training.services import enroll

    enroll(world.course, filler)
    db.session.commit()
    identify(kiosk, world)
    assert "叉车司机培训班" not in kiosk.get("/kiosk/courses").get_data(as_text=True)
    response = post(kiosk, f"/kiosk/courses/{world.course.id}/signup", token_from="/kiosk/courses")
    assert response.status_code == 409 and "不能报名" in response.get_data(as_text=True)


def test_the_slip_has_the_job_the_phone_and_a_qr_code(kiosk, world):
    identify(kiosk, world)
    kiosk.get("/kiosk/jobs")
    html = kiosk.get(f"/kiosk/jobs/{world.near.id}/slip").get_data(as_text=True)
    assert "毛绒玩具缝制工" in html and "0915-8421234" in html
    assert 'src="data:image/svg+xml' in html
    assert world.id_number not in html and "王" not in html.split('id="slip"')[1]
    assert kiosk.get(f"/kiosk/jobs/{world.away.id + 50}/slip").status_code == 404


def test_self_registration_is_reviewed_before_the_register(app, kiosk, world, login_as):
    number = make_id(dt.date(1990, 3, 3), male=False)
    form = {"id_number": number, "phone": "13700001111", "preference": "LOCAL", "training": "1"}
    response = post(kiosk, "/kiosk/register", form, token_from="/kiosk/register")
    assert response.status_code == 200 and "提交好了" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1  # nothing in the register yet
    assert post(kiosk, "/kiosk/register", form, token_from="/kiosk/register").status_code == 422  # already sent
    known = post(kiosk, "/kiosk/register", dict(form, id_number=world.id_number), token_from="/kiosk/register")
    assert known.status_code == 422 and "已经在登记名单" in known.get_data(as_text=True)
    bad = post(kiosk, "/kiosk/register", dict(form, phone="12345"), token_from="/kiosk/register")
    assert bad.status_code == 422 and "手机号不对" in bad.get_data(as_text=True)

    reg = db.session.scalar(sa.select(KioskRegistration))
    clerk = app.test_client()
    login_as("site_clerk", c=clerk)
    listing = clerk.get("/staff/kiosk/registrations").get_data(as_text=True)
    assert number not in listing and number[:6] + "********" + number[-4:] in listing
    page = clerk.get(f"/staff/kiosk/registrations/{reg.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    fields = {"csrf_token": token, "action": "approve", "name": "", "household_code": "HH900009",
              "relation": "户主", "labor_capacity": "强劳动力", "employment_status": "未就业", "work_preference": "县内就近"}
    refused = clerk.post(f"/staff/kiosk/registrations/{reg.id}", data=fields)
    assert refused.status_code == 422 and "必填" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1
    approved = clerk.post(f"/staff/kiosk/registrations/{reg.id}", data=dict(fields, name="赵春梅"))
    assert approved.status_code == 302
    db.session.expire_all()
    person = db.session.scalar(sa.select(Person).where(Person.name == "赵春梅"))
    assert person is not None and person.site_id == world.site.id and person.wants_training
    assert db.session.get(KioskRegistration, reg.id).status is RegistrationStatus.APPROVED
    # the newcomer can now use the kiosk
    assert identify(kiosk, world, id_number=number, tail="1111").status_code == 302
    assert "毛绒玩具缝制工" in kiosk.get("/kiosk/jobs").get_data(as_text=True)  # the engine knows them at once


def test_rejecting_a_registration_needs_a_reason(app, kiosk, world, login_as):
    number = make_id(dt.date(1992, 4, 4))
    post(kiosk, "/kiosk/register", {"id_number": number, "phone": "13700002222"}, token_from="/kiosk/register")
    reg = db.session.scalar(sa.select(KioskRegistration))
    clerk = app.test_client()
    login_as("site_clerk", c=clerk)
    token = csrf_token_from(clerk.get(f"/staff/kiosk/registrations/{reg.id}").get_data(as_text=True))
    assert clerk.post(f"/staff/kiosk/registrations/{reg.id}", data={"csrf_token": token, "action": "reject"}
                      ).status_code == 422
    assert clerk.post(f"/staff/kiosk/registrations/{reg.id}",
                      data={"csrf_token": token, "action": "reject", "reason": "不是本安置点搬迁户"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(KioskRegistration, reg.id).status is RegistrationStatus.REJECTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1


def test_pairing_signs_the_clerk_out_and_staff_login_is_refused_on_a_terminal(app, client, world, login_as):
    login_as("site_clerk")
    page = client.get("/staff/kiosk")
    assert page.status_code == 200 and "一号自助机" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    paired = client.post("/staff/kiosk/pair", data={"csrf_token": token, "site_id": world.site.id, "name": "二号机"})
    assert paired.status_code == 302 and paired.location.endswith("/kiosk/")
    assert "jobmatch_kiosk_terminal" in paired.headers.get("Set-Cookie", "")
    assert client.get("/kiosk/").status_code == 200
    assert client.get("/staff/").status_code == 302  # signed out
    login = client.get("/login")
    assert login.status_code == 403 and "不能登录工作人员账号" in login.get_data(as_text=True)
    assert 'name="password"' not in login.get_data(as_text=True)


def test_a_staff_session_is_ended_when_a_kiosk_page_opens(client, world, login_as):
    login_as("site_clerk")
    as_terminal(client, world)
    assert client.get("/kiosk/").status_code == 200
    assert client.get("/staff/").status_code == 302


def test_a_revoked_terminal_stops_working(app, kiosk, world, login_as):
    identify(kiosk, world)
    clerk = app.test_client()
    login_as("site_clerk", c=clerk)
    token = csrf_token_from(clerk.get("/staff/kiosk").get_data(as_text=True))
    assert clerk.post(f"/staff/kiosk/terminals/{world.terminal.id}/revoke", data={"csrf_token": token}).status_code == 302
    assert kiosk.get("/kiosk/jobs").status_code == 403
    assert kiosk.get("/login").status_code == 200  # a revoked terminal is an ordinary browser again


def test_ping_keeps_a_visit_alive_only_while_it_is_open(app, kiosk, world):
    assert kiosk.post("/kiosk/ping").status_code == 410
    identify(kiosk, world)
    visit = db.session.scalar(sa.select(KioskSession))
    visit.last_seen_at = visit.last_seen_at - dt.timedelta(seconds=60)
    db.session.commit()
    assert kiosk.post("/kiosk/ping").status_code == 204
    db.session.expire_all()
    assert (dt.datetime.now(dt.UTC).replace(tzinfo=None) - db.session.scalar(
        sa.select(KioskSession.last_seen_at))).total_seconds() < 30


def test_a_person_not_yet_in_the_engine_gets_jobs_once_it_is(monkeypatch, kiosk, world):
    from jobmatch.matching import service

    real = service.rank_for_person

    def not_yet(person_id, **kw):
        raise service.UnknownPerson(person_id)

    identify(kiosk, world)
    monkeypatch.setattr(service, "rank_for_person", not_yet)
    page = kiosk.get("/kiosk/jobs").get_data(as_text=True)
    assert 'id="no-jobs"' in page
    db.session.expire_all()
    assert db.session.scalar(sa.select(KioskSession.ranking)) is None  # nothing empty was kept
    monkeypatch.setattr(service, "rank_for_person", real)
    assert "毛绒玩具缝制工" in kiosk.get("/kiosk/jobs").get_data(as_text=True)
