"""The postings and outcomes formats: all-or-nothing, upserts, idempotence, round trips, CLI."""

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.errors import ImportRejected
from jobmatch.extensions import db
from jobmatch.jobs.enums import Channel, PostingStatus, ReferralOutcome
from jobmatch.jobs.models import Employer, Posting, PostingCertificate, Referral, ReferralEvent
from jobmatch.people.enums import EmploymentStatus, StatusSource
from jobmatch.people.models import StatusEvent
from jobmatch.people.services import find_by_id_number
from jobmatch.places.services import all_sites_scope
from jobmatch.spreadsheets import loaders
from jobmatch.spreadsheets.importing import run_import
from tests.sheets import sample_path, sample_rows, to_csv, to_xlsx


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def register(app):
    run_import("sites", sample_path("sites.sample.csv").read_bytes(), "sites.csv")
    run_import("register", sample_path("register.sample.csv").read_bytes(), "register.csv")
    db.session.commit()


@pytest.fixture
def postings(register):
    run_import("postings", sample_path("postings.sample.csv").read_bytes(), "postings.csv")
    db.session.commit()


def rejected(kind, header, rows, **kw) -> list[str]:
    with pytest.raises(ImportRejected) as err:
        run_import(kind, to_csv(header, rows), f"{kind}.csv", **kw)
    db.session.rollback()
    return [str(e) for e in err.value.errors]


def export(kind) -> bytes:
    buffer = io.BytesIO()
    loaders.EXPORTERS[kind](buffer, all_sites_scope())
    return buffer.getvalue()


def test_sample_postings_import_whole_create_employers_and_reimport_unchanged(register):
    outcome = run_import("postings", sample_path("postings.sample.csv").read_bytes(), "postings.csv")
    db.session.commit()
    assert (outcome.added, outcome.updated, outcome.unchanged) == (12, 0, 0)
    assert "新增用工单位" in outcome.summary()
    assert count(Posting) == 12 and count(Employer) == 12
    jiangsu = db.session.scalar(sa.select(Posting).where(Posting.code == "GW00005"))
    assert jiangsu.channel is Channel.LABOR_EXPORT and jiangsu.province == "江苏" and jiangsu.site_id is None
    assert jiangsu.status is PostingStatus.OPEN and jiangsu.county.name == "平利县"
    assert [s.raw for s in jiangsu.must_skills] == ["开叉车"] and jiangsu.must_skills[0].skill.name == "叉车"
    driver = db.session.scalar(sa.select(Posting).where(Posting.code == "GW00009"))
    assert driver.certificates[0].certificate.name == "C1驾驶证"
    again = run_import("postings", sample_path("postings.sample.csv").read_bytes(), "postings.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 12)


def test_postings_export_round_trip_changes_nothing(postings):
    data = export("postings")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, _ = sample_rows("postings.sample.csv")
    assert list(rows[0]) == header
    assert len(rows) == 13
    again = run_import("postings", data, "岗位.xlsx")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 12)


def test_posting_upsert_changes_in_place(postings):
    header, rows = sample_rows("postings.sample.csv")
    rows[0][header.index("招聘人数")] = "30"
    rows[0][header.index("证书要求")] = "养老护理员(四级)"
    outcome = run_import("postings", to_csv(header, rows), "postings.csv")
    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 1, 11)
    posting = db.session.scalar(sa.select(Posting).where(Posting.code == "GW00001"))
    assert posting.headcount == 30 and posting.certificates[0].level == 4
    assert count(PostingCertificate) == 2


def test_bad_posting_rows_are_all_listed_and_nothing_is_written(register):
    header, rows = sample_rows("postings.sample.csv")
    col = header.index
    rows[0][col("截止日期")] = (today() - dt.timedelta(days=1)).isoformat()
    rows[1][col("最低年龄")], rows[1][col("最高年龄")] = "50", "30"
    rows[2][col("月薪下限(元)")], rows[2][col("月薪上限(元)")] = "5000", "3000"
    rows[3][col("招聘人数")] = "0"
    rows[4][col("证书要求")] = "护理证"
    rows[5][col("渠道")] = "外包"
    rows[7][col("岗位编号")] = rows[6][col("岗位编号")]
    rows[8][col("安置点")] = "不存在的安置点"
    errors = rejected("postings", header, rows)
    assert errors == [
        f"第2行 截止日期: 截止日期 {today() - dt.timedelta(days=1):%Y-%m-%d} 已过：新岗位的截止日期不能早于今天",
        "第3行 最低年龄: 最低年龄（50 岁）不能高于最高年龄（30 岁）",
        "第4行 月薪下限(元): 月薪下限（5000 元）不能高于上限（3000 元）",
        "第5行 招聘人数: 招聘人数至少为 1 人",
        "第6行 证书要求: 证书目录中没有“护理证”，最接近的是：养老护理员、养老护理、母婴护理",
        "第7行 渠道: “外包”不是有效值，应为：社区工厂/公益性岗位/劳务输出/县内企业/其他",
        "第9行 岗位编号: 与第8行的岗位编号重复",
        "第10行 安置点: 找不到安置点“不存在的安置点”",
    ]
    assert count(Posting) == 0 and count(Employer) == 0


