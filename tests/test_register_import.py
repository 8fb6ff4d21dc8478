"""The register exchange format: all-or-nothing imports, upserts, idempotence, round trips."""

import io

import openpyxl
import pytest
import sqlalchemy as sa

from jobmatch.errors import ImportRejected
from jobmatch.extensions import db
from jobmatch.people.enums import EmploymentStatus
from jobmatch.people.models import Household, Person, PersonSkill, StatusEvent
from jobmatch.people.services import find_by_id_number
from jobmatch.places.services import all_sites_scope
from jobmatch.spreadsheets import loaders  # noqa: F401
from jobmatch.spreadsheets.importing import run_import
from jobmatch.spreadsheets.models import ImportRecord
from jobmatch.spreadsheets.register import export_register
from tests.sheets import sample_path, sample_rows, to_csv, to_xlsx, with_cached_formula_values


def count(model) -> int:
    stmt = sa.select(sa.func.count()).select_from(model)
    if model is ImportRecord:
        stmt = stmt.where(ImportRecord.kind == "register")
    return db.session.scalar(stmt)


@pytest.fixture
def sites(app):
    run_import("sites", sample_path("sites.sample.csv").read_bytes(), "sites.csv")
    db.session.commit()


def import_rows(header, rows, **kw):
    outcome = run_import("register", to_csv(header, rows), "register.csv", **kw)
    db.session.commit()
    return outcome


def rejected_errors(header, rows, data=None, **kw) -> list[str]:
    with pytest.raises(ImportRejected) as err:
        run_import("register", data if data is not None else to_csv(header, rows), "register.csv", **kw)
    db.session.rollback()
    return [str(e) for e in err.value.errors]


def test_sample_register_imports_whole_and_reimports_unchanged(sites):
    header, rows = sample_rows()
    outcome = import_rows(header, rows)
    assert (outcome.added, outcome.updated, outcome.unchanged) == (40, 0, 0)
    assert count(Person) == 40 and count(Household) == 11
    events = count(StatusEvent)
    again = import_rows(header, rows)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 40)
    assert count(Person) == 40 and count(StatusEvent) == events
    record = db.session.scalars(
        sa.select(ImportRecord).where(ImportRecord.kind == "register").order_by(ImportRecord.id)
    ).all()
    assert [r.rows_added for r in record] == [40, 0]
    assert len(record[0].sha256) == 64 and record[0].file_name == "register.csv"


def test_dry_run_validates_without_writing(sites):
    header, rows = sample_rows()
    outcome = import_rows(header, rows, dry_run=True)
    assert outcome.added == 40
    assert count(Person) == 0 and count(ImportRecord) == 0


def test_one_bad_row_changes_nothing_and_is_named(sites):
    header, rows = sample_rows()
    rows[4][header.index("身份证号")] = rows[4][header.index("身份证号")][:-1] + "0"
    errors = rejected_errors(header, rows)
    assert errors == ["第6行 身份证号: 身份证号校验位不正确，请核对每一位数字"]
    assert count(Person) == 0 and count(Household) == 0 and count(ImportRecord) == 0


def test_every_bad_row_is_listed_with_row_and_column(sites):
    header, rows = sample_rows()
    rows[0][header.index("劳动能力")] = "很强"
    rows[1][header.index("就业状态")] = ""
    rows[2][header.index("联系电话")] = "12345"
    rows[3][header.index("月收入(元)")] = "-1"
    rows[5][header.index("照料负担")] = "也许"
    errors = rejected_errors(header, rows)
    assert errors[0].startswith("第2行 劳动能力: “很强”不是有效值")
    assert "第3行 就业状态: 必填" in errors
    assert any(e.startswith("第4行 联系电话") for e in errors)
    assert "第5行 月收入(元): 不能小于 0" in errors
    assert any(e.startswith("第7行 照料负担") for e in errors)
    assert count(Person) == 0


def test_impossible_birth_date(sites):
    header, rows = sample_rows()
    body = "61092619900230011"
    from jobmatch.people.idnumber import check_char

    rows[0][header.index("身份证号")] = body + check_char(body)
    assert rejected_errors(header, rows) == ["第2行 身份证号: 身份证号中的出生日期 19900230 不存在"]


