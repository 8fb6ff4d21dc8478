"""Training pages: every page renders for each staff role inside its scope, no full ID numbers,
charts served from the project, and enrolment to certificate through the forms."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.people.models import PersonCertificate
from jobmatch.places.services import all_sites_scope
from jobmatch.training import services as training
from jobmatch.training.models import Enrollment
from tests.conftest import csrf_token_from
from tests.factories import make_people, make_site, person_fields
from tests.training.helpers import certificate, make_course

ID_RE = re.compile(r"\b\d{17}[\dX]\b")
TODAY = dt.date.today()


@pytest.fixture
def world(app):
    make_site()
    make_site(township="长安镇", site="长安1号安置点", lon=109.51, lat=32.14)
    home = make_people(person_fields(name="王秀英", male=False, wants_training=True),
                       person_fields(name="张小花", household_code="HH900002", male=False))
    away = make_people(person_fields(name="李长安", household_code="HH900003", township="长安镇", site="长安1号安置点",
                                     wants_training=True))
    scope = all_sites_scope()
    course = make_course(scope, starts_on=TODAY - dt.timedelta(days=5), days=10)
    e = training.enroll(course, home[0], scope=scope, on=course.starts_on)
    training.enroll(course, away[0], scope=scope, on=course.starts_on)
    session = training.add_session(course, course.starts_on)
    training.record_attendance(session, {e.id}, scope=scope)
    training.award_certificate(away[0], certificate("焊工"), awarded_on=TODAY - dt.timedelta(days=3 * 365 - 20),
                               evidence="原件已核验")
    db.session.commit()
    return home, away, course, e, session


PAGES = ["/staff/training/", "/staff/training/courses", "/staff/training/worklist", "/staff/training/expiring",
         "/staff/training/outcomes", "/staff/training/targets", "/staff/training/providers",
         "/staff/training/certificates", "/staff/training/roster"]


@pytest.mark.parametrize("role,area,sees_away", [
    ("city_admin", "安康市", True), ("county_reviewer", "平利县", True),
    ("township_clerk", "城关镇", False), ("site_clerk", "城关1号安置点", False),
])
def test_pages_render_in_scope_without_full_numbers(client, login_as, world, role, area, sees_away):
    home, away, course, e, session = world
    login_as(role, area)
    seen = ""
    for path in [*PAGES, f"/staff/training/courses/{course.id}", f"/staff/training/enrollments/{e.id}",
                 f"/staff/training/people/{home[0].id}", f"/staff/training/sessions/{session.id}/attendance",
                 f"/staff/training/worklist?site={home[0].site_id}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert not ID_RE.search(html), f"full ID number on {path}"
        seen += html
    assert ("李长安" in seen) is sees_away
    if not sees_away:
        assert client.get(f"/staff/training/people/{away[0].id}").status_code == 404
        assert client.get(f"/staff/training/?area=site-{away[0].site_id}").status_code == 404


def test_progress_page_serves_its_chart_library_from_the_project(client, login_as, world):
    login_as("county_reviewer")
    html = client.get("/staff/training/").get_data(as_text=True)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts == ["/static/vendor/chartjs/chart.umd.min.js", "/static/js/training-charts.js"]
    assert 'type="application/json" id="chart-data"' in html and "style=" not in html
    for src in scripts:
        response = client.get(src)
        assert response.status_code == 200
        response.close()


def test_enrol_complete_and_award_through_the_forms(client, login_as, world):
    home, _away, course, e, _session = world
    login_as("township_clerk")
    page = client.get(f"/staff/training/courses/{course.id}?q=张小花").get_data(as_text=True)
    token = csrf_token_from(page)
    zhang = home[1]
    response = client.post(f"/staff/training/courses/{course.id}/enroll", data={"csrf_token": token, "person_id": zhang.id})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Enrollment.id).where(Enrollment.person_id == zhang.id)) is not None
    # completing: attended 1/1 sessions
    client.post(f"/staff/training/enrollments/{e.id}/complete", data={"csrf_token": token, "completed_on": TODAY.isoformat()})
    client.post(f"/staff/training/enrollments/{e.id}/award", data={
        "csrf_token": token, "certificate_id": certificate("养老护理员").id, "level": 5,
        "awarded_on": TODAY.isoformat(), "number": "S-1"})
    held = db.session.scalars(sa.select(PersonCertificate).where(PersonCertificate.person_id == home[0].id)).all()
    assert [(c.raw, c.source) for c in held] == [("养老护理员(五级)", "培训")]


def test_award_without_completion_shows_the_reason_and_writes_nothing(client, login_as, world):
    _home, away, course, _e, _session = world
    login_as("county_reviewer")
    li_enrollment = db.session.scalar(sa.select(Enrollment).where(Enrollment.person_id == away[0].id))
    token = csrf_token_from(client.get(f"/staff/training/enrollments/{li_enrollment.id}").get_data(as_text=True))
    response = client.post(f"/staff/training/enrollments/{li_enrollment.id}/award", data={
        "csrf_token": token, "certificate_id": certificate("养老护理员").id, "level": 5, "awarded_on": TODAY.isoformat()},
        follow_redirects=True)
    assert "尚未结业" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonCertificate).where(
        PersonCertificate.person_id == away[0].id, PersonCertificate.source == "培训", PersonCertificate.raw.like("养老%"))) == 0


def test_clerks_cannot_create_courses(client, login_as, world):
    login_as("site_clerk")
    assert client.get("/staff/training/courses/new").status_code == 403


def test_expiring_lists_the_welding_certificate_due_for_review(client, login_as, world):
    login_as("county_reviewer")
    html = client.get("/staff/training/expiring").get_data(as_text=True)
    assert "焊工" in html and "李长安" in html
