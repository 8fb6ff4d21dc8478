"""Real headless Chromium: occupation suggestions appear live as a broker types a title, and the
picked code is saved confirmed."""

import datetime as dt

import pytest
import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs.models import Posting
from tests.factories import PASSWORD, make_site, make_user

pytestmark = pytest.mark.browser


def test_suggestions_follow_the_title_and_a_pick_is_saved(app, live_server, page):
    make_site()
    broker = make_user("broker", username="broker_occ_live")
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", broker.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/broker/")
    page.click("nav >> text=发布岗位")
    assert page.locator("input[name=csco_pick]").count() == 0
    page.locator("input[name=title]").press_sequentially("保洁阿姨", delay=30)
    first = page.locator("#csco-suggestions input[name=csco_pick]").first
    first.wait_for()
    assert first.get_attribute("value") == "4-09-08-01"
    assert page.locator("#csco-suggestions li").count() == 5
    assert "保洁员" in page.locator("#csco-suggestions").inner_text()
    # a new title redraws the list
    page.fill("input[name=title]", "")
    page.locator("input[name=title]").press_sequentially("护林员", delay=30)
    page.locator("#csco-suggestions input[value='5-02-03-01']").wait_for()
    assert first.get_attribute("value") == "5-02-03-01"  # now first in the list
    page.check("#csco-suggestions input[value='5-02-03-01']")
    page.fill("input[name=employer]", "城关林业站")
    page.select_option("select[name=channel]", "公益性岗位")
    page.fill("input[name=headcount]", "2")
    page.fill("input[name=site]", "城关1号安置点")
    page.fill("input[name=deadline]", (today() + dt.timedelta(days=20)).isoformat())
    page.click("button:has-text('保存并发布')")
    page.locator("#posting-occupation").wait_for()
    assert "5-02-03-01" in page.locator("#posting-occupation").inner_text()
    posting = db.session.scalar(sa.select(Posting))
    assert (posting.title, posting.csco_code, posting.csco_confirmed) == ("护林员", "5-02-03-01", True)
