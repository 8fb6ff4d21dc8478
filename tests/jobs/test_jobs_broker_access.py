"""The broker's access limits, tested by crawling every broker page as a broker.

A broker sees only their own postings and referrals, and only people of their county who
consented to broker sharing, with ID and phone numbers masked.
"""

import datetime as dt
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.jobs.enums import ReferralOutcome
from jobmatch.people.enums import LaborCapacity, WorkPreference
from jobmatch.people.services import reveal_id
from tests.conftest import csrf_token_from
from tests.factories import make_people, make_site, make_user, person_fields
from tests.jobs.helpers import make_posting

ID_RE = re.compile(r"(?<![0-9])\d{17}[\dX](?![0-9])")
PHONE_RE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")
LONG_AGO = today() - dt.timedelta(days=400)


def consenting(**kw):
    return person_fields(broker_consent=True, broker_consent_on=today() - dt.timedelta(days=30),
                         work_preference=WorkPreference.ANY, **kw)


@pytest.fixture
def world(app):
    make_site()
    make_site(township="长安镇", site="长安1号安置点", lon=109.51, lat=32.14)
    make_site(county="岚皋县", township="四季镇", site="岚皋1号安置点", lon=108.9, lat=32.3)
    wang, zhang, sun, li = make_people(
        consenting(name="王秀英", phone="13812345678", skills=["缝纫"]),
        consenting(name="张小花", household_code="HH900002", phone="13900001111", skills=["缝纫"]),
        consenting(name="孙乙推", household_code="HH900003", township="长安镇", site="长安1号安置点",
                   phone="13700002222", skills=["缝纫"]),
        # a perfect candidate who never consented: must never reach a broker
        person_fields(name="李不同意", household_code="HH900004", phone="13600003333", skills=["缝纫"],
                      work_preference=WorkPreference.ANY, labor_capacity=LaborCapacity.FULL),
        effective_on=LONG_AGO,
    )
    (zhao,) = make_people(consenting(name="赵外县", household_code="HH800001", county="岚皋县", township="四季镇",
                                     site="岚皋1号安置点", phone="13500004444", skills=["缝纫"]), effective_on=LONG_AGO)
    broker_a = make_user("broker", username="broker_a")
    broker_b = make_user("broker", username="broker_b")
    staff = make_user("county_reviewer", username="reviewer")
    mine = make_posting(broker=broker_a, title="缝纫工", must_skills="缝纫")
    theirs = make_posting(broker=broker_b, title="乙经纪人的岗位", employer="乙经纪人的工厂", must_skills="缝纫")
    own_referral = jobs.refer(wang, mine, actor=broker_a, on=today() - dt.timedelta(days=5))
    jobs.record_outcome(own_referral, ReferralOutcome.INTERVIEW, actor=broker_a)
    other_referral = jobs.refer(sun, theirs, actor=broker_b)
    staff_referral = jobs.refer(zhang, mine, actor=staff)
    db.session.commit()
    return {
        "people": (wang, zhang, sun, li, zhao), "brokers": (broker_a, broker_b), "postings": (mine, theirs),
        "referrals": (own_referral, other_referral, staff_referral),
    }