def test_cross_row_posting_problems(register):
    header, rows = sample_rows("postings.sample.csv")
    col = header.index
    rows[6][col("岗位编号")] = rows[7][col("岗位编号")]
    rows[8][col("安置点")] = "不存在的安置点"
    errors = rejected("postings", header, rows)
    assert errors == ["第9行 岗位编号: 与第8行的岗位编号重复", "第10行 安置点: 找不到安置点“不存在的安置点”"]
    assert count(Posting) == 0


def test_channel_aliases_are_accepted(register):
    header, rows = sample_rows("postings.sample.csv")
    rows[0][header.index("渠道")] = "帮扶车间"
    rows[4][header.index("渠道")] = "劳务协作"
    run_import("postings", to_csv(header, rows), "postings.csv")
    channels = dict(db.session.execute(sa.select(Posting.code, Posting.channel)).all())
    assert channels["GW00001"] is Channel.COMMUNITY_FACTORY and channels["GW00005"] is Channel.LABOR_EXPORT


def test_sample_outcomes_import_and_reimport_unchanged(postings):
    outcome = run_import("outcomes", sample_path("outcomes.sample.csv").read_bytes(), "outcomes.csv")
    db.session.commit()
    assert (outcome.added, outcome.updated, outcome.unchanged) == (15, 0, 0)
    assert count(Referral) == 15 and count(Referral, Referral.source == "导入") == 15
    again = run_import("outcomes", sample_path("outcomes.sample.csv").read_bytes(), "outcomes.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 15)
    assert count(ReferralEvent) == 30  # 已推荐 and the result, once


def test_outcomes_export_round_trip(postings):
    run_import("outcomes", sample_path("outcomes.sample.csv").read_bytes(), "outcomes.csv")
    db.session.commit()
    data = export("outcomes")
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0] == ("身份证号", "岗位编号", "推荐日期", "结果", "入职日期", "离职日期") and len(rows) == 16
    again = run_import("outcomes", data, "推荐记录.xlsx")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 15)


def hire_rows(start: dt.date, end: dt.date | None = None):
    header, _ = sample_rows("outcomes.sample.csv")
    referred = start - dt.timedelta(days=10)
    row = ["610926199001280188", "GW00005", referred.isoformat(), "离职" if end else "录用", start.isoformat(),
           end.isoformat() if end else ""]
    return header, [row]


def register_dated(days_ago: int) -> None:
    """Pretend the register was imported ``days_ago`` days ago (placements are dated after it)."""
    from jobmatch.people.models import Person

    db.session.execute(sa.update(StatusEvent).values(effective_on=today() - dt.timedelta(days=days_ago)))
    db.session.execute(sa.update(Person).values(status_since=today() - dt.timedelta(days=days_ago)))
    db.session.commit()


def test_imported_hire_and_exit_update_the_status_history(postings):
    register_dated(400)
    start, end = today() - dt.timedelta(days=120), today() - dt.timedelta(days=20)
    header, rows = hire_rows(start)
    outcome = run_import("outcomes", to_csv(header, rows), "hire.csv")
    assert "就业状态变化 1 条" in outcome.summary()
    person = find_by_id_number("610926199001280188")
    assert person.employment_status is EmploymentStatus.OUT_OF_PROVINCE and person.status_since == start
    rows[0][3], rows[0][5] = "离职", end.isoformat()
    outcome = run_import("outcomes", to_csv(header, rows), "exit.csv")
    assert (outcome.added, outcome.updated) == (0, 1)
    db.session.expire_all()
    person = find_by_id_number("610926199001280188")
    assert person.employment_status is EmploymentStatus.UNEMPLOYED and person.status_since == end
    events = db.session.scalars(sa.select(StatusEvent).where(StatusEvent.person_id == person.id,
                                                             StatusEvent.source == StatusSource.PLACEMENT)
                                .order_by(StatusEvent.effective_on)).all()
    assert [(e.effective_on, e.status) for e in events] == [(start, EmploymentStatus.OUT_OF_PROVINCE),
                                                            (end, EmploymentStatus.UNEMPLOYED)]
    referral = db.session.scalar(sa.select(Referral))
    assert referral.outcome is ReferralOutcome.LEFT
    # an import never moves a referral back nor rewrites a recorded date
    rows[0][3], rows[0][5] = "录用", ""
    assert rejected("outcomes", header, rows) == ["第2行 结果: 系统中已登记为“离职”，不能改为“录用”"]


