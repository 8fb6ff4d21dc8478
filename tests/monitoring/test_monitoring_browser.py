"""Real headless Chromium: a township clerk records that a household's only worker came home,
finds the household on the zero-employment list, draws up its assistance plan with a measure,
logs a visit, sees the measure in the queue, and the dashboard draws its charts from the project."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.monitoring.models import AssistancePlan, PlanMeasure, Visit
from jobmatch.people.enums import EmploymentStatus
from tests.factories import PASSWORD, make_site, make_user
from tests.monitoring.helpers import episodes_of, household

pytestmark = pytest.mark.browser


def test_clerk_goes_from_a_new_zero_employment_household_to_a_plan_and_a_visit(app, live_server, page):
    make_site()
    make_site(township="长安镇", site="长安1号安置点")
    worker, _elder = household("HH400001", EmploymentStatus.OUT_OF_PROVINCE, effective_on=today() - dt.timedelta(days=90))
    household("HH400002", EmploymentStatus.UNEMPLOYED, township="长安镇", site="长安1号安置点")
    clerk = make_user("township_clerk", username="zhangjing")
    failed: list[str] = []
    requests: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and not r.url.endswith("favicon.ico") else None)
    page.on("request", lambda r: requests.append(r.url))

    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", clerk.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/staff/")

    # nobody on the list yet in 城关镇 (长安镇's household is not ours)
    page.click("nav.mainnav >> text=就业监测")
    page.click("nav.pager >> text=零就业家庭")
    assert "名单为空" in page.inner_text("#zero-households")

    # the only worker comes home: record it on the person's page
    page.goto(f"{live_server}/staff/people/{worker.id}")
    page.select_option("select[name=employment_status]", "未就业")
    page.fill("input[name=effective_on]", (today() - dt.timedelta(days=1)).isoformat())
    page.click("button:has-text('记录变化')")
    page.wait_for_selector(".flash")

    page.goto(f"{live_server}/staff/monitoring/zero")
    row = page.locator("#zero-households tr[data-household=HH400001]")
    assert "失业返乡" in row.inner_text()
    assert "HH400002" not in page.inner_text("#zero-households")
    row.locator("a").click()
    page.wait_for_selector("#zero-state")
    assert "零就业" in page.inner_text("#zero-state")

    page.fill("#plan-form textarea[name=summary]", "唯一劳动力省外返乡，家有老人，希望就近务工。")
    page.click("#plan-form button")
    page.wait_for_selector(".flash-success")
    page.select_option("#measure-form select[name=kind]", "推荐就业")
    page.fill("#measure-form input[name=description]", "推荐到城关社区工厂缝纫岗位")
    page.select_option("#measure-form select[name=responsible_id]", str(clerk.id))
    page.fill("#measure-form input[name=due_on]", (today() + dt.timedelta(days=7)).isoformat())
    page.click("#measure-form button")
    page.wait_for_selector("#measures >> text=推荐到城关社区工厂缝纫岗位")

    page.fill("#visit-form input[name=visited_on]", today().isoformat())
    page.select_option("#visit-form select[name=reached]", "1")
    page.fill("#visit-form textarea[name=note]", "上门走访，本人愿意去社区工厂，下周一面试。")
    page.click("#visit-form button")
    page.wait_for_selector("#visit-log >> text=下周一面试")

    page.click("nav.pager >> text=我的待办")
    assert "推荐到城关社区工厂缝纫岗位" in page.inner_text("#queue")

    page.click("nav.pager >> text=监测看板")
    page.wait_for_selector("#chart-trend[data-drawn='1']")
    page.wait_for_selector("#chart-areas[data-drawn='1']")
    assert page.inner_text("#zero-households").strip() == "1"

    db.session.expire_all()
    plan = db.session.scalar(sa.select(AssistancePlan).where(AssistancePlan.household_id == worker.household_id))
    assert plan is not None and "就近务工" in plan.summary
    assert db.session.scalar(sa.select(PlanMeasure.responsible_id)) == clerk.id
    assert db.session.scalar(sa.select(Visit.visitor_id)) == clerk.id
    [ep] = episodes_of(worker.household_id)
    assert ep.detected_on == today() - dt.timedelta(days=1)
    assert failed == []
    assert all(url.startswith(live_server) for url in requests), [u for u in requests if not u.startswith(live_server)]
