"""The training roster (培训花名册) format: import and export, and the outcomes export."""

from __future__ import annotations

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from jobmatch import values
from jobmatch.errors import ImportRejected, RowError
from jobmatch.extensions import db
from jobmatch.people.idnumber import IdNumberError, parse_id_number
from jobmatch.people.models import Person
from jobmatch.places.models import Site
from jobmatch.places.services import Scope
from jobmatch.protect import protector
from jobmatch.spreadsheets.columns import Format, register_format
from jobmatch.spreadsheets.importing import ApplyResult, register_importer
from jobmatch.spreadsheets.reader import Table
from jobmatch.training.enums import EnrollmentStatus, ExamResult
from jobmatch.training.models import Attendance, CertificateAward, Course, CourseSession, Enrollment
from jobmatch.training.roster import RosterRow, apply_roster
from jobmatch.training.services import certificate_text
from jobmatch.vocab.normalize import split_list

MAX_REPORTED_ERRORS = 2000

ROSTER = Format(
    kind="roster",
    sheet_names=("培训花名册", "花名册"),
    columns=(
        ("课程编号", "course_code", True),
        ("课程名称", "course_name", False),
        ("身份证号", "id_number", True),
        ("姓名", "name", True),
        ("安置点", "site", False),
        ("报名日期", "enrolled_on", False),
        ("出勤日期", "attended", False),
        ("出勤次数", "attended_count", False),
        ("结业", "completed", False),
        ("结业日期", "completed_on", False),
        ("考试结果", "exam_result", False),
        ("考试日期", "exam_on", False),
        ("证书", "certificate", False),
        ("证书编号", "certificate_number", False),
        ("发证日期", "awarded_on", False),
        ("有效期至", "expires_on", False),
    ),
)
register_format(ROSTER)


def parse_roster_row(raw: dict) -> tuple[RosterRow | None, dict[str, str]]:
    """Check one row's cells; (row, {}) or (None, field → reason)."""
    problems: dict[str, str] = {}
    code = values.text(raw["course_code"]).upper()
    if not code:
        problems["course_code"] = "必填"
    id_number = values.text(raw["id_number"]).upper()
    try:
        parse_id_number(id_number)
    except IdNumberError as exc:
        problems["id_number"] = str(exc)
    name = values.text(raw["name"])
    if not name:
        problems["name"] = "必填"
    parsed: dict = {}
    for key in ("enrolled_on", "completed_on", "exam_on", "awarded_on", "expires_on"):
        try:
            parsed[key] = values.parse_date(raw[key])
        except ValueError as exc:
            problems[key] = str(exc)
    attended = None
    if not values.is_blank(raw["attended"]):
        attended = []
        cell = raw["attended"]
        items = [cell] if not isinstance(cell, str) else split_list(cell.replace("，", "、"))
        for item in items:
            try:
                day = values.parse_date(item)
            except ValueError as exc:
                problems["attended"] = f"“{values.text(item)}”：{exc}"
                break
            if day is not None:
                attended.append(day)
    try:
        completed = values.parse_bool(raw["completed"])
    except ValueError as exc:
        problems["completed"] = str(exc)
        completed = False
    exam = None
    if not values.is_blank(raw["exam_result"]):
        exam = ExamResult.from_label(values.text(raw["exam_result"]))
        if exam is None:
            problems["exam_result"] = "应为 合格 / 不合格 / 缺考"
    certificate = values.text(raw["certificate"])
    if len(certificate) > 80:
        problems["certificate"] = "不超过 80 个字"
    number = values.text(raw["certificate_number"])
    if len(number) > 60:
        problems["certificate_number"] = "不超过 60 个字"
    if (number or parsed.get("awarded_on") or parsed.get("expires_on")) and not certificate and not problems:
        problems["certificate"] = "填写了证书编号或日期，但没有填写证书名称"
    if problems:
        return None, problems
    return RosterRow(
        course_code=code, id_number=id_number, name=name, enrolled_on=parsed["enrolled_on"], attended=attended,
        completed=completed, completed_on=parsed["completed_on"], exam_result=exam, exam_on=parsed["exam_on"],
        certificate=certificate, certificate_number=number or None, awarded_on=parsed["awarded_on"],
        expires_on=parsed["expires_on"],
    ), {}


