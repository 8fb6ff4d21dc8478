"""The four-level chain, assistance plans, visits, the queue and the pages that drive them."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.errors import PermissionDenied, ValidationError
from jobmatch.extensions import db
from jobmatch.monitoring import chain, plans
from jobmatch.monitoring.enums import EpisodeOrigin, MeasureKind, ProposalState
from jobmatch.monitoring.models import StatusProposal
from jobmatch.people.enums import EmploymentStatus, StatusSource
from jobmatch.people.models import StatusEvent
from jobmatch.places.services import all_sites_scope
from tests.conftest import csrf_token_from
from tests.factories import make_site, make_user
from tests.monitoring.helpers import episodes_of, household

S = EmploymentStatus


@pytest.fixture
def site(app):
    make_site(township="长安镇", site="长安1号安置点")
    return make_site()


def test_change_into_unemployment_needs_the_county_and_then_enters_the_history(site):
    worker, _ = household("HH300001", S.OUT_OF_PROVINCE, effective_on=today() - dt.timedelta(days=100))
    collector, town, county = make_user("site_clerk"), make_user("township_clerk"), make_user("county_reviewer")
    back = today() - dt.timedelta(days=5)
    p = chain.propose(worker, S.UNEMPLOYED, back, discovered_on=today() - dt.timedelta(days=2), actor=collector,
                      note="春节后未返岗")
    db.session.commit()
    assert p.state is ProposalState.PENDING_TOWNSHIP and p.needs_county_review
    with pytest.raises(ValidationError):  # one open proposal per person
        chain.propose(worker, S.LOCAL, today(), discovered_on=today(), actor=collector)
    with pytest.raises(PermissionDenied):
        chain.confirm(p, actor=collector)
    chain.confirm(p, actor=town)
    assert p.state is ProposalState.PENDING_COUNTY and p.confirmed_at is not None
    assert worker.employment_status is S.OUT_OF_PROVINCE and episodes_of(worker.household_id) == []
    with pytest.raises(PermissionDenied):
        chain.approve(p, actor=town)
    chain.approve(p, actor=county)
    db.session.commit()
    assert p.state is ProposalState.APPLIED and p.reviewed_at >= p.confirmed_at >= p.proposed_at
    event = db.session.scalar(sa.select(StatusEvent).where(StatusEvent.person_id == worker.id)
                              .order_by(StatusEvent.id.desc()).limit(1))
    assert (event.status, event.effective_on, event.previous_status) == (S.UNEMPLOYED, back, S.OUT_OF_PROVINCE)
    [ep] = episodes_of(worker.household_id)
    assert ep.origin is EpisodeOrigin.RETURNED_HOME and ep.detected_on == back
    [row] = [r for r in chain.timeliness_by_township(all_sites_scope()) if r.name == "城关镇"]
    assert row.proposals == 1 and row.discover_to_entry == 2 and row.episodes == 1 and row.without_help == 1


def test_change_between_employed_statuses_takes_effect_on_confirmation(site):
    worker, _ = household("HH300002", S.LOCAL)
    p = chain.propose(worker, S.OUT_OF_PROVINCE, today(), discovered_on=today(), actor=make_user("site_clerk"),
                      workplace="浙江宁波")
    chain.confirm(p, actor=make_user("township_clerk"))
    assert p.state is ProposalState.APPLIED and not p.needs_county_review
    assert worker.employment_status is S.OUT_OF_PROVINCE and worker.workplace == "浙江宁波"


def test_rejection_needs_a_reason_and_changes_nothing(site):
    worker, _ = household("HH300003", S.LOCAL)
    p = chain.propose(worker, S.UNEMPLOYED, today(), discovered_on=today(), actor=make_user("site_clerk"))
    town = make_user("township_clerk")
    with pytest.raises(ValidationError):
        chain.reject(p, "", actor=town)
    chain.reject(p, "经核实仍在岗", actor=town)
    assert p.state is ProposalState.REJECTED and worker.employment_status is S.LOCAL


def test_measures_with_deadlines_fill_the_responsible_persons_queue(site):
    worker, _ = household("HH300004", S.UNEMPLOYED)
    town = make_user("township_clerk")
    other_town = make_user("township_clerk", "长安镇")
    plan = plans.ensure_plan(worker.household, actor=town, summary="夫妻二人均未就业，需照顾老人")
    with pytest.raises(ValidationError):  # the responsible person must cover the site
        plans.add_measure(plan, kind=MeasureKind.REFERRAL, description="推荐社区工厂", responsible_id=other_town.id,
                          due_on=today(), actor=town)
    late = plans.add_measure(plan, kind=MeasureKind.REFERRAL, description="推荐社区工厂岗位", responsible_id=town.id,
                             due_on=today() - dt.timedelta(days=1), actor=town)
    soon = plans.add_measure(plan, kind=MeasureKind.TRAINING, description="报名家政培训", responsible_id=town.id,
                             due_on=today() + dt.timedelta(days=10), actor=town)
    db.session.commit()
    queue = plans.my_queue(town, all_sites_scope())
    assert [(r.measure.id, r.is_overdue) for r in queue] == [(late.id, True), (soon.id, False)]
    assert plans.my_queue(other_town, all_sites_scope()) == []
    plans.complete_measure(late, done_on=today(), note="已面试", actor=town)
    assert [r.measure.id for r in plans.my_queue(town, all_sites_scope())] == [soon.id]
    assert plans.overdue_measures(all_sites_scope()) == 0


def test_pages_walk_a_proposal_through_three_roles(site, app):

    from tests.factories import PASSWORD

    worker, _ = household("HH300005", S.LOCAL, effective_on=today() - dt.timedelta(days=30))

    def signed_in(role):
        user = make_user(role)
        c = app.test_client()
        token = csrf_token_from(c.get("/login").get_data(as_text=True))
        assert c.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}).status_code == 302
        return c

    collector = signed_in("site_clerk")
    form = collector.get(f"/staff/monitoring/people/{worker.id}/propose").get_data(as_text=True)
    r = collector.post(f"/staff/monitoring/people/{worker.id}/propose", data={
        "csrf_token": csrf_token_from(form), "status": "未就业", "effective_on": today().isoformat(),
        "discovered_on": today().isoformat(), "note": "工厂停工"})
    assert r.status_code == 302
    proposal = db.session.scalar(sa.select(StatusProposal))
    town = signed_in("township_clerk")
    page = town.get("/staff/monitoring/proposals").get_data(as_text=True)
    assert "工厂停工" in page and "确认" in page
    assert town.post(f"/staff/monitoring/proposals/{proposal.id}/confirm",
                     data={"csrf_token": csrf_token_from(page)}).status_code == 302
    county = signed_in("county_reviewer")
    page = county.get("/staff/monitoring/queue").get_data(as_text=True)
    assert "待我处理的状态变更（1）" in page
    page = county.get("/staff/monitoring/proposals").get_data(as_text=True)
    assert county.post(f"/staff/monitoring/proposals/{proposal.id}/approve",
                       data={"csrf_token": csrf_token_from(page)}).status_code == 302
    db.session.expire_all()
    assert worker.employment_status is S.UNEMPLOYED
    assert len(episodes_of(worker.household_id)) == 1
    page = county.get("/staff/monitoring/timeliness").get_data(as_text=True)
    assert "城关镇" in page


def test_household_page_validation_errors_are_in_chinese_and_nothing_is_written(site, client, login_as):
    worker, _ = household("HH300006", S.UNEMPLOYED)
    login_as("township_clerk")
    page = client.get(f"/staff/monitoring/households/{worker.household_id}").get_data(as_text=True)
    token = csrf_token_from(page)
    r = client.post(f"/staff/monitoring/households/{worker.household_id}/visits",
                    data={"csrf_token": token, "visited_on": "", "reached": "1", "note": ""})
    assert r.status_code == 422 and "请填写走访日期" in r.get_data(as_text=True)
    r = client.post(f"/staff/monitoring/households/{worker.household_id}/measures",
                    data={"csrf_token": token, "kind": "推荐就业", "description": "", "due_on": ""})
    assert r.status_code == 422 and "请填写措施内容" in r.get_data(as_text=True)
    [ep] = episodes_of(worker.household_id)
    r = client.post(f"/staff/monitoring/episodes/{ep.id}/exit",
                    data={"csrf_token": token, "state": "三个月失联", "evidence": "电话停机，邻居说已外出半年。"})
    assert r.status_code == 422 and "未联系上的走访记录" in r.get_data(as_text=True)
    assert plans.plan_of(worker.household_id) is None and plans.visits_of(worker.household_id) == []
    assert episodes_of(worker.household_id)[0].is_active


def test_site_clerk_cannot_exit_and_placement_source_is_honoured(site, client, login_as):
    worker, _ = household("HH300007", S.UNEMPLOYED)
    login_as("site_clerk")
    page = client.get(f"/staff/monitoring/households/{worker.household_id}").get_data(as_text=True)
    assert "办理政策退出" not in page
    [ep] = episodes_of(worker.household_id)
    r = client.post(f"/staff/monitoring/episodes/{ep.id}/exit", data={"csrf_token": csrf_token_from(page),
                                                                      "state": "迁出或户籍注销", "evidence": "x" * 20})
    assert r.status_code == 403
    from jobmatch.people import services as people

    people.record_status(worker, S.PUBLIC_WELFARE, today(), source=StatusSource.PLACEMENT, workplace="保洁")
    db.session.commit()
    assert episodes_of(worker.household_id)[0].cleared_on == today()
