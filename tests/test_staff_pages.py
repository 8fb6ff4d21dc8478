"""Staff pages: masking, audit, region scope enforced in every query, edits, uploads, exports."""

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.people.enums import EmploymentStatus
from jobmatch.people.models import Person
from jobmatch.people.services import reveal_id
from tests.conftest import csrf_token_from
from tests.factories import make_people, make_site, person_fields
from tests.sheets import sample_path, sample_rows, to_csv

ID_RE = re.compile(r"\b\d{17}[\dX]\b")
PHONE_RE = re.compile(r"\b1[3-9]\d{9}\b")


@pytest.fixture
def two_townships(app):
    make_site()
    make_site(township="长安镇", site="长安1号安置点", lon=109.51, lat=32.14)
    home = make_people(
        person_fields(name="王秀英", phone="13812345678"),
        person_fields(name="张小花", household_code="HH900002", phone="13900001111"),
    )
    away = make_people(person_fields(name="李长安", household_code="HH900003", township="长安镇", site="长安1号安置点",
                                     phone="13700002222"))
    return home, away


def audit_actions(person_id):
    return [e.action for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "person", AuditEvent.object_id == person_id))]


def test_person_page_masks_numbers_and_records_the_view(client, login_as, two_townships):
    (wang, _), _ = two_townships
    login_as("township_clerk")
    html = client.get(f"/staff/people/{wang.id}").get_data(as_text=True)
    full = reveal_id(wang)
    assert full not in html and "13812345678" not in html
    assert full[:6] + "********" + full[-4:] in html and "138****5678" in html
    assert audit_actions(wang.id) == ["view_person"]