@pytest.mark.parametrize("change,expected", [
    (lambda r: r.__setitem__(0, "610926199001280170"), "第2行 身份证号: 身份证号校验位不正确，请核对每一位数字"),
    (lambda r: r.__setitem__(0, "11010519491231002X"), "第2行 身份证号: 台账中找不到该身份证号的人员（请先导入劳动力台账）"),
    (lambda r: r.__setitem__(1, "GW09999"), "第2行 岗位编号: 找不到岗位编号“GW09999”（请先导入岗位）"),
    (lambda r: r.__setitem__(5, (today() - dt.timedelta(days=200)).isoformat()),
     f"第2行 离职日期: 离职日期不能早于入职日期（{today() - dt.timedelta(days=120):%Y-%m-%d}）"),
    (lambda r: (r.__setitem__(3, "录用"), r.__setitem__(4, "")), "第2行 入职日期: 结果为“录用”时必须填写入职日期"),
    (lambda r: r.__setitem__(3, "未录用"), "第2行 入职日期: 结果为“未录用”时不应填写入职日期"),
    (lambda r: r.__setitem__(3, "通过"), "第2行 结果: “通过”不是有效值，应为：已推荐/面试/录用/未录用/本人放弃/离职"),
])
def test_bad_outcome_rows(postings, change, expected):
    header, rows = hire_rows(today() - dt.timedelta(days=120), today() - dt.timedelta(days=20))
    change(rows[0])
    errors = rejected("outcomes", header, rows)
    assert expected in errors
    assert count(Referral) == 0 and count(StatusEvent, StatusEvent.source == StatusSource.PLACEMENT) == 0


def test_outcomes_may_not_overfill_a_posting_or_overlap_placements(postings):
    header, _ = sample_rows("outcomes.sample.csv")
    posting = db.session.scalar(sa.select(Posting).where(Posting.code == "GW00001"))
    posting.headcount = 1
    db.session.commit()
    start = today() - dt.timedelta(days=60)
    rows = [
        ["610926199001280188", "GW00001", (start - dt.timedelta(days=5)).isoformat(), "录用", start.isoformat(), ""],
        ["610926198307232010", "GW00001", (start - dt.timedelta(days=5)).isoformat(), "录用", start.isoformat(), ""],
        ["610926199001280188", "GW00005", (start - dt.timedelta(days=3)).isoformat(), "录用",
         (start + dt.timedelta(days=10)).isoformat(), ""],
    ]
    errors = rejected("outcomes", header, rows)
    assert "第3行 结果: 岗位“GW00001”招聘 1 人，本行录用后超过招聘人数" in errors
    assert "第4行 入职日期: 与第2行时间重叠：同一人不能同时有两份全职工作" in errors
    assert count(Referral) == 0


def test_outcome_overlapping_a_placement_already_recorded(postings):
    header, _ = sample_rows("outcomes.sample.csv")
    start = today() - dt.timedelta(days=60)
    run_import("outcomes", to_csv(header, [["610926199001280188", "GW00005", (start - dt.timedelta(days=5)).isoformat(),
                                             "录用", start.isoformat(), ""]]), "a.csv")
    db.session.commit()
    later = ["610926199001280188", "GW00003", start.isoformat(), "录用", (start + dt.timedelta(days=9)).isoformat(), ""]
    errors = rejected("outcomes", header, [later])
    assert errors == [f"第2行 入职日期: 与已登记的录用（岗位 GW00005，{start:%Y-%m-%d} 入职）时间重叠：同一人不能同时有两份全职工作"]


def test_outcomes_xlsx_and_dry_run(postings):
    header, rows = sample_rows("outcomes.sample.csv")
    outcome = run_import("outcomes", to_xlsx(header, rows, sheet_title="推荐记录"), "推荐记录.xlsx", dry_run=True)
    assert outcome.added == 15 and count(Referral) == 0


def test_import_and_export_cli(runner, register, tmp_path):
    good = tmp_path / "postings.csv"
    good.write_bytes(sample_path("postings.sample.csv").read_bytes())
    header, rows = sample_rows("postings.sample.csv")
    rows[3][header.index("招聘人数")] = "0"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv(header, rows))
    result = runner.invoke(args=["import", "postings", str(bad)])
    assert result.exit_code == 1 and "第5行 招聘人数: 招聘人数至少为 1 人" in result.output
    assert runner.invoke(args=["import", "postings", str(good)]).exit_code == 0
    result = runner.invoke(args=["import", "outcomes", str(sample_path("outcomes.sample.csv"))])
    assert result.exit_code == 0 and "新增 15" in result.output
    for kind in ("postings", "outcomes"):
        target = tmp_path / f"{kind}.xlsx"
        result = runner.invoke(args=["export", kind, str(target)])
        assert result.exit_code == 0, result.output
        assert openpyxl.load_workbook(target).active.max_row == (13 if kind == "postings" else 16)


def test_shortlist_cli(runner, postings):
    result = runner.invoke(args=["shortlist", "GW00001", "--top", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("GW00001 织袜操作工（城关织袜社区工厂0）：符合硬性条件")
    assert "********" in result.output
    result = runner.invoke(args=["shortlist", "GW09999"])
    assert result.exit_code == 1 and "找不到岗位编号" in result.output
    lines = runner.invoke(args=["shortlist", "GW00001", "--format", "jsonl"]).output.strip().splitlines()
    import json

    first = json.loads(lines[0])
    assert first["posting"] == "GW00001" and first["rank"] == 1 and len(first["id_number"]) == 18