def import_roster(table: Table, fmt: Format, *, dry_run: bool, create_sites: bool, actor, import_id,
                  scope=None) -> ApplyResult:
    """Validate every row, then apply them all or none."""
    errors: list[RowError] = []
    parsed = []
    for row_no, row in table.rows:
        raw = {name: table.cell(row, label) for label, name, _req in fmt.columns}
        item, problems = parse_roster_row(raw)
        for name, reason in problems.items():
            errors.append(RowError(row_no, fmt.label_of(name), reason))
        if item is not None:
            parsed.append((row_no, item))
    if errors:
        raise ImportRejected(errors[:MAX_REPORTED_ERRORS])
    result = apply_roster(parsed, scope=scope, dry_run=dry_run, actor=actor)
    if result.errors:
        raise ImportRejected([RowError(e.row, fmt.label_of(e.field), e.reason) for e in result.errors][:MAX_REPORTED_ERRORS])
    notes = []
    if result.sessions_created:
        notes.append(f"新增课次 {result.sessions_created} 个")
    if result.completed:
        notes.append(f"结业 {result.completed} 人")
    if result.certificates:
        notes.append(f"颁发证书 {result.certificates} 本")
    return ApplyResult(added=result.added, updated=result.updated, unchanged=result.unchanged, notes=notes)


register_importer("roster", import_roster)


# --- export -----------------------------------------------------------------------------------

def roster_rows(course: Course, scope: Scope) -> list[list]:
    """The roster of a course for the people of ``scope`` (full ID numbers: the file is re-importable)."""
    p = protector()
    enrollments = db.session.execute(
        sa.select(Enrollment, Person.name, Person.id_number_enc, Site.name)
        .join(Person, Person.id == Enrollment.person_id).join(Site, Site.id == Person.site_id)
        .where(Enrollment.course_id == course.id, scope.filter(Person.site_id))
        .order_by(Site.name, Person.name, Enrollment.id)
    ).all()
    ids = [e.id for e, *_ in enrollments]
    days: dict[int, list] = {}
    awards: dict[int, CertificateAward] = {}
    if ids:
        for eid, day in db.session.execute(
            sa.select(Attendance.enrollment_id, CourseSession.held_on)
            .join(CourseSession, CourseSession.id == Attendance.session_id)
            .where(Attendance.enrollment_id.in_(ids)).order_by(CourseSession.held_on)
        ):
            days.setdefault(eid, []).append(day)
        for award in db.session.scalars(
            sa.select(CertificateAward).where(CertificateAward.enrollment_id.in_(ids))
            .order_by(CertificateAward.awarded_on).options(sa.orm.joinedload(CertificateAward.certificate))
        ):
            awards[award.enrollment_id] = award
    rows = []
    for e, name, id_enc, site in enrollments:
        attended = days.get(e.id, [])
        award = awards.get(e.id)
        rows.append([
            course.code, course.name, p.decrypt(id_enc), name, site, e.enrolled_on.isoformat(),
            "、".join(d.isoformat() for d in attended), len(attended),
            "是" if e.status is EnrollmentStatus.COMPLETED else "否",
            e.completed_on.isoformat() if e.completed_on else "", e.exam_result.label if e.exam_result else "",
            e.exam_on.isoformat() if e.exam_on else "",
            certificate_text(award.certificate.name, award.level) if award else "",
            (award.number or "") if award else "", award.awarded_on.isoformat() if award else "",
            award.expires_on.isoformat() if award and award.expires_on else "",
        ])
    return rows


def export_roster(stream, course: Course, scope: Scope) -> int:
    """Write a course's roster as xlsx in the roster format; returns the row count."""
    from jobmatch.spreadsheets.register import write_xlsx

    return write_xlsx(stream, ROSTER, "培训花名册", roster_rows(course, scope))


def export_outcomes(stream, by_course, by_provider) -> int:
    """Write training outcomes (per course and per provider) as a two-sheet xlsx."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list]) -> None:
        ws = book.create_sheet(title)
        cells = []
        for label in header:
            cell = WriteOnlyCell(ws, value=label)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        for row in rows:
            ws.append(row)

    common = ["结业人数", "满3个月人数", "3个月内就业", "3个月就业率", "满6个月人数", "6个月内就业", "6个月就业率",
              "培训前月收入(元)", "培训后月收入(元)", "月收入变化(元)"]

    def figures(o) -> list:
        return [o.completed, o.due_3, o.employed_3, _pct(o.rate_3), o.due_6, o.employed_6, _pct(o.rate_6),
                _money(o.income_before), _money(o.income_after), _money(o.income_change)]

    sheet("按课程", ["课程编号", "课程名称", "培训类型", "培训机构", "开班日期", *common],
          [[o.extra["code"], o.name, o.extra["kind"], o.extra["provider"], o.extra["starts_on"].isoformat(), *figures(o)]
           for o in by_course])
    sheet("按培训机构", ["培训机构", *common], [[o.name, *figures(o)] for o in by_provider])
    book.save(stream)
    return len(by_course)


def _pct(value: float | None):
    return "" if value is None else round(value * 100, 1)


def _money(value: float | None):
    return "" if value is None else round(value)