def test_reveal_shows_the_full_number_once_and_audits_it(client, login_as, two_townships):
    (wang, _), _ = two_townships
    login_as("township_clerk")
    page = client.get(f"/staff/people/{wang.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    html = client.post(f"/staff/people/{wang.id}/reveal", data={"csrf_token": token}).get_data(as_text=True)
    assert reveal_id(wang) in html and "13812345678" in html
    assert audit_actions(wang.id) == ["view_person", "reveal_id"]
    assert client.get(f"/staff/people/{wang.id}/reveal").status_code == 405


STAFF_PAGES = ["/staff/", "/staff/people?q=王", "/staff/people?q=wxy", "/staff/monthly", "/staff/changes",
               "/staff/sites", "/staff/import", "/staff/imports", "/staff/vocab"]


@pytest.mark.parametrize("role,area,sees_away", [
    ("city_admin", "安康市", True), ("county_reviewer", "平利县", True),
    ("township_clerk", "城关镇", False), ("site_clerk", "城关1号安置点", False),
])
def test_scope_is_enforced_on_every_page(client, login_as, two_townships, role, area, sees_away):
    (wang, zhang), (li,) = two_townships
    login_as(role, area)
    seen = ""
    for path in STAFF_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert not ID_RE.search(html), f"full ID number on {path}"
        assert not PHONE_RE.search(html), f"full phone number on {path}"
        seen += html
    assert "王秀英" in seen
    assert ("李长安" in client.get("/staff/people?q=李").get_data(as_text=True)) is sees_away
    assert client.get(f"/staff/people/{li.id}").status_code == (200 if sees_away else 404)
    assert client.get(f"/staff/households/{li.household_id}").status_code == (200 if sees_away else 404)
    assert client.get(f"/staff/monthly/{li.site_id}").status_code == (200 if sees_away else 404)
    # exports are scoped too
    book = openpyxl.load_workbook(io.BytesIO(client.get("/staff/export/register").data))
    names = {row[4] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert names == ({"王秀英", "张小花", "李长安"} if sees_away else {"王秀英", "张小花"})


def test_scope_cannot_be_widened_from_form_input(client, login_as, two_townships):
    _, (li,) = two_townships
    login_as("township_clerk")
    token = csrf_token_from(client.get("/staff/").get_data(as_text=True))
    response = client.post(f"/staff/people/{li.id}/status", data={"csrf_token": token, "employment_status": "县内务工"})
    assert response.status_code == 404
    db.session.refresh(li)
    assert li.employment_status is EmploymentStatus.UNEMPLOYED


def test_household_page_shows_members_and_zero_employment(client, login_as, two_townships):
    (wang, _), _ = two_townships
    login_as("site_clerk")
    html = client.get(f"/staff/households/{wang.household_id}").get_data(as_text=True)
    assert "王秀英" in html and 'id="zero-flag">零就业家庭' in html


def test_edit_form_shows_chinese_errors_and_writes_nothing(client, login_as, two_townships):
    (wang, _), _ = two_townships
    login_as("site_clerk")
    page = client.get(f"/staff/people/{wang.id}/edit").get_data(as_text=True)
    token = csrf_token_from(page)
    data = {"csrf_token": token, "name": "王秀英", "id_number": "610926199007250116", "relation": "户主",
            "phone": "123", "labor_capacity": "强劳动力", "employment_status": "县内务工", "monthly_income": "abc"}
    response = client.post(f"/staff/people/{wang.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "身份证号校验位不正确" in html and "电话应为 11 位手机号" in html and "应为数字" in html
    db.session.refresh(wang)
    assert wang.employment_status is EmploymentStatus.UNEMPLOYED and len(wang.status_events) == 1


def test_edit_form_saves_profile_and_records_status_change(client, login_as, two_townships):
    (wang, _), _ = two_townships
    login_as("site_clerk")
    token = csrf_token_from(client.get(f"/staff/people/{wang.id}/edit").get_data(as_text=True))
    data = {"csrf_token": token, "name": "王秀英", "id_number": reveal_id(wang), "relation": "户主",
            "phone": "13812345678", "labor_capacity": "半劳动力", "employment_status": "县内务工",
            "workplace": "城关社区工厂", "monthly_income": "2400", "skills": "会电焊、车衣", "certificates": "焊工证",
            "has_care_duty": "y"}
    response = client.post(f"/staff/people/{wang.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    wang = db.session.get(Person, wang.id)
    assert wang.employment_status is EmploymentStatus.LOCAL and wang.has_care_duty
    assert [s.raw for s in wang.skills] == ["会电焊", "车衣"] and all(s.skill_id for s in wang.skills)
    assert wang.certificates[0].certificate.name == "焊工"
    assert [e.status for e in wang.status_events][0] is EmploymentStatus.LOCAL
    assert "edit_person" in audit_actions(wang.id)


def test_monthly_page_confirms_people(client, login_as, two_townships):
    (wang, zhang), _ = two_townships
    login_as("site_clerk")
    html = client.get(f"/staff/monthly/{wang.site_id}").get_data(as_text=True)
    assert 'id="pending-count">2<' in html
    token = csrf_token_from(html)
    client.post(f"/staff/monthly/{wang.site_id}/confirm/{wang.id}", data={"csrf_token": token})
    html = client.get(f"/staff/monthly/{wang.site_id}").get_data(as_text=True)
    assert 'id="pending-count">1<' in html and "张小花" in html


def test_upload_page_reports_errors_as_a_table(client, login_as, app):
    from jobmatch.spreadsheets import loaders  # noqa: F401
    from jobmatch.spreadsheets.importing import run_import

    run_import("sites", sample_path("sites.sample.csv").read_bytes(), "sites.csv")
    db.session.commit()
    login_as("county_reviewer")
    header, rows = sample_rows()
    original = rows[2][header.index("身份证号")]
    rows[2][header.index("身份证号")] = "123"
    token = csrf_token_from(client.get("/staff/import").get_data(as_text=True))
    response = client.post("/staff/import", data={
        "csrf_token": token, "kind": "register", "file": (io.BytesIO(to_csv(header, rows)), "台账.csv"),
    }, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"<td>4</td><td>身份证号</td><td>身份证号应为 18 位，现在是 3 位</td>", html)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0
    rows[2][header.index("身份证号")] = original
    response = client.post("/staff/import", data={
        "csrf_token": token, "kind": "register", "file": (io.BytesIO(to_csv(header, rows)), "台账.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 200 and "新增 40" in response.get_data(as_text=True)


def test_uploads_outside_the_clerks_region_are_refused(client, login_as, app):
    from jobmatch.spreadsheets import loaders  # noqa: F401
    from jobmatch.spreadsheets.importing import run_import

    run_import("sites", sample_path("sites.sample.csv").read_bytes(), "sites.csv")
    db.session.commit()
    login_as("township_clerk", "城关镇")
    header, rows = sample_rows()
    token = csrf_token_from(client.get("/staff/import").get_data(as_text=True))
    response = client.post("/staff/import", data={
        "csrf_token": token, "kind": "register", "file": (io.BytesIO(to_csv(header, rows)), "台账.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "不在您的管辖范围内" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_a_50_mb_upload_gets_a_clear_answer(client, login_as, app):
    make_site()
    login_as("county_reviewer")
    token = csrf_token_from(client.get("/staff/import").get_data(as_text=True))
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # the body is built in memory: the test client would spool it to a file it never closes
    boundary, body = encode_multipart({"csrf_token": token, "kind": "register",
                                       "file": FileStorage(io.BytesIO(b"0" * (50 * 1024 * 1024)), "big.csv")})
    response = client.post("/staff/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "上传的文件太大" in response.get_data(as_text=True)


def test_security_headers(client, login_as, two_townships):
    login_as("site_clerk")
    response = client.get("/staff/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_site_edit_validates_coordinates(client, login_as, two_townships):
    (wang, _), _ = two_townships
    login_as("county_reviewer")
    url = f"/staff/sites/{wang.site_id}/edit"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "name": "城关1号安置点", "longitude": "200", "latitude": "32.4"})
    assert response.status_code == 422 and "经度应在 73 到 136 之间" in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token, "name": "城关1号安置点", "longitude": "109.2", "latitude": "32.4"})
    assert response.status_code == 302


def test_vocab_page_adds_a_synonym(client, login_as, two_townships):
    login_as("county_reviewer")
    page = client.get("/staff/vocab").get_data(as_text=True)
    token = csrf_token_from(page)
    sewing = re.search(r'<option value="(\d+)">缝纫</option>', page).group(1)
    response = client.post("/staff/vocab", data={"csrf_token": token, "text": "踩机子", "skill_id": sewing})
    assert response.status_code == 302
    assert "踩机子" in client.get("/staff/vocab").get_data(as_text=True)
