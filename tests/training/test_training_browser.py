"""Real headless Chromium: a county reviewer opens the order-training form pre-filled the way a
skill gap links to it, saves the course, enrols two people found by name, and the progress
page draws its charts with the project's own Chart.js (no CDN)."""

import datetime as dt

import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.training.models import Course, Enrollment
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_people, make_site, make_user, person_fields
from tests.training.helpers import certificate, make_provider, skill

pytestmark = pytest.mark.browser


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def test_reviewer_creates_an_order_course_and_enrols_people(app, live_server, page):
    make_site()
    make_people(person_fields(name="王秀英", male=False, wants_training=True),
                person_fields(name="张小花", household_code="HH900002", male=False, wants_training=True))
    make_provider()
    user = make_user("county_reviewer")
    cert, sewing = certificate("缝纫工"), skill("缝纫")
    db.session.commit()
    errors: list[str] = []
    requests: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "404" not in m.text else None)
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and not r.url.endswith("favicon.ico") else None)
    page.on("request", lambda r: requests.append(r.url))

    sign_in(page, live_server, user.username)
    # the link a skill-gap row produces: kind, skill, certificate and employer filled in
    page.goto(f"{live_server}/staff/training/courses/new?kind=订单培训&skill_id={sewing.id}"
              f"&certificate_id={cert.id}&employer_name=平利县毛绒玩具社区工厂&name=缝纫工订单培训班&capacity=20")
    assert page.input_value("input[name=employer_name]") == "平利县毛绒玩具社区工厂"
    assert page.input_value("select[name=kind]") == "订单培训"
    start = dt.date.today() + dt.timedelta(days=7)
    page.select_option("select[name=provider_id]", label="平利县职业技术教育中心")
    page.fill("input[name=starts_on]", start.isoformat())
    page.fill("input[name=ends_on]", (start + dt.timedelta(days=9)).isoformat())
    page.click("button:has-text('保存课程')")
    page.wait_for_selector("#course-facts")
    assert "平利县毛绒玩具社区工厂" in page.inner_text("#course-facts")
    course = db.session.scalar(sa.select(Course))
    assert course.kind.label == "订单培训" and course.certificate_id == cert.id and course.capacity == 20

    for name in ("王秀英", "张小花"):
        page.fill("#enroll-search input[name=q]", name)
        page.click("#enroll-search button")
        page.locator("#candidates").wait_for()
        page.click("#candidates button:has-text('报名')")
        page.wait_for_selector(".flash-success")
    assert "已报名 2 / 20 人" in page.inner_text("#seats")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "training-course-enrolled.png"), full_page=True)

    page.click("text=培训与持证进度")
    page.wait_for_selector("#chart-monthly[data-drawn='1']")
    page.wait_for_selector("#chart-areas[data-drawn='1']")
    page.screenshot(path=str(ARTIFACTS / "training-progress.png"), full_page=True)
    assert not errors and not failed, (errors, failed)
    assert all(url.startswith(live_server) for url in requests), [u for u in requests if not u.startswith(live_server)]
