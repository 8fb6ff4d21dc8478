"""Broker-sharing consent in the register format: 同意共享给经纪人 / 同意日期."""

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.errors import ImportRejected
from jobmatch.extensions import db
from jobmatch.people.models import Person
from jobmatch.people.services import find_by_id_number
from jobmatch.places.services import all_sites_scope
from jobmatch.spreadsheets import loaders  # noqa: F401
from jobmatch.spreadsheets.importing import run_import
from jobmatch.spreadsheets.register import export_register
from tests.sheets import sample_path, sample_rows, to_csv

FIRST = "610926199007250115"
SECOND = "610926199001280188"


@pytest.fixture
def sites(app):
    run_import("sites", sample_path("sites.sample.csv").read_bytes(), "sites.csv")
    db.session.commit()


def with_consent(values: dict[int, tuple[str, str]]):
    header, rows = sample_rows()
    header = header + ["同意共享给经纪人", "同意日期"]
    rows = [r + list(values.get(i, ("", ""))) for i, r in enumerate(rows)]
    return header, rows


def consent_of(id_number: str):
    db.session.expire_all()
    return find_by_id_number(id_number).broker_consent_on


def test_consent_with_and_without_a_date(sites):
    header, rows = with_consent({0: ("是", "2026-03-01"), 1: ("是", "")})
    outcome = run_import("register", to_csv(header, rows), "register.csv")
    assert outcome.added == 40
    assert consent_of(FIRST) == dt.date(2026, 3, 1)
    assert consent_of(SECOND) == today()  # 是 without a date: the import date
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)
                             .where(Person.broker_consent_on.is_not(None))) == 2


def test_a_file_without_the_columns_keeps_consent_and_an_empty_cell_withdraws_it(sites):
    header, rows = with_consent({0: ("是", "2026-03-01")})
    run_import("register", to_csv(header, rows), "register.csv")
    plain_header, plain_rows = sample_rows()
    again = run_import("register", to_csv(plain_header, plain_rows), "old-format.csv")
    assert (again.updated, again.unchanged) == (0, 40)
    assert consent_of(FIRST) == dt.date(2026, 3, 1)
    header, rows = with_consent({})
    withdrawn = run_import("register", to_csv(header, rows), "withdrawn.csv")
    assert withdrawn.updated == 1 and consent_of(FIRST) is None


def test_reimporting_yes_without_a_date_later_keeps_the_first_date(sites):
    header, rows = with_consent({1: ("是", "")})
    run_import("register", to_csv(header, rows), "register.csv")
    person = find_by_id_number(SECOND)
    person.broker_consent_on = dt.date(2025, 1, 1)  # as if imported on that day
    db.session.commit()
    again = run_import("register", to_csv(header, rows), "register.csv")
    assert again.unchanged == 40 and consent_of(SECOND) == dt.date(2025, 1, 1)


@pytest.mark.parametrize("cells,expected", [
    (("否", "2026-03-01"), "第2行 同意日期: “同意共享给经纪人”为否时不应填写同意日期"),
    (("是", "2099-01-01"), "第2行 同意日期: 同意日期不能晚于今天"),
    (("也许", ""), "第2行 同意共享给经纪人: 应填“是”或“否”"),
    (("是", "三月"), "第2行 同意日期: 日期格式应为 2026-03-01、2026/3/1 或 2026年3月1日"),
])
def test_bad_consent_cells(sites, cells, expected):
    header, rows = with_consent({0: cells})
    with pytest.raises(ImportRejected) as err:
        run_import("register", to_csv(header, rows), "register.csv")
    assert [str(e) for e in err.value.errors] == [expected]


def test_export_round_trip_keeps_consent(sites):
    header, rows = with_consent({0: ("是", "2026-03-01"), 5: ("是", "2025/12/31")})
    run_import("register", to_csv(header, rows), "register.csv")
    db.session.commit()
    buffer = io.BytesIO()
    export_register(buffer, all_sites_scope())
    sheet = list(openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows(values_only=True))
    assert sheet[0][-2:] == ("同意共享给经纪人", "同意日期")
    by_id = {r[5]: r for r in sheet[1:]}
    assert by_id[FIRST][-2:] == ("是", "2026-03-01") and by_id[SECOND][-2:] == ("否", None)
    again = run_import("register", buffer.getvalue(), "export.xlsx")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 40)


def test_staff_edit_form_records_consent(client, login_as, sites):
    from tests.conftest import csrf_token_from

    run_import("register", sample_path("register.sample.csv").read_bytes(), "register.csv")
    db.session.commit()
    person = find_by_id_number(FIRST)
    login_as("county_reviewer")
    page = client.get(f"/staff/people/{person.id}/edit").get_data(as_text=True)
    assert 'name="broker_consent"' in page
    from jobmatch.people.services import fields_of

    f = fields_of(person)
    data = {"csrf_token": csrf_token_from(page), "name": f.name, "id_number": f.id_number, "relation": f.relation.value,
            "phone": f.phone or "", "labor_capacity": f.labor_capacity.value,
            "employment_status": f.employment_status.value, "broker_consent": "y"}
    assert client.post(f"/staff/people/{person.id}/edit", data=data).status_code == 302
    assert consent_of(FIRST) == today()
    assert "已同意" in client.get(f"/staff/people/{person.id}").get_data(as_text=True)
