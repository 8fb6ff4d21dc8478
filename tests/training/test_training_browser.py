"""Real headless Chromium: a county reviewer opens the skill-gap report, creates an order-training
course from a certificate gap in one step (kind, certificate, employer and posting filled in),
enrols the job seekers who lack the certificate by ticking them, and the progress page draws its
charts with the project's own Chart.js from /static (no CDN)."""

import datetime as dt

import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.people.enums import WorkPreference
from jobmatch.training.models import Course, Enrollment
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_people, make_site, make_user, person_fields
from tests.jobs.helpers import make_posting
from tests.training.helpers import certificate, make_provider

pytestmark = pytest.mark.browser


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def test_reviewer_creates_an_order_course_from_a_skill_gap_and_enrols_people(app, live_server, page):
    make_site()
    make_people(person_fields(name="王秀英", male=False, wants_training=True, work_preference=WorkPreference.LOCAL),
                person_fields(name="张小花", household_code="HH900002", male=False, wants_training=True,
                              work_preference=WorkPreference.LOCAL),
                person_fields(name="李有证", household_code="HH900003", certificates=["缝纫工"],
                              work_preference=WorkPreference.LOCAL))
    make_provider()
    user = make_user("county_reviewer")
    cert = certificate("缝纫工")
    posting = make_posting(employer="平利县毛绒玩具社区工厂", title="缝纫工", headcount="6", certificates="缝纫工")
    db.session.commit()
    errors: list[str] = []
    requests: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "404" not in m.text else None)
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and not r.url.endswith("favicon.ico") else None)
    page.on("request", lambda r: requests.append(r.url))

    sign_in(page, live_server, user.username)
    page.goto(f"{live_server}/staff/training/gaps")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "training-gaps.png"), full_page=True)
    row = page.locator(f"#gap-certificate-{cert.id}")
    assert "平利县毛绒玩具社区工厂" in row.inner_text()
    cells = row.locator("td.num").all_inner_texts()
    assert cells[:5] == ["1", "6", "1", "0", "2"]  # postings, headcount, holders, expired, lacking
    row.locator("a:has-text('开设订单培训')").click()
    # one step: kind, certificate, employer and the posting come filled in from the gap
    assert page.input_value("select[name=kind]") == "订单培训"
    assert page.input_value("select[name=certificate_id]") == str(cert.id)
    assert page.input_value("input[name=employer_name]") == "平利县毛绒玩具社区工厂"
    assert posting.code in page.inner_text("#linked-postings")
    start = dt.date.today() + dt.timedelta(days=7)
    page.select_option("select[name=provider_id]", label="平利县职业技术教育中心")
    page.fill("input[name=starts_on]", start.isoformat())
    page.fill("input[name=ends_on]", (start + dt.timedelta(days=9)).isoformat())
    page.click("button:has-text('保存课程')")
    page.wait_for_selector("#course-facts")
    assert posting.code in page.inner_text("#course-postings")
    course = db.session.scalar(sa.select(Course))
    assert course.kind.label == "订单培训" and course.certificate_id == cert.id and course.capacity == 30
    assert course.employer_id == posting.employer_id and [p.id for p in course.postings] == [posting.id]

    # the job seekers lacking the certificate are listed (the holder is not); tick both, enrol at once
    lacking = page.inner_text("#lacking")
    assert "王秀英" in lacking and "张小花" in lacking and "李有证" not in lacking
    page.check("#lacking label:has-text('王秀英')")
    page.check("#lacking label:has-text('张小花')")
    page.click("#lacking button:has-text('为所选人员报名')")
    page.wait_for_selector(".flash-success")
    assert "已为 2 人报名" in page.inner_text(".flash-success")
    assert "已报名 2 / 30 人" in page.inner_text("#seats")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 2
    page.screenshot(path=str(ARTIFACTS / "training-course-enrolled.png"), full_page=True)

    page.click("text=培训与持证进度")
    page.wait_for_selector("#chart-monthly[data-drawn='1']")
    page.wait_for_selector("#chart-areas[data-drawn='1']")
    # the chart library came from the project's /static, and the canvas holds a drawing
    assert f"{live_server}/static/vendor/chartjs/chart.umd.min.js" in requests
    assert page.evaluate("typeof Chart") == "function"
    drawn = page.evaluate("""() => { const c = document.getElementById('chart-monthly');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
    assert drawn > 1000
    page.screenshot(path=str(ARTIFACTS / "training-progress.png"), full_page=True)
    assert not errors and not failed, (errors, failed)
    assert all(url.startswith(live_server) for url in requests), [u for u in requests if not u.startswith(live_server)]
