"""The postings (岗位) and outcomes (推荐记录) formats: import and export; the subsidy ledger export."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from jobmatch.database import today
from jobmatch.errors import ImportRejected, RowError
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.jobs import subsidies
from jobmatch.jobs.models import Posting, Referral
from jobmatch.jobs.validation import NO_REQUIREMENT, parse_outcome_fields, parse_posting_fields
from jobmatch.people.models import Person
from jobmatch.places.services import Scope
from jobmatch.protect import protector
from jobmatch.spreadsheets.columns import Format, register_format
from jobmatch.spreadsheets.importing import ApplyResult, register_importer
from jobmatch.spreadsheets.reader import Table
from jobmatch.spreadsheets.register import MAX_REPORTED_ERRORS, _number, _yes_no, write_xlsx
from jobmatch.vocab.services import Vocabulary, ensure_seed

POSTINGS = Format(
    kind="postings",
    sheet_names=("岗位",),
    columns=(
        ("岗位编号", "code", True),
        ("用工单位", "employer", True),
        ("渠道", "channel", True),
        ("岗位名称", "title", True),
        ("招聘人数", "headcount", True),
        ("工作地点", "workplace", False),
        ("工作省份", "province", True),
        ("安置点", "site", False),
        ("最低年龄", "min_age", False),
        ("最高年龄", "max_age", False),
        ("文化程度要求", "education", False),
        ("技能要求", "must_skills", False),
        ("优先技能", "nice_skills", False),
        ("证书要求", "certificates", False),
        ("劳动强度", "intensity", False),
        ("工作时间", "hours", False),
        ("月薪下限(元)", "wage_min", False),
        ("月薪上限(元)", "wage_max", False),
        ("包吃住", "board_lodging", False),
        ("截止日期", "deadline", False),
        ("经度", "longitude", False),
        ("纬度", "latitude", False),
    ),
)

OUTCOMES = Format(
    kind="outcomes",
    sheet_names=("推荐记录",),
    columns=(
        ("身份证号", "id_number", True),
        ("岗位编号", "posting_code", True),
        ("推荐日期", "referred_on", True),
        ("结果", "outcome", True),
        ("入职日期", "started_on", False),
        ("离职日期", "ended_on", False),
    ),
)

register_format(POSTINGS)
register_format(OUTCOMES)


def _row_dict(table: Table, fmt: Format, row: list) -> dict:
    return {name: table.cell(row, label) for label, name, _req in fmt.columns}


def _rejected(fmt: Format, errors: list[RowError], problems) -> ImportRejected:
    found = errors + [RowError(p.row, fmt.label_of(p.field), p.reason) for p in problems]
    found.sort(key=lambda e: (e.row or 0, fmt.labels.index(e.column) if e.column in fmt.labels else 99))
    return ImportRejected(found[:MAX_REPORTED_ERRORS])


def import_postings(table: Table, fmt: Format, *, dry_run: bool, create_sites: bool, actor, import_id,
                    scope=None) -> ApplyResult:
    """Validate every posting row, then upsert them all by 岗位编号 or none."""
    on = today()
    ensure_seed()
    vocab = Vocabulary()
    errors: list[RowError] = []
    parsed = []
    for row_no, row in table.rows:
        fields, problems = parse_posting_fields(_row_dict(table, fmt, row), on, vocab)
        errors.extend(RowError(row_no, fmt.label_of(name), reason) for name, reason in problems.items())
        if not problems:
            parsed.append((row_no, fields))
    # the valid rows still go through the cross-row checks, so every problem is listed at once
    result = jobs.apply_postings(parsed, scope=scope, actor=actor, import_id=import_id,
                                 dry_run=dry_run or bool(errors), on=on)
    if errors or not result.ok:
        raise _rejected(fmt, errors, result.errors)
    notes = [f"新增用工单位 {result.employers_added} 个"] if result.employers_added else []
    return ApplyResult(added=result.added, updated=result.updated, unchanged=result.unchanged, notes=notes)


def import_outcomes(table: Table, fmt: Format, *, dry_run: bool, create_sites: bool, actor, import_id,
                    scope=None) -> ApplyResult:
    """Validate every outcome row, then upsert them all by (身份证号, 岗位编号, 推荐日期) or none."""
    on = today()
    errors: list[RowError] = []
    parsed = []
    for row_no, row in table.rows:
        fields, problems = parse_outcome_fields(_row_dict(table, fmt, row), on)
        errors.extend(RowError(row_no, fmt.label_of(name), reason) for name, reason in problems.items())
        if not problems:
            parsed.append((row_no, fields))
    result = jobs.apply_outcomes(parsed, scope=scope, actor=actor, import_id=import_id, dry_run=dry_run or bool(errors))
    if errors or not result.ok:
        raise _rejected(fmt, errors, result.errors)
    notes = [f"就业状态变化 {result.status_changes} 条"] if result.status_changes else []
    return ApplyResult(added=result.added, updated=result.updated, unchanged=result.unchanged, notes=notes)


register_importer("postings", import_postings)
register_importer("outcomes", import_outcomes)


# --- export ---------------------------------------------------------------------------------------

def posting_rows(scope: Scope) -> Iterator[list]:
    """Rows of the postings format for every posting of the scope's counties."""
    postings = db.session.scalars(
        sa.select(Posting).where(jobs.posting_in_scope(scope)).order_by(Posting.code)
        .options(sa.orm.joinedload(Posting.employer), sa.orm.joinedload(Posting.site),
                 sa.orm.selectinload(Posting.skills), sa.orm.selectinload(Posting.certificates))
    )
    for p in postings:
        yield [
            p.code, p.employer.name, p.channel.label, p.title, p.headcount, p.workplace or "", p.province,
            p.site.name if p.site else "", p.min_age if p.min_age is not None else "",
            p.max_age if p.max_age is not None else "", p.education.label if p.education else NO_REQUIREMENT,
            "、".join(s.raw for s in p.must_skills), "、".join(s.raw for s in p.nice_skills),
            "、".join(c.raw for c in p.certificates), p.intensity.label if p.intensity else "",
            p.hours.label if p.hours else "", _number(p.wage_min), _number(p.wage_max), _yes_no(p.board_lodging),
            p.deadline.isoformat() if p.deadline else "", _number(p.longitude), _number(p.latitude),
        ]


