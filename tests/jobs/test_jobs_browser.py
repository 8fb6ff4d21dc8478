"""Real headless Chromium: a broker posts a job, sees the ranked shortlist and refers a candidate;
then records the hire, which updates the person's employment status."""

import datetime as dt
import re

import pytest

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.jobs.enums import ReferralOutcome
from jobmatch.jobs.models import Posting
from jobmatch.people.enums import EmploymentStatus, WorkPreference
from jobmatch.people.models import Person
from jobmatch.people.services import reveal_id
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_people, make_site, make_user, person_fields

pytestmark = pytest.mark.browser
ID_RE = re.compile(r"(?<![0-9])\d{17}[\dX](?![0-9])")


def test_broker_posts_a_job_and_refers_a_candidate(app, live_server, page):
    app.config["SESSION_COOKIE_SECURE"] = True
    make_site()
    consent = dict(broker_consent=True, broker_consent_on=today() - dt.timedelta(days=10))
    sewer, other, private = make_people(
        person_fields(name="刘巧云", skills=["车衣", "平车"], work_preference=WorkPreference.LOCAL, **consent),
        person_fields(name="赵大山", household_code="HH900002", skills=["木工"], work_preference=WorkPreference.ANY,
                      **consent),
        person_fields(name="钱未同意", household_code="HH900003", skills=["缝纫"], work_preference=WorkPreference.ANY),
        effective_on=today() - dt.timedelta(days=200),
    )
    broker = make_user("broker", username="broker_li")

    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", broker.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/broker/")
    page.click("nav >> text=发布岗位")
    page.fill("input[name=title]", "服装缝纫工")
    page.fill("input[name=employer]", "城关服装帮扶车间")
    page.select_option("select[name=channel]", "社区工厂")
    page.fill("input[name=headcount]", "2")
    page.fill("input[name=site]", "城关1号安置点")
    page.fill("input[name=must_skills]", "缝纫")
    page.select_option("select[name=hours]", "白班")
    page.fill("input[name=wage_min]", "2200")
    page.fill("input[name=wage_max]", "3000")
    # a deadline in the past is refused with a Chinese message, nothing saved
    page.fill("input[name=deadline]", (today() - dt.timedelta(days=1)).isoformat())
    page.click("button:has-text('保存并发布')")
    page.locator("#deadline-msg").wait_for()
    assert "新发布的岗位截止日期不能早于今天" in page.locator("#deadline-msg").inner_text()
    assert db.session.query(Posting).count() == 0
    page.fill("input[name=deadline]", (today() + dt.timedelta(days=20)).isoformat())
    page.click("button:has-text('保存并发布')")
    page.locator("#shortlist").wait_for()
    assert "已发布" in page.locator(".flash").first.inner_text()

    rows = page.locator("#shortlist tbody tr")
    assert rows.first.locator("td").nth(2).inner_text().startswith("刘巧云")  # after policy rank and model rank
    assert "具备岗位要求的全部技能：缝纫" in rows.first.inner_text()
    content = page.content()
    assert "钱未同意" not in content and not ID_RE.search(content) and reveal_id(sewer) not in content
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "broker-shortlist.png"), full_page=True)

    rows.first.locator("button:has-text('推荐')").click()
    page.locator("#referrals tbody tr").first.wait_for()
    assert "已推荐 刘巧云" in page.locator(".flash").first.inner_text()
    referral_row = page.locator("#referrals tbody tr").first
    assert "刘巧云" in referral_row.inner_text() and "已推荐" in referral_row.inner_text()
    assert "刘巧云" not in page.locator("#shortlist").inner_text()  # no longer proposed

    # the employer hires her: the broker records it, and her status follows
    referral_row.locator("select[name=outcome]").select_option("录用")
    referral_row.locator("input[name=on]").fill(today().isoformat())
    referral_row.locator("button:has-text('登记')").click()
    page.locator(".flash-success").wait_for()
    assert "刘巧云 录用" in page.locator(".flash-success").inner_text()
    page.screenshot(path=str(ARTIFACTS / "broker-hired.png"), full_page=True)
    db.session.expire_all()
    person = db.session.get(Person, sewer.id)
    assert person.employment_status is EmploymentStatus.LOCAL and person.status_since == today()
    referral = jobs.open_referral(sewer.id, db.session.query(Posting).one().id)
    assert referral.outcome is ReferralOutcome.HIRED and referral.referred_by_id == broker.id