def test_sex_or_birth_date_that_disagree_with_the_id(sites):
    header, rows = sample_rows()
    header = header + ["性别", "出生日期"]
    rows = [r + ["", ""] for r in rows]
    rows[0][-2] = "女"  # 610926199007250115 is male
    rows[1][-1] = "1990-01-01"
    errors = rejected_errors(header, rows)
    assert errors == ["第2行 性别: 与身份证号不符（身份证号显示为男）",
                      "第3行 出生日期: 与身份证号不符（身份证号显示为 1990-01-28）"]


def test_same_id_twice_in_one_file(sites):
    header, rows = sample_rows()
    rows[10] = rows[3][:]
    rows[10][0] = rows[3][0]
    errors = rejected_errors(header, rows)
    assert "第12行 身份证号: 与第5行的身份证号重复" in errors


def test_unknown_site_rejected_unless_created(sites):
    header, rows = sample_rows()
    rows[0][header.index("安置点")] = "新建9号安置点"
    rows[1][header.index("安置点")] = "新建9号安置点"
    for r in rows[2:6]:
        r[header.index("安置点")] = "新建9号安置点"
    errors = rejected_errors(header, rows)
    assert errors[0].startswith("第2行 安置点: 找不到安置点“平利县八仙镇新建9号安置点”")
    outcome = import_rows(header, rows, create_sites=True)
    assert outcome.added == 40 and "新建安置点" in outcome.summary()


def test_household_with_two_heads(sites):
    header, rows = sample_rows()
    rows[1][header.index("与户主关系")] = "户主"
    errors = rejected_errors(header, rows)
    assert errors == ["第3行 与户主关系: 该户（户编号 HH000001）有两个户主：第2行和第3行"]


def test_second_head_against_the_database(sites):
    header, rows = sample_rows()
    import_rows(header, rows)
    new = rows[1][:]
    from tests.factories import make_id

    new[header.index("身份证号")] = make_id()
    new[header.index("与户主关系")] = "户主"
    errors = rejected_errors(header, [new])
    assert errors == ["第2行 与户主关系: 户编号 HH000001 在系统中已有户主，一户只能有一个户主"]


def test_gbk_csv_is_read(sites):
    header, rows = sample_rows()
    outcome = run_import("register", to_csv(header, rows, encoding="gb18030"), "gbk.csv")
    assert outcome.added == 40
    person = find_by_id_number("610926199007250115")
    assert person.name == "陈丽" and person.site.name == "八仙1号安置点"


def test_xlsx_with_title_row_merged_header_and_trailing_blank_rows(sites):
    header, rows = sample_rows()
    data = to_xlsx(header, rows, title_row="平利县搬迁劳动力台账（2026年11月）", trailing_blank=30)
    outcome = run_import("register", data, "台账.xlsx")
    assert outcome.added == 40
    assert any("表头在第2行" in w for w in outcome.warnings)


def test_xlsx_with_formulas_uses_cached_values(sites):
    header, rows = sample_rows()
    rows = [r[:] for r in rows]
    rows[0][0] = '="HH"&"000001"'
    data = with_cached_formula_values(to_xlsx(header, rows), {"A2": "HH000001"})
    outcome = run_import("register", data, "formulas.xlsx")
    assert outcome.added == 40
    assert find_by_id_number("610926199007250115").household.code == "HH000001"


def test_xlsx_formula_without_cached_value_is_an_error(sites):
    header, rows = sample_rows()
    rows[0][0] = '="HH"&"000001"'
    errors = rejected_errors(header, rows, data=to_xlsx(header, rows))
    assert errors == ["第2行 A列: 单元格是公式但没有计算结果，请在 Excel 中打开并保存后再导入"]


def test_numeric_id_cells_are_refused(sites):
    header, rows = sample_rows()
    rows = [list(r) for r in rows]
    rows[0][header.index("身份证号")] = 610926199007250115
    errors = rejected_errors(header, rows, data=to_xlsx(header, rows))
    assert errors[0].startswith("第2行 身份证号: 身份证号被 Excel 存成了数字")


