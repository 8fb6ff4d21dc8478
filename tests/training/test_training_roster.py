"""Roster files (培训花名册): all-or-nothing import with row errors, idempotent, export round trip."""

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from jobmatch.errors import ImportRejected
from jobmatch.extensions import db
from jobmatch.people.models import PersonCertificate, PersonSkill
from jobmatch.people.services import reveal_id
from jobmatch.places.services import all_sites_scope
from jobmatch.spreadsheets import loaders  # noqa: F401  (registers the roster importer)
from jobmatch.spreadsheets.columns import FORMATS
from jobmatch.spreadsheets.importing import run_import
from jobmatch.spreadsheets.roster import export_roster
from jobmatch.training.models import Attendance, CertificateAward, CourseSession, Enrollment
from tests.factories import make_id, make_people, make_site, person_fields
from tests.sheets import to_xlsx
from tests.training.helpers import make_course

TODAY = dt.date.today()
HEADER = list(FORMATS["roster"].labels)


@pytest.fixture
def setup(app):
    make_site()
    people = make_people(*[
        person_fields(name=name, household_code=f"HH9{i:05d}", birth_date=dt.date(1980 + i, 1, 1))
        for i, name in enumerate(["王秀英", "张小花", "李长安"])
    ])
    scope = all_sites_scope()
    course = make_course(scope, starts_on=TODAY - dt.timedelta(days=12), days=5, capacity=2)
    return scope, course, people


def row(course, person, **cells):
    values = dict.fromkeys(HEADER, "")
    values.update({"课程编号": course.code, "身份证号": reveal_id(person), "姓名": person.name})
    values.update(cells)
    return [values[h] for h in HEADER]


def counts():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (Enrollment, Attendance, CourseSession, CertificateAward))


def test_full_roster_applies_flows_and_reimports_unchanged(setup):
    scope, course, (wang, zhang, _li) = setup
    days = [course.starts_on + dt.timedelta(days=i) for i in range(5)]
    data = to_xlsx(HEADER, [
        row(course, wang, 出勤日期="、".join(d.isoformat() for d in days), 结业="是", 考试结果="合格",
            证书="养老护理员(五级)", 证书编号="S001"),
        row(course, zhang, 出勤日期="、".join(d.isoformat() for d in days[:3])),
    ], sheet_title="培训花名册")
    outcome = run_import("roster", data, "花名册.xlsx")
    db.session.commit()
    assert (outcome.added, outcome.updated) == (2, 0)
    assert "新增课次 5 个" in outcome.summary() and "颁发证书 1 本" in outcome.summary()
    assert counts() == (2, 8, 5, 1)
    assert db.session.execute(sa.select(PersonSkill.raw, PersonSkill.source).where(PersonSkill.person_id == wang.id)).all() == [
        ("养老护理", "培训")]
    held = db.session.scalar(sa.select(PersonCertificate).where(PersonCertificate.person_id == wang.id))
    assert (held.raw, held.level, held.source) == ("养老护理员(五级)", 5, "培训")

    again = run_import("roster", data, "花名册.xlsx")
    db.session.commit()
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert counts() == (2, 8, 5, 1)

    buffer = io.BytesIO()
    assert export_roster(buffer, course, scope) == 2
    exported = buffer.getvalue()
    sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
    header = [c.value for c in sheet[1]]
    records = [dict(zip(header, [c.value for c in r], strict=True)) for r in sheet.iter_rows(min_row=2)]
    first = next(r for r in records if r["姓名"] == "王秀英")
    assert first["证书"] == "养老护理员(五级)" and first["结业"] == "是" and first["出勤次数"] == 5
    back = run_import("roster", exported, "导出的花名册.xlsx")
    assert (back.added, back.updated, back.unchanged) == (0, 0, 2)


@pytest.mark.parametrize("case,expected", [
    ("unknown_id", ("身份证号", "台账中没有这个身份证号")),
    ("over_capacity", ("身份证号", "已满")),
    ("attendance_outside", ("出勤日期", "不在课程日期")),
    ("award_without_completion", ("证书", "尚未结业")),
    ("expired_certificate", ("有效期至", "证书已过期")),
    ("wrong_name", ("姓名", "姓名与台账")),
    ("unknown_course", ("课程编号", "不存在")),
    ("unknown_certificate", ("证书", "证书目录中没有")),
])
def test_bad_rosters_write_nothing(setup, case, expected):
    _scope, course, (wang, zhang, li) = setup
    rows = [row(course, wang)]
    if case == "unknown_id":
        rows.append(row(course, zhang, 身份证号=make_id(dt.date(1991, 2, 3))))
    elif case == "over_capacity":
        rows += [row(course, zhang), row(course, li)]
    elif case == "attendance_outside":
        rows.append(row(course, zhang, 出勤日期=(course.ends_on + dt.timedelta(days=1)).isoformat()))
    elif case == "award_without_completion":
        rows.append(row(course, zhang, 证书="养老护理员(五级)"))
    elif case == "expired_certificate":
        rows.append(row(course, zhang, 结业="是", 证书="焊工证", 发证日期=course.ends_on.isoformat(),
                        有效期至=(TODAY - dt.timedelta(days=1)).isoformat()))
    elif case == "wrong_name":
        rows.append(row(course, zhang, 姓名="张大花"))
    elif case == "unknown_course":
        rows.append(row(course, zhang, 课程编号="PX1999-0099"))
    elif case == "unknown_certificate":
        rows.append(row(course, zhang, 结业="是", 证书="火箭发射员"))
    with pytest.raises(ImportRejected) as caught:
        run_import("roster", to_xlsx(HEADER, rows), "花名册.xlsx")
    db.session.commit()
    errors = [(e.row, e.column) for e in caught.value.errors]
    assert any(e.column == expected[0] and expected[1] in e.reason for e in caught.value.errors), caught.value.errors
    assert all(r >= 2 for r, _c in errors)
    assert counts() == (0, 0, 0, 0)


def test_roster_error_lists_row_numbers(setup):
    _scope, course, (wang, *_rest) = setup
    data = to_xlsx(HEADER, [row(course, wang), row(course, wang, 身份证号="123")])
    with pytest.raises(ImportRejected) as caught:
        run_import("roster", data, "花名册.xlsx")
    assert str(caught.value.errors[0]).startswith("第3行 身份证号: ")
