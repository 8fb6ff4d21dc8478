"""Applying a whole register (many rows) at once: all or nothing, upsert by ID number.

Cross-row rules live here (duplicate ID numbers, one head per household, one site
per household, known sites); per-row rules live in ``validation.py``. Writes use
bulk statements so a county's 96,000 rows apply in seconds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from jobmatch.database import today as _today
from jobmatch.database import utcnow
from jobmatch.extensions import db
from jobmatch.people.enums import Relation, StatusEventKind, StatusSource
from jobmatch.people.models import Household, Person, PersonCertificate, PersonSkill, StatusEvent
from jobmatch.people.services import (
    REGISTER_SOURCE,
    _chunks,
    certificate_rows,
    person_columns,
    protected_columns,
    replace_register_items,
    resolve_consent,
    skill_rows,
)
from jobmatch.people.validation import PersonFields
from jobmatch.places.services import Scope, SiteIndex, ensure_site, find_county
from jobmatch.protect import protector
from jobmatch.vocab.services import Vocabulary, ensure_seed, fill_skill_codes


@dataclass
class FieldError:
    row: int
    field: str
    reason: str


@dataclass
class RegisterResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    households_added: int = 0
    sites_created: list[str] = field(default_factory=list)
    status_changes: int = 0
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_COMPARED = (
    "name", "sex", "birth_date", "relation", "education", "labor_capacity", "work_preference",
    "expected_wage", "wants_training", "is_monitored", "has_care_duty", "broker_consent_on",
)


@dataclass
class _Existing:
    id: int
    household_id: int
    site_id: int
    values: dict
    phone_hash: str | None
    status: object
    workplace: str | None
    monthly_income: float | None
    skills: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)
    #: texts held from training: a register row naming one of them is not a change
    held_otherwise: set[str] = field(default_factory=set)

    def register_items_differ(self, f: PersonFields) -> bool:
        """Whether the file's skills/certificates differ from the register-sourced ones."""
        skills = [s for s in f.skills if s not in self.held_otherwise]
        certificates = [c for c in f.certificates if c not in self.held_otherwise]
        return self.skills != skills or self.certificates != certificates


def _load_existing(hashes: list[str]) -> dict[str, _Existing]:
    found: dict[str, _Existing] = {}
    cols = [getattr(Person, c) for c in _COMPARED]
    for chunk in _chunks(hashes, 900):
        rows = db.session.execute(
            sa.select(
                Person.id_number_hash, Person.id, Person.household_id, Person.site_id, Person.phone_hash,
                Person.employment_status, Person.workplace, Person.monthly_income, *cols,
            ).where(Person.id_number_hash.in_(chunk))
        ).all()
        for r in rows:
            found[r[0]] = _Existing(
                id=r[1], household_id=r[2], site_id=r[3], phone_hash=r[4], status=r[5], workplace=r[6],
                monthly_income=r[7], values=dict(zip(_COMPARED, r[8:], strict=True)),
            )
    by_id = {e.id: e for e in found.values()}
    for chunk in _chunks(list(by_id), 900):
        for pid, raw in db.session.execute(
            sa.select(PersonSkill.person_id, PersonSkill.raw)
            .where(PersonSkill.person_id.in_(chunk), PersonSkill.source == REGISTER_SOURCE)
            .order_by(PersonSkill.person_id, PersonSkill.position)
        ):
            by_id[pid].skills.append(raw)
        for pid, raw in db.session.execute(
            sa.select(PersonCertificate.person_id, PersonCertificate.raw)
            .where(PersonCertificate.person_id.in_(chunk), PersonCertificate.source == REGISTER_SOURCE)
            .order_by(PersonCertificate.person_id, PersonCertificate.position)
        ):
            by_id[pid].certificates.append(raw)
        for model in (PersonSkill, PersonCertificate):
            for pid, raw in db.session.execute(
                sa.select(model.person_id, model.raw).where(model.person_id.in_(chunk), model.source != REGISTER_SOURCE)
            ):
                by_id[pid].held_otherwise.add(raw)
    return found