def export_postings(stream, scope: Scope) -> int:
    """Write the scope's postings as xlsx in the exchange format; returns the row count."""
    return write_xlsx(stream, POSTINGS, "岗位", posting_rows(scope))


def outcome_rows(scope: Scope, chunk: int = 5000) -> Iterator[list]:
    """Rows of the outcomes format for every referral of a person in ``scope``, read in chunks."""
    p = protector()
    base = (
        sa.select(Referral.id, Person.id_number_enc, Posting.code, Referral.referred_on, Referral.outcome,
                  Referral.started_on, Referral.ended_on)
        .join(Person, Person.id == Referral.person_id).join(Posting, Posting.id == Referral.posting_id)
        .where(scope.filter(Person.site_id)).order_by(Referral.id).limit(chunk)
    )
    last = 0
    while True:
        rows = db.session.execute(base.where(Referral.id > last)).all()
        if not rows:
            return
        for _rid, id_enc, code, referred_on, outcome, started, ended in rows:
            yield [p.decrypt(id_enc), code, referred_on.isoformat(), outcome.label,
                   started.isoformat() if started else "", ended.isoformat() if ended else ""]
        last = rows[-1][0]


def export_outcomes(stream, scope: Scope) -> int:
    """Write the referral outcomes of people in ``scope`` as xlsx in the exchange format."""
    return write_xlsx(stream, OUTCOMES, "推荐记录", outcome_rows(scope))


def export_ledger(stream, county_id: int, *, month_from=None, month_to=None) -> int:
    """Write the subsidy ledger in force (for payment) as xlsx; returns the row count."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("补贴台账")
    bold = Font(bold=True)
    header = []
    for label in subsidies.LEDGER_HEADER:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in subsidies.ledger_rows(county_id, month_from=month_from, month_to=month_to):
        sheet.append(row)
        count += 1
    book.save(stream)
    return count
