"""The register (劳动力台账) and sites (安置点) formats: import and export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from jobmatch import values
from jobmatch.database import today
from jobmatch.errors import ImportRejected, RowError
from jobmatch.extensions import db
from jobmatch.people.models import Household, Person
from jobmatch.people.register import apply_register
from jobmatch.people.services import REGISTER_SOURCE
from jobmatch.people.validation import parse_person_fields
from jobmatch.places.models import Region, Site
from jobmatch.places.services import Scope, SiteIndex, ensure_site, validate_coordinates
from jobmatch.protect import protector
from jobmatch.spreadsheets.columns import REGISTER, SITES, Format
from jobmatch.spreadsheets.importing import ApplyResult, register_importer
from jobmatch.spreadsheets.reader import Table

MAX_REPORTED_ERRORS = 2000


def _row_dict(table: Table, fmt: Format, row: list) -> dict:
    return {name: table.cell(row, label) for label, name, _req in fmt.columns}


def _row_reader(table: Table, fmt: Format):
    """A fast row → {field: cell} function for one table (column positions resolved once)."""
    positions = [(name, table.header.get(label)) for label, name, _req in fmt.columns]

    def read(row: list) -> dict:
        size = len(row)
        return {name: (row[i] if i is not None and i < size else None) for name, i in positions}

    return read


def import_register(table: Table, fmt: Format, *, dry_run: bool, create_sites: bool, actor, import_id,
                    scope=None) -> ApplyResult:
    """Validate every row, then apply them all or none."""
    on = today()
    errors: list[RowError] = []
    parsed = []
    read = _row_reader(table, fmt)
    consent_given = fmt.label_of("broker_consent") in table.header
    for row_no, row in table.rows:
        raw = read(row)
        if consent_given and raw["broker_consent"] is None:
            raw["broker_consent"] = ""  # an empty cell is 否; only a missing column keeps the stored consent
        fields, problems = parse_person_fields(raw, on)
        for name, reason in problems.items():
            errors.append(RowError(row_no, fmt.label_of(name), reason))
        if not problems:
            parsed.append((row_no, fields))
    if errors:
        raise ImportRejected(errors[:MAX_REPORTED_ERRORS])
    result = apply_register(parsed, create_sites=create_sites, dry_run=dry_run, actor=actor, import_id=import_id,
                            scope=scope)
    if not result.ok:
        raise ImportRejected([RowError(e.row, fmt.label_of(e.field), e.reason) for e in result.errors][:MAX_REPORTED_ERRORS])
    notes = []
    if result.households_added:
        notes.append(f"新增 {result.households_added} 户")
    if result.sites_created:
        notes.append(f"新建安置点：{'、'.join(result.sites_created)}")
    if result.status_changes:
        notes.append(f"就业状态变化 {result.status_changes} 人")
    return ApplyResult(added=result.added, updated=result.updated, unchanged=result.unchanged, notes=notes)


def import_sites(table: Table, fmt: Format, *, dry_run: bool, create_sites: bool, actor, import_id,
                 scope=None) -> ApplyResult:
    """Upsert sites by (county, township, site) with coordinates and planned size.

    An uploader with a ``scope`` may only update sites inside it, and create new ones only
    with ``create_sites`` (city administrators).
    """
    errors: list[RowError] = []
    parsed = []
    seen: dict[tuple, int] = {}
    for row_no, row in table.rows:
        raw = _row_dict(table, fmt, row)
        item, problems = {}, {}
        for key in ("county", "township", "site"):
            item[key] = values.text(raw[key])
            if not item[key]:
                problems[key] = "必填"
            elif len(item[key]) > 60:
                problems[key] = "不能超过 60 个字"
        for key in ("longitude", "latitude"):
            try:
                item[key] = values.parse_number(raw[key], minimum=None)
            except ValueError as exc:
                problems[key] = str(exc)
        for key in ("planned_households", "planned_people"):
            try:
                item[key] = values.parse_number(raw[key], integer=True)
            except ValueError as exc:
                problems[key] = str(exc)
        if "longitude" not in problems and "latitude" not in problems:
            problems.update(validate_coordinates(item["longitude"], item["latitude"]))
        key = (item.get("county"), item.get("township"), item.get("site"))
        if not problems and key in seen:
            problems["site"] = f"与第{seen[key]}行重复"
        seen.setdefault(key, row_no)
        for name, reason in problems.items():
            errors.append(RowError(row_no, fmt.label_of(name), reason))
        parsed.append(item)
    if errors:
        raise ImportRejected(errors[:MAX_REPORTED_ERRORS])
    added = updated = unchanged = 0
    index = SiteIndex()
    outside = []
    for row_no, item in zip((n for n, _r in table.rows), parsed, strict=True):
        current = index.get(item["county"], item["township"], item["site"])
        if scope is not None and ((current is None and not create_sites) or (current is not None and not scope.allows(current.id))):
            outside.append(RowError(row_no, "安置点", "不在您的管辖范围内（新建安置点请联系县级审核员或市级管理员）"))
    if outside:
        raise ImportRejected(outside[:MAX_REPORTED_ERRORS])
    for item in parsed:
        current = index.get(item["county"], item["township"], item["site"])
        if current is None:
            added += 1
        elif all(
            item[k] is None or getattr(current, k) == item[k]
            for k in ("longitude", "latitude", "planned_households", "planned_people")
        ):
            unchanged += 1
            continue
        else:
            updated += 1
        if not dry_run:
            ensure_site(item["county"], item["township"], item["site"], longitude=item["longitude"],
                        latitude=item["latitude"], planned_households=item["planned_households"],
                        planned_people=item["planned_people"])
    return ApplyResult(added=added, updated=updated, unchanged=unchanged)


register_importer("register", import_register)
register_importer("sites", import_sites)


# --- export ---------------------------------------------------------------------------------

def _yes_no(flag: bool) -> str:
    return "是" if flag else "否"


def register_rows(scope: Scope, chunk: int = 5000) -> Iterator[list]:
    """Rows of the register format for every person in ``scope``, read in chunks without ORM objects."""
    from jobmatch.people.models import PersonCertificate, PersonSkill

    p = protector()
    county, township = sa.orm.aliased(Region), sa.orm.aliased(Region)
    base = (
        sa.select(
            Person.id, Household.code, county.name, township.name, Site.name, Person.name, Person.id_number_enc,
            Person.relation, Person.sex, Person.birth_date, Person.phone_enc, Person.education,
            Person.labor_capacity, Person.employment_status, Person.workplace, Person.monthly_income,
            Person.work_preference, Person.expected_wage, Person.wants_training, Person.is_monitored,
            Person.has_care_duty, Person.broker_consent_on,
        )
        .join(Household, Household.id == Person.household_id)
        .join(Site, Site.id == Household.site_id)
        .join(county, county.id == Site.county_id)
        .join(township, township.id == Site.township_id)
        .where(scope.filter(Person.site_id))
        .order_by(Person.id)
        .limit(chunk)
    )
    last_id = 0
    while True:
        rows = db.session.execute(base.where(Person.id > last_id)).all()
        if not rows:
            return
        ids = [r[0] for r in rows]
        skills: dict[int, list[str]] = {}
        certs: dict[int, list[str]] = {}
        for model, target in ((PersonSkill, skills), (PersonCertificate, certs)):
            for pid, raw in db.session.execute(
                sa.select(model.person_id, model.raw)
                .where(model.person_id.between(ids[0], ids[-1]), model.source == REGISTER_SOURCE)
                .order_by(model.person_id, model.position)
            ):
                target.setdefault(pid, []).append(raw)
        for (pid, code, county_name, township_name, site_name, name, id_enc, relation, sex, birth, phone_enc,
             education, capacity, status, workplace, income, preference, expected, training, monitored, care,
             consent_on) in rows:
            yield [
                code, county_name, township_name, site_name, name, p.decrypt(id_enc), relation.label, sex.label,
                birth.isoformat(), p.decrypt(phone_enc) or "", education.label if education else "",
                capacity.label, status.label, workplace or "", _number(income),
                preference.label if preference else "", _number(expected), _yes_no(training),
                "、".join(skills.get(pid, [])), "、".join(certs.get(pid, [])), _yes_no(monitored), _yes_no(care),
                _yes_no(consent_on is not None), consent_on.isoformat() if consent_on else "",
            ]
        last_id = ids[-1]


def _number(value: float | None):
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value


def write_xlsx(stream, fmt: Format, sheet_title: str, rows) -> int:
    """Write ``rows`` under ``fmt``'s header as text cells; returns the number of data rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title)
    bold = Font(bold=True)
    header = []
    for label in fmt.labels:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    book.save(stream)
    return count


def export_register(stream, scope: Scope) -> int:
    """Write the register of ``scope`` as xlsx in the exchange format; returns the row count."""
    return write_xlsx(stream, REGISTER, "劳动力台账", register_rows(scope))


def site_rows(scope: Scope) -> Iterator[list]:
    sites = db.session.scalars(
        sa.select(Site).where(scope.filter(Site.id)).order_by(Site.county_id, Site.township_id, Site.name)
    )
    for s in sites:
        yield [s.county.name, s.township.name, s.name, s.longitude, s.latitude, s.planned_households, s.planned_people]


def export_sites(stream, scope: Scope) -> int:
    return write_xlsx(stream, SITES, "安置点", site_rows(scope))


def export_file_name(kind: str, when: dt.date | None = None) -> str:
    from jobmatch.spreadsheets.columns import KIND_LABELS

    return f"{KIND_LABELS.get(kind, kind)}_{(when or today()):%Y%m%d}.xlsx"