@pytest.mark.parametrize("data,expected", [
    (b"%PDF-1.4 ....", "不是表格"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "不是表格"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    (b"PK\x03\x04garbage", "损坏"),
    (b"just some words without any columns", "第一行"),
    (b"", "空"),
    ("姓名,年龄\n张三,30\n".encode(), "缺少必填列"),
])
def test_files_that_are_not_registers(app, data, expected):
    errors = rejected_errors(None, None, data=data)
    assert any(expected in e for e in errors), errors


def test_missing_required_columns_are_listed(sites):
    header, rows = sample_rows()
    i = header.index("劳动能力")
    header = header[:i] + header[i + 1:]
    rows = [r[:i] + r[i + 1:] for r in rows]
    assert rejected_errors(header, rows) == ["第1行 劳动能力: 缺少必填列"]


def test_upsert_updates_in_place_and_records_status_history(sites):
    header, rows = sample_rows()
    import_rows(header, rows)
    person = find_by_id_number("610926199001280188")
    assert person.employment_status is EmploymentStatus.UNEMPLOYED
    rows[1][header.index("就业状态")] = "省外务工"
    rows[1][header.index("务工地点")] = "江苏苏州"
    rows[1][header.index("联系电话")] = "13900001111"
    outcome = import_rows(header, rows)
    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 1, 39)
    db.session.expire_all()
    person = find_by_id_number("610926199001280188")
    assert person.employment_status is EmploymentStatus.OUT_OF_PROVINCE and person.workplace == "江苏苏州"
    history = [(e.previous_status, e.status) for e in reversed(person.status_events)]
    assert history == [(None, EmploymentStatus.UNEMPLOYED), (EmploymentStatus.UNEMPLOYED, EmploymentStatus.OUT_OF_PROVINCE)]


def test_unknown_extra_columns_are_a_warning(sites):
    header, rows = sample_rows()
    outcome = import_rows(header + ["备注"], [r + ["x"] for r in rows])
    assert outcome.added == 40
    assert any("备注" in w for w in outcome.warnings)


def test_export_round_trip_changes_nothing(sites):
    header, rows = sample_rows()
    import_rows(header, rows)
    buffer = io.BytesIO()
    assert export_register(buffer, all_sites_scope()) == 40
    data = buffer.getvalue()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    exported = list(sheet.iter_rows(values_only=True))
    assert exported[0][:7] == ("户编号", "县(区)", "镇(街道)", "安置点", "姓名", "身份证号", "与户主关系")
    by_id = {r[5]: r for r in exported[1:]}
    original = {r[header.index("身份证号")]: r for r in rows}
    assert set(by_id) == set(original)
    row = by_id["610926199001280188"]
    assert row[exported[0].index("技能")] == "制茶、毛绒玩具加工、护林"
    assert row[exported[0].index("联系电话")] == "13836958886"
    events = count(StatusEvent)
    skills = count(PersonSkill)
    again = run_import("register", data, "export.xlsx")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 40)
    assert count(StatusEvent) == events and count(PersonSkill) == skills


def test_import_cli_exit_codes(runner, sites, tmp_path):
    header, rows = sample_rows()
    good = tmp_path / "good.csv"
    good.write_bytes(to_csv(header, rows))
    bad_rows = [r[:] for r in rows]
    bad_rows[0][header.index("与户主关系")] = "邻居"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv(header, bad_rows))
    result = runner.invoke(args=["import", "register", str(bad)])
    assert result.exit_code == 1
    assert "第2行 与户主关系: “邻居”不是有效值" in result.output
    assert count(Person) == 0
    result = runner.invoke(args=["import", "register", str(good), "--dry-run"])
    assert result.exit_code == 0 and "校验通过" in result.output and count(Person) == 0
    result = runner.invoke(args=["import", "register", str(good)])
    assert result.exit_code == 0 and "新增 40" in result.output and count(Person) == 40
    result = runner.invoke(args=["import", "register", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    result = runner.invoke(args=["import", "nonsense", str(good)])
    assert result.exit_code == 2


def test_id_numbers_are_not_stored_in_clear(sites):
    header, rows = sample_rows()
    import_rows(header, rows)
    raw = db.session.execute(sa.text("SELECT * FROM persons")).all()
    dump = repr(raw)
    for r in rows:
        assert r[header.index("身份证号")] not in dump
        if r[header.index("联系电话")]:
            assert r[header.index("联系电话")] not in dump