def crawl(client, start: str = "/broker/", extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Every page reachable from ``start`` by links under /broker/ (plus ``extra``), as HTML."""
    seen: dict[str, str] = {}
    queue = deque([start, *extra])
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.get_data(as_text=True)
        seen[url] = html
        for href in re.findall(r'href="([^"#]+)"', html):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.path.startswith("/broker/") and not parts.netloc:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_crawl_every_broker_page_shows_no_full_number_and_no_one_without_consent(app, client, login_as, world):
    from tests.factories import PASSWORD

    broker_a, _ = world["brokers"]
    wang, zhang, sun, li, zhao = world["people"]
    mine, theirs = world["postings"]
    own, other, by_staff = world["referrals"]
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": broker_a.username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    pages = crawl(client, extra=(f"/broker/postings/{mine.id}?q=王秀英", f"/broker/postings/{mine.id}?q=lbty",
                                 f"/broker/postings/{mine.id}?q=zxh", f"/broker/postings/{mine.id}?q=zwx",
                                 f"/broker/postings/{mine.id}/refer/{zhang.id}", "/broker/referrals?pending=1"))
    # every GET page of the broker blueprint was reached
    reached = {app.url_map.bind("localhost").match(urlsplit(u).path)[0] for u in pages}
    broker_pages = {r.endpoint for r in app.url_map.iter_rules()
                    if r.endpoint.startswith("broker.") and "GET" in r.methods}
    assert broker_pages <= reached, broker_pages - reached
    everything = "\n".join(pages.values())
    for person in (wang, zhang, sun, li, zhao):
        assert reveal_id(person) not in everything
    assert not ID_RE.search(everything), ID_RE.search(everything)
    assert not PHONE_RE.search(everything), PHONE_RE.search(everything)
    # people who did not consent, and people of other counties, never appear
    assert "李不同意" not in everything and "赵外县" not in everything
    # consenting people of the county do: in the shortlist (masked) and in the broker's own referral
    shortlist_page = pages[f"/broker/postings/{mine.id}"]
    assert "孙乙推" in shortlist_page and "138****5678" not in shortlist_page  # 王秀英 is already referred
    assert "王秀英" in pages["/broker/referrals"] and f'data-referral="{own.id}"' in pages["/broker/referrals"]
    # never another broker's posting or referrals, nor staff referrals to the broker's own posting
    assert "乙经纪人的岗位" not in everything
    assert f'data-referral="{other.id}"' not in everything and f'data-referral="{by_staff.id}"' not in everything


@pytest.mark.parametrize("path", [
    "/broker/postings/{theirs}", "/broker/postings/{theirs}/edit", "/broker/postings/{mine}/refer/{li}",
    "/broker/postings/{mine}/refer/{zhao}", "/broker/postings/{theirs}/refer/{zhang}",
])
def test_forbidden_urls_are_not_found_for_the_broker(app, client, world, path):
    from tests.factories import PASSWORD

    broker_a, _ = world["brokers"]
    wang, zhang, sun, li, zhao = world["people"]
    mine, theirs = world["postings"]
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": broker_a.username, "password": PASSWORD, "csrf_token": token})
    url = path.format(theirs=theirs.id, mine=mine.id, li=li.id, zhao=zhao.id, zhang=zhang.id)
    assert client.get(url).status_code == 404
    token = csrf_token_from(client.get("/broker/").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "override_reason": "想推荐"}).status_code in (404, 405)


def test_broker_cannot_record_results_of_referrals_made_by_others(app, client, world):
    from tests.factories import PASSWORD

    broker_a, _ = world["brokers"]
    own, other, by_staff = world["referrals"]
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": broker_a.username, "password": PASSWORD, "csrf_token": token})
    token = csrf_token_from(client.get("/broker/referrals").get_data(as_text=True))
    for referral in (other, by_staff):
        response = client.post(f"/broker/referrals/{referral.id}/outcome",
                               data={"csrf_token": token, "outcome": "未录用"})
        assert response.status_code == 404
    db.session.expire_all()
    assert other.outcome is ReferralOutcome.REFERRED and by_staff.outcome is ReferralOutcome.REFERRED


@pytest.mark.parametrize("role", ["county_reviewer", "township_clerk", "site_clerk", "city_admin"])
def test_staff_cannot_open_broker_pages(client, login_as, world, role):
    login_as(role)
    assert client.get("/broker/").status_code == 403


def test_broker_is_kept_out_of_staff_pages(client, login_as, world):
    login_as("broker", username="broker_d")
    for path in ("/staff/", "/staff/jobs/postings", "/staff/jobs/subsidies", "/staff/people?q=王"):
        assert client.get(path).status_code == 403, path


def test_broker_refers_a_consenting_person_outside_the_limits_only_with_a_reason(app, client, world):
    from tests.factories import PASSWORD

    broker_a, _ = world["brokers"]
    mine, _theirs = world["postings"]
    wang, zhang, sun, li, zhao = world["people"]
    sun.labor_capacity = LaborCapacity.HALF
    mine.intensity = mine.intensity.__class__.HEAVY
    db.session.commit()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": broker_a.username, "password": PASSWORD, "csrf_token": token})
    url = f"/broker/postings/{mine.id}/refer/{sun.id}"
    page = client.get(url).get_data(as_text=True)
    assert "重体力岗位，与劳动能力（半劳动力）不符" in page
    token = csrf_token_from(page)
    refused = client.post(url, data={"csrf_token": token, "override_reason": ""})
    assert refused.status_code == 422 and "如确需推荐，请填写推荐理由" in refused.get_data(as_text=True)
    assert jobs.open_referral(sun.id, mine.id) is None
    done = client.post(url, data={"csrf_token": token, "override_reason": "本人身体已恢复，企业同意试岗"})
    assert done.status_code == 302
    referral = jobs.open_referral(sun.id, mine.id)
    assert referral.override_reason == "本人身体已恢复，企业同意试岗"
    assert referral.violations == "重体力岗位，与劳动能力（半劳动力）不符"