def apply_register(
    rows: list[tuple[int, PersonFields]],
    *,
    create_sites: bool = False,
    dry_run: bool = False,
    actor=None,
    import_id: int | None = None,
    source: StatusSource = StatusSource.IMPORT,
    effective_on: dt.date | None = None,
    scope: Scope | None = None,
) -> RegisterResult:
    """Validate the rows together and, when all are valid and not a dry run, upsert them.

    ``rows`` pairs each spreadsheet row number with its already-validated fields.
    On any error nothing is written and ``result.errors`` names every bad row. With a
    ``scope`` (an uploader's region), every row's site and every existing person must
    lie inside it; unknown sites are created only with ``create_sites``.
    """
    result = RegisterResult()
    effective_on = effective_on or _today()
    ensure_seed()
    fill_skill_codes()  # skills seeded before occupation codes existed
    sites = SiteIndex()
    p = protector()

    # 1. duplicate ID numbers inside the file
    first_row: dict[str, int] = {}
    for row_no, f in rows:
        if f.id_number in first_row:
            result.errors.append(FieldError(row_no, "id_number", f"与第{first_row[f.id_number]}行的身份证号重复"))
        else:
            first_row[f.id_number] = row_no

    # 2. sites
    missing_sites: dict[tuple[str, str, str], int] = {}
    for row_no, f in rows:
        site = sites.get(f.county, f.township, f.site)
        if site is not None and scope is not None and not scope.allows(site.id):
            result.errors.append(FieldError(row_no, "site", f"安置点“{f.site}”不在您的管辖范围内"))
        elif site is None:
            key = (f.county, f.township, f.site)
            if create_sites:
                missing_sites.setdefault(key, row_no)
            else:
                result.errors.append(FieldError(
                    row_no, "site", f"找不到安置点“{f.county}{f.township}{f.site}”；请先导入安置点，或使用“自动创建安置点”"
                ))

    # 3. household consistency: one site, at most one head (file and database together)
    by_household: dict[tuple[str, str], list[tuple[int, PersonFields]]] = defaultdict(list)
    for row_no, f in rows:
        by_household[(f.county, f.household_code)].append((row_no, f))
    for members in by_household.values():
        first_no, first = members[0]
        for row_no, f in members[1:]:
            if (f.township, f.site) != (first.township, first.site):
                result.errors.append(FieldError(
                    row_no, "site", f"同一户的安置点应一致（第{first_no}行为“{first.township}{first.site}”）"
                ))
        heads = [row_no for row_no, f in members if f.relation is Relation.HEAD]
        if len(heads) > 1:
            for row_no in heads[1:]:
                result.errors.append(FieldError(
                    row_no, "relation", f"该户（户编号 {first.household_code}）有两个户主：第{heads[0]}行和第{row_no}行"
                ))

    hashes = {f.id_number: p.lookup("id", f.id_number) for _n, f in rows}
    existing = _load_existing(list(set(hashes.values())))
    if scope is not None:
        for row_no, f in rows:
            ex = existing.get(hashes[f.id_number])
            if ex is not None and not scope.allows(ex.site_id):
                result.errors.append(FieldError(row_no, "id_number", "该人员已登记在您管辖范围以外的安置点，请联系上级调整"))

    county_ids = {}
    for county_name in {f.county for _n, f in rows}:
        county = find_county(county_name)
        county_ids[county_name] = county.id if county else None
    household_ids: dict[tuple[str, str], int] = {}
    for county_name, county_id in county_ids.items():
        if county_id is None:
            continue
        codes = [code for (c, code) in by_household if c == county_name]
        for chunk in _chunks(codes, 900):
            for hid, code in db.session.execute(
                sa.select(Household.id, Household.code).where(Household.county_id == county_id, Household.code.in_(chunk))
            ):
                household_ids[(county_name, code)] = hid

    # heads already in the database that the file does not mention
    file_hashes = set(hashes.values())
    key_of_household = {hid: key for key, hid in household_ids.items()}
    if household_ids:
        for chunk in _chunks(list(household_ids.values()), 900):
            for hid, h_hash in db.session.execute(
                sa.select(Person.household_id, Person.id_number_hash).where(
                    Person.household_id.in_(chunk), Person.relation == Relation.HEAD
                )
            ):
                if h_hash in file_hashes:
                    continue
                for row_no, f in by_household.get(key_of_household[hid], []):
                    if f.relation is Relation.HEAD:
                        result.errors.append(FieldError(
                            row_no, "relation", f"户编号 {f.household_code} 在系统中已有户主，一户只能有一个户主"
                        ))
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, e.field))
        return result

    # consent: kept when the file does not state it, the import date when 是 comes without a date
    for _row_no, f in rows:
        ex = existing.get(hashes[f.id_number])
        resolve_consent(f, ex.values["broker_consent_on"] if ex else None)

    # classify rows
    to_add: list[tuple[int, PersonFields]] = []
    to_update: list[tuple[_Existing, PersonFields]] = []
    for row_no, f in rows:
        ex = existing.get(hashes[f.id_number])
        if ex is None:
            to_add.append((row_no, f))
        elif _differs(ex, f, household_ids.get((f.county, f.household_code)), p):
            to_update.append((ex, f))
        else:
            result.unchanged += 1
    result.added, result.updated = len(to_add), len(to_update)
    result.households_added = sum(1 for key in by_household if key not in household_ids)
    result.sites_created = [f"{c}{t}{s}" for (c, t, s) in missing_sites]
    if dry_run:
        return result

    # 4. write
    for (county, township, site_name) in missing_sites:
        site, _created = ensure_site(county, township, site_name)
        sites.add(county, township, site)
        county_ids[county] = site.county_id
    new_households = []
    for (county, code), members in by_household.items():
        if (county, code) not in household_ids:
            f = members[0][1]
            new_households.append({"code": code, "county_id": county_ids[county],
                                   "site_id": sites.get(county, f.township, f.site).id})
    if new_households:
        for chunk in _chunks(new_households, 5000):
            db.session.execute(Household.__table__.insert(), chunk)
        county_of_id = {cid: name for name, cid in county_ids.items()}
        for county_id in {h["county_id"] for h in new_households}:
            codes = [h["code"] for h in new_households if h["county_id"] == county_id]
            for chunk in _chunks(codes, 900):
                for hid, code in db.session.execute(
                    sa.select(Household.id, Household.code).where(Household.county_id == county_id, Household.code.in_(chunk))
                ):
                    household_ids[(county_of_id[county_id], code)] = hid
    # households whose site changed
    site_updates = []
    for (county, code), members in by_household.items():
        f = members[0][1]
        site_updates.append({"id": household_ids[(county, code)], "site_id": sites.get(county, f.township, f.site).id})
    if site_updates:
        db.session.execute(sa.update(Household), site_updates)

    vocab = Vocabulary()
    now = utcnow()
    insert_values = []
    for _row_no, f in to_add:
        values = person_columns(f) | protected_columns(f.id_number, f.phone)
        values.update(
            household_id=household_ids[(f.county, f.household_code)],
            site_id=sites.get(f.county, f.township, f.site).id,
            employment_status=f.employment_status,
            status_since=effective_on,
            workplace=f.workplace,
            monthly_income=f.monthly_income,
            created_at=now,
            updated_at=now,
        )
        insert_values.append(values)
    # plain executemany (no RETURNING): ids are read back through the unique lookup hash
    for chunk in _chunks(insert_values, 5000):
        db.session.execute(Person.__table__.insert(), chunk)
    id_of_hash: dict[str, int] = {}
    new_hashes = [v["id_number_hash"] for v in insert_values]
    for chunk in _chunks(new_hashes, 900):
        id_of_hash.update(db.session.execute(
            sa.select(Person.id_number_hash, Person.id).where(Person.id_number_hash.in_(chunk))
        ).all())
    new_ids = [id_of_hash[h] for h in new_hashes]

    events = []
    for (_row_no, f), pid in zip(to_add, new_ids, strict=True):
        events.append(_event(pid, f, None, effective_on, source, actor, import_id, now))

    update_values = []
    for ex, f in to_update:
        values = person_columns(f)
        protected = protected_columns(f.id_number, f.phone) if ex.phone_hash != (p.lookup("phone", f.phone) if f.phone else None) else {}
        values.update({k: v for k, v in protected.items() if k.startswith("phone")})
        values.update(
            id=ex.id,
            household_id=household_ids[(f.county, f.household_code)],
            site_id=sites.get(f.county, f.township, f.site).id,
            updated_at=now,
        )
        if (ex.status, ex.workplace, ex.monthly_income) != (f.employment_status, f.workplace, f.monthly_income):
            values.update(employment_status=f.employment_status, workplace=f.workplace,
                          monthly_income=f.monthly_income, status_checked_at=now)
            if ex.status is not f.employment_status:
                values["status_since"] = effective_on
            events.append(_event(ex.id, f, ex.status, effective_on, source, actor, import_id, now))
        update_values.append(values)
    for chunk in _chunks(update_values, 2000):
        db.session.execute(sa.update(Person), chunk)
    for chunk in _chunks(events, 5000):
        db.session.execute(StatusEvent.__table__.insert(), chunk)
    result.status_changes = len(events) - len(to_add)

    skills: dict[int, list[dict]] = {}
    certs: dict[int, list[dict]] = {}
    for (_row_no, f), pid in zip(to_add, new_ids, strict=True):
        skills[pid] = skill_rows(pid, f.skills, vocab)
        certs[pid] = certificate_rows(pid, f.certificates, vocab)
    changed_items = []
    for ex, f in to_update:
        if ex.register_items_differ(f):
            changed_items.append(ex.id)
            skills[ex.id] = skill_rows(ex.id, f.skills, vocab)
            certs[ex.id] = certificate_rows(ex.id, f.certificates, vocab)
    if changed_items:
        replace_register_items(changed_items, {k: skills[k] for k in changed_items}, {k: certs[k] for k in changed_items})
    new_skill_rows = [r for pid in new_ids for r in skills[pid]]
    new_cert_rows = [r for pid in new_ids for r in certs[pid]]
    for chunk in _chunks(new_skill_rows, 5000):
        db.session.execute(PersonSkill.__table__.insert(), chunk)
    for chunk in _chunks(new_cert_rows, 5000):
        db.session.execute(PersonCertificate.__table__.insert(), chunk)
    db.session.flush()
    return result


def _event(pid, f: PersonFields, previous, effective_on, source, actor, import_id, now) -> dict:
    return {
        "person_id": pid,
        "kind": StatusEventKind.CHANGE,
        "status": f.employment_status,
        "previous_status": previous,
        "effective_on": effective_on,
        "workplace": f.workplace,
        "monthly_income": f.monthly_income,
        "source": source,
        "recorded_at": now,
        "recorded_by_id": getattr(actor, "id", None),
        "import_id": import_id,
    }


def _differs(ex: _Existing, f: PersonFields, household_id: int | None, p) -> bool:
    """Whether applying ``f`` would change anything for an existing person."""
    new = person_columns(f)
    if any(ex.values[k] != new[k] for k in _COMPARED):
        return True
    if household_id != ex.household_id:
        return True
    if ex.phone_hash != (p.lookup("phone", f.phone) if f.phone else None):
        return True
    if (ex.status, ex.workplace, ex.monthly_income) != (f.employment_status, f.workplace, f.monthly_income):
        return True
    return ex.register_items_differ(f)
