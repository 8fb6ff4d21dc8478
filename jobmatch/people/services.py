"""Register services: people, households, status history, skills and certificates.

Services validate and flush; the caller (a view or CLI command) commits once.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.database import today as _today
from jobmatch.database import utcnow
from jobmatch.errors import NotFound, PermissionDenied, ValidationError
from jobmatch.extensions import db
from jobmatch.people import signals
from jobmatch.people.enums import EmploymentStatus, Relation, StatusEventKind, StatusSource
from jobmatch.people.models import Household, Person, PersonCertificate, PersonSkill, StatusEvent
from jobmatch.people.names import pinyin_forms
from jobmatch.people.rules import HouseholdStanding, age_band, household_standing
from jobmatch.people.validation import PersonFields
from jobmatch.places.models import Site
from jobmatch.places.services import Scope
from jobmatch.protect import mask_id, mask_phone, protector
from jobmatch.vocab.services import Vocabulary

REGISTER_SOURCE = "台账"
#: skills and certificates written by training (completions, awards); register imports keep them
TRAINING_SOURCE = "培训"


# --- protected numbers ----------------------------------------------------------------

def id_lookup_hash(id_number: str) -> str:
    return protector().lookup("id", id_number)


def protected_columns(id_number: str, phone: str | None) -> dict:
    """The encrypted and hashed columns for an ID and phone number."""
    p = protector()
    return {
        "id_number_enc": p.encrypt(id_number),
        "id_number_hash": p.lookup("id", id_number),
        "id_tail_hash": p.lookup("id4", id_number[-4:]),
        "phone_enc": p.encrypt(phone) if phone else None,
        "phone_hash": p.lookup("phone", phone) if phone else None,
        "phone_tail_hash": p.lookup("phone4", phone[-4:]) if phone else None,
    }


def reveal_id(person: Person) -> str:
    return protector().decrypt(person.id_number_enc)


def reveal_phone(person: Person) -> str | None:
    return protector().decrypt(person.phone_enc)


def masked_id(person: Person) -> str:
    return mask_id(reveal_id(person))


def masked_phone(person: Person) -> str:
    return mask_phone(reveal_phone(person))


# --- lookups ---------------------------------------------------------------------------

def get_person(person_id: int, scope: Scope) -> Person:
    """A person inside ``scope``; outside it is reported as not found."""
    person = db.session.scalar(sa.select(Person).where(Person.id == person_id, scope.filter(Person.site_id)))
    if person is None:
        raise NotFound("找不到该人员，或不在您的管辖范围内")
    return person


def find_by_id_number(id_number: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.id_number_hash == id_lookup_hash(id_number)))


def get_household(household_id: int, scope: Scope) -> Household:
    household = db.session.scalar(
        sa.select(Household).where(Household.id == household_id, scope.filter(Household.site_id))
    )
    if household is None:
        raise NotFound("找不到该户，或不在您的管辖范围内")
    return household


# --- reading a household ---------------------------------------------------------------

@dataclass
class MemberView:
    person: Person
    age: int
    is_able: bool
    masked_id: str
    masked_phone: str


@dataclass
class HouseholdView:
    household: Household
    members: list[MemberView]
    standing: HouseholdStanding
    head: Person | None = None
    heads: list[Person] = field(default_factory=list)


def household_view(household: Household, on: dt.date | None = None) -> HouseholdView:
    """Members with ages and able flags, and whether the household is zero-employment."""
    from jobmatch.people.idnumber import age_on
    from jobmatch.people.rules import is_able

    on = on or _today()
    band = age_band()
    members = [
        MemberView(
            person=m,
            age=age_on(m.birth_date, on),
            is_able=is_able(m.birth_date, m.labor_capacity, m.employment_status, on, band),
            masked_id=masked_id(m),
            masked_phone=masked_phone(m),
        )
        for m in household.members
    ]
    heads = [m for m in household.members if m.relation is Relation.HEAD]
    return HouseholdView(
        household=household,
        members=members,
        standing=household_standing(household.members, on, band),
        head=heads[0] if heads else None,
        heads=heads,
    )


# --- status history ---------------------------------------------------------------------

def record_status(
    person: Person,
    status: EmploymentStatus,
    effective_on: dt.date,
    *,
    source: StatusSource,
    actor=None,
    workplace: str | None = None,
    monthly_income: float | None = None,
    note: str | None = None,
    import_id: int | None = None,
) -> StatusEvent | None:
    """Record a status change as a dated event; returns None when nothing changed.

    A change dated before the latest event is inserted into the history in order; the
    current status is always the latest event's.
    """
    if effective_on > _today():
        raise ValidationError("生效日期不能晚于今天", fields={"effective_on": "生效日期不能晚于今天"})
    latest = current_event(person.id, on=effective_on)
    previous = latest.status if latest else None
    if previous is status and (workplace or None) == (person.workplace or None) and monthly_income == person.monthly_income:
        return None
    event = StatusEvent(
        person_id=person.id,
        kind=StatusEventKind.CHANGE,
        status=status,
        previous_status=previous,
        effective_on=effective_on,
        workplace=workplace,
        monthly_income=monthly_income,
        source=source,
        note=note,
        recorded_by_id=getattr(actor, "id", None),
        import_id=import_id,
    )
    db.session.add(event)
    db.session.flush()
    _refresh_current(person)
    person.status_checked_at = utcnow()
    audit.record("status_change", "person", person.id, actor=actor, status=status.label,
                 previous=previous.label if previous else None, effective_on=effective_on)
    signals.notify(source, [signals.StatusWrite(person.id, previous, status, effective_on)], actor)
    return event


def bulk_record_changes(changes: list[tuple], *, source: StatusSource, actor=None) -> int:
    """Record many dated status changes at once: (id_number, status, effective_on, workplace, income).

    Each change must be dated after the person's latest event; it becomes the current status.
    """
    p = protector()
    by_hash = {p.lookup("id", c[0]): c for c in changes}
    current: dict[str, tuple[int, EmploymentStatus]] = {}
    for chunk in _chunks(list(by_hash), 900):
        for pid, h, status in db.session.execute(
            sa.select(Person.id, Person.id_number_hash, Person.employment_status).where(Person.id_number_hash.in_(chunk))
        ):
            current[h] = (pid, status)
    now = utcnow()
    events, updates = [], []
    for h, (_id, status, effective_on, workplace, income) in by_hash.items():
        if h not in current:
            raise NotFound("找不到要变更状态的人员")
        pid, previous = current[h]
        events.append({
            "person_id": pid, "kind": StatusEventKind.CHANGE, "status": status, "previous_status": previous,
            "effective_on": effective_on, "workplace": workplace, "monthly_income": income, "source": source,
            "recorded_at": now, "recorded_by_id": getattr(actor, "id", None),
        })
        updates.append({"id": pid, "employment_status": status, "status_since": effective_on, "workplace": workplace,
                        "monthly_income": income, "status_checked_at": now})
    for chunk in _chunks(events, 5000):
        db.session.execute(StatusEvent.__table__.insert(), chunk)
    for chunk in _chunks(updates, 5000):
        db.session.execute(sa.update(Person), chunk)
    db.session.flush()
    signals.notify(source, [signals.StatusWrite(e["person_id"], e["previous_status"], e["status"], e["effective_on"])
                            for e in events], actor)
    return len(events)


@dataclass
class DatedChange:
    """One status change for ``record_dated_changes``."""

    person_id: int
    status: EmploymentStatus
    effective_on: dt.date
    workplace: str | None = None
    monthly_income: float | None = None
    note: str | None = None
    #: apply only when this status is in force on the day (an exit ends the job it ended, not a later one)
    only_if: EmploymentStatus | None = None


def record_dated_changes(changes: list[DatedChange], *, source: StatusSource, actor=None,
                         import_id: int | None = None) -> int:
    """Record many dated changes, each placed in order in its person's history; returns how many were recorded.

    The bulk counterpart of ``record_status``: a change that alters nothing is skipped, and each
    person's current status becomes the latest change on or before today.
    """
    if not changes:
        return 0
    on = _today()
    if any(c.effective_on > on for c in changes):
        raise ValidationError("生效日期不能晚于今天")
    person_ids = sorted({c.person_id for c in changes})
    timelines: dict[int, list[tuple]] = {pid: [] for pid in person_ids}
    for chunk in _chunks(person_ids, 900):
        for pid, effective_on, event_id, status, workplace, income in db.session.execute(
            sa.select(StatusEvent.person_id, StatusEvent.effective_on, StatusEvent.id, StatusEvent.status,
                      StatusEvent.workplace, StatusEvent.monthly_income)
            .where(StatusEvent.person_id.in_(chunk), StatusEvent.kind == StatusEventKind.CHANGE)
            .order_by(StatusEvent.person_id, StatusEvent.effective_on, StatusEvent.id)
        ):
            timelines[pid].append((effective_on, event_id, status, workplace, income))
    now = utcnow()
    events: list[dict] = []
    order = 10**15  # new events sort after existing ones of the same day, as their ids will
    for c in sorted(changes, key=lambda c: (c.person_id, c.effective_on)):
        timeline = timelines[c.person_id]
        order += 1
        at = bisect.bisect_right(timeline, (c.effective_on, order), key=lambda e: (e[0], e[1]))
        current = timeline[at - 1] if at else None
        previous = current[2] if current else None
        if c.only_if is not None and previous is not c.only_if:
            continue
        if current is not None and previous is c.status and current[3] == c.workplace and current[4] == c.monthly_income:
            continue
        timeline.insert(at, (c.effective_on, order, c.status, c.workplace, c.monthly_income))
        events.append({
            "person_id": c.person_id, "kind": StatusEventKind.CHANGE, "status": c.status, "previous_status": previous,
            "effective_on": c.effective_on, "workplace": c.workplace, "monthly_income": c.monthly_income,
            "source": source, "note": c.note, "recorded_at": now, "recorded_by_id": getattr(actor, "id", None),
            "import_id": import_id,
        })
    for chunk in _chunks(events, 5000):
        db.session.execute(StatusEvent.__table__.insert(), chunk)
    updates = []
    for pid in {e["person_id"] for e in events}:
        in_force = [e for e in timelines[pid] if e[0] <= on]
        if in_force:
            effective_on, _order, status, workplace, income = in_force[-1]
            updates.append({"id": pid, "employment_status": status, "status_since": effective_on,
                            "workplace": workplace, "monthly_income": income, "status_checked_at": now})
    for chunk in _chunks(updates, 5000):
        db.session.execute(sa.update(Person), chunk)
    if events:
        audit.record("status_change", "person", None, actor=actor, changes=len(events), source=source.label)
    db.session.flush()
    signals.notify(source, [signals.StatusWrite(e["person_id"], e["previous_status"], e["status"], e["effective_on"])
                            for e in events], actor)
    return len(events)


def confirm_status(person: Person, *, actor=None, note: str | None = None) -> StatusEvent:
    """The monthly update's "checked, unchanged" for a person."""
    event = StatusEvent(
        person_id=person.id,
        kind=StatusEventKind.CONFIRM,
        status=person.employment_status,
        previous_status=person.employment_status,
        effective_on=_today(),
        workplace=person.workplace,
        monthly_income=person.monthly_income,
        source=StatusSource.MONTHLY,
        note=note,
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(event)
    person.status_checked_at = utcnow()
    db.session.flush()
    return event


def current_event(person_id: int, on: dt.date | None = None) -> StatusEvent | None:
    """The status event in force on a day (the latest change on or before it)."""
    stmt = sa.select(StatusEvent).where(
        StatusEvent.person_id == person_id, StatusEvent.kind == StatusEventKind.CHANGE
    )
    if on is not None:
        stmt = stmt.where(StatusEvent.effective_on <= on)
    return db.session.scalar(stmt.order_by(StatusEvent.effective_on.desc(), StatusEvent.id.desc()).limit(1))


def _refresh_current(person: Person) -> None:
    latest = current_event(person.id, on=_today())
    if latest is not None:
        person.employment_status = latest.status
        person.status_since = latest.effective_on
        person.workplace = latest.workplace
        person.monthly_income = latest.monthly_income


def status_as_of_query(on: dt.date) -> sa.Subquery:
    """A subquery (person_id, status) giving each person's status in force on ``on``."""
    ranked = (
        sa.select(
            StatusEvent.person_id,
            StatusEvent.status,
            sa.func.row_number()
            .over(
                partition_by=StatusEvent.person_id,
                order_by=(StatusEvent.effective_on.desc(), StatusEvent.id.desc()),
            )
            .label("rn"),
        )
        .where(StatusEvent.kind == StatusEventKind.CHANGE, StatusEvent.effective_on <= on)
        .subquery()
    )
    return sa.select(ranked.c.person_id, ranked.c.status).where(ranked.c.rn == 1).subquery()


def status_as_of(person_id: int, on: dt.date) -> EmploymentStatus | None:
    event = current_event(person_id, on)
    return event.status if event else None


def month_bounds(month: str | dt.date | None = None) -> tuple[dt.date, dt.date]:
    """First and last day of a month given as YYYY-MM or a date (default: this month)."""
    if month is None:
        month = _today()
    if isinstance(month, str):
        try:
            year, mon = (int(x) for x in month.split("-"))
            month = dt.date(year, mon, 1)
        except ValueError:
            raise ValidationError("月份格式应为 YYYY-MM，例如 2026-03") from None
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def changes_in_month(scope: Scope, month: str | dt.date | None = None, limit: int = 500) -> list[StatusEvent]:
    """Status changes that took effect in a month, inside ``scope``."""
    first, last = month_bounds(month)
    return list(
        db.session.scalars(
            sa.select(StatusEvent)
            .join(Person, Person.id == StatusEvent.person_id)
            .where(
                scope.filter(Person.site_id),
                StatusEvent.kind == StatusEventKind.CHANGE,
                StatusEvent.previous_status.is_not(None),
                StatusEvent.effective_on.between(first, last),
            )
            .order_by(StatusEvent.effective_on.desc(), StatusEvent.id.desc())
            .limit(limit)
            .options(sa.orm.joinedload(StatusEvent.person))
        )
    )


@dataclass
class MonthlyProgress:
    site: Site
    month_start: dt.date
    total: int
    checked: int
    pending: list[Person]


def monthly_update(site: Site, scope: Scope, month: dt.date | None = None) -> MonthlyProgress:
    """The people of a site and which of them have not been checked this month."""
    if not scope.allows(site.id):
        raise PermissionDenied("该安置点不在您的管辖范围内")
    first, _last = month_bounds(month)
    start = dt.datetime.combine(first, dt.time())
    people = list(
        db.session.scalars(
            sa.select(Person)
            .where(Person.site_id == site.id)
            .order_by(Person.household_id, Person.id)
            .options(sa.orm.joinedload(Person.household))
        )
    )
    pending = [p for p in people if p.status_checked_at is None or p.status_checked_at < start]
    return MonthlyProgress(site=site, month_start=first, total=len(people), checked=len(people) - len(pending),
                           pending=pending)


# --- skills and certificates -----------------------------------------------------------

def skill_rows(person_id: int, raws: list[str], vocab: Vocabulary) -> list[dict]:
    return [
        {"person_id": person_id, "raw": raw, "skill_id": vocab.skill_id(raw), "position": i, "source": REGISTER_SOURCE}
        for i, raw in enumerate(raws)
    ]


def certificate_rows(person_id: int, raws: list[str], vocab: Vocabulary) -> list[dict]:
    rows = []
    for i, raw in enumerate(raws):
        parsed, cert_id = vocab.certificate(raw)
        rows.append({
            "person_id": person_id, "raw": raw, "certificate_id": cert_id, "level": parsed.level,
            "position": i, "source": REGISTER_SOURCE,
        })
    return rows


def replace_register_items(person_ids: list[int], skills: dict[int, list[dict]], certs: dict[int, list[dict]]) -> None:
    """Replace the register-sourced skills and certificates of these people (training ones stay)."""
    for chunk in _chunks(person_ids, 500):
        db.session.execute(
            sa.delete(PersonSkill).where(PersonSkill.person_id.in_(chunk), PersonSkill.source == REGISTER_SOURCE)
        )
        db.session.execute(
            sa.delete(PersonCertificate).where(
                PersonCertificate.person_id.in_(chunk), PersonCertificate.source == REGISTER_SOURCE
            )
        )
    kept_skills = _kept_raws(PersonSkill, person_ids)
    kept_certs = _kept_raws(PersonCertificate, person_ids)
    skill_values = [r for rows in skills.values() for r in rows if (r["person_id"], r["raw"]) not in kept_skills]
    cert_values = [r for rows in certs.values() for r in rows if (r["person_id"], r["raw"]) not in kept_certs]
    if skill_values:
        db.session.execute(PersonSkill.__table__.insert(), skill_values)
    if cert_values:
        db.session.execute(PersonCertificate.__table__.insert(), cert_values)


def _kept_raws(model, person_ids: list[int]) -> set[tuple[int, str]]:
    kept: set[tuple[int, str]] = set()
    for chunk in _chunks(person_ids, 500):
        kept.update(db.session.execute(sa.select(model.person_id, model.raw).where(model.person_id.in_(chunk))).all())
    return kept


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- editing one person -------------------------------------------------------------------

def person_columns(f: PersonFields) -> dict:
    """The plain (non-protected) person columns for validated fields (sex and birth from the ID)."""
    if f.sex is None or f.birth_date is None:
        from jobmatch.people.idnumber import parse_id_number

        info = parse_id_number(f.id_number)
        f.sex, f.birth_date = info.sex, info.birth_date
    full, initials = pinyin_forms(f.name)
    return {
        "name": f.name,
        "name_given": f.name[1:],
        "name_pinyin": full,
        "name_initials": initials,
        "sex": f.sex,
        "birth_date": f.birth_date,
        "relation": f.relation,
        "education": f.education,
        "labor_capacity": f.labor_capacity,
        "work_preference": f.work_preference,
        "expected_wage": f.expected_wage,
        "wants_training": f.wants_training,
        "is_monitored": f.is_monitored,
        "has_care_duty": f.has_care_duty,
        "broker_consent_on": f.broker_consent_on,
    }


def resolve_consent(f: PersonFields, stored_on: dt.date | None, on: dt.date | None = None) -> dt.date | None:
    """The consent date to store: kept when not stated, cleared on 否, else the given, stored or ``on`` date."""
    if f.broker_consent is None:
        f.broker_consent_on = stored_on
    elif not f.broker_consent:
        f.broker_consent_on = None
    else:
        f.broker_consent_on = f.broker_consent_on or stored_on or on or _today()
    f.broker_consent = f.broker_consent_on is not None
    return f.broker_consent_on


def grant_broker_consent(person_ids: list[int], on: dt.date, *, actor=None) -> int:
    """Record broker-sharing consent dated ``on`` for many people (those without one); returns the count."""
    changed = 0
    for chunk in _chunks(person_ids, 900):
        changed += db.session.execute(
            sa.update(Person)
            .where(Person.id.in_(chunk), Person.broker_consent_on.is_(None))
            .values(broker_consent_on=on)
            .execution_options(synchronize_session=False)
        ).rowcount
    audit.record("edit_person", "person", None, actor=actor, consent_granted=changed, on=on)
    db.session.flush()
    return changed


def update_person(person: Person, f: PersonFields, *, actor=None, effective_on: dt.date | None = None) -> Person:
    """Apply an edit form: profile fields overwrite, the status goes into the history."""
    new_id = f.id_number
    if new_id != reveal_id(person):
        clash = find_by_id_number(new_id)
        if clash is not None and clash.id != person.id:
            raise ValidationError("身份证号已被其他人员使用", fields={"id_number": "该身份证号已登记在其他人员名下"})
    if f.relation is Relation.HEAD:
        other_head = db.session.scalar(
            sa.select(Person.id).where(
                Person.household_id == person.household_id, Person.relation == Relation.HEAD, Person.id != person.id
            )
        )
        if other_head:
            raise ValidationError("该户已有户主", fields={"relation": "该户已有户主，一户只能有一个户主"})
    resolve_consent(f, person.broker_consent_on)
    for key, value in person_columns(f).items():
        setattr(person, key, value)
    for key, value in protected_columns(new_id, f.phone).items():
        if key.endswith("_enc") and protector().decrypt(getattr(person, key)) == (new_id if key.startswith("id") else f.phone):
            continue  # unchanged: keep the ciphertext so the row does not churn
        setattr(person, key, value)
    vocab = Vocabulary()
    replace_register_items(
        [person.id],
        {person.id: skill_rows(person.id, f.skills, vocab)},
        {person.id: certificate_rows(person.id, f.certificates, vocab)},
    )
    event = record_status(
        person, f.employment_status, effective_on or _today(), source=StatusSource.EDIT, actor=actor,
        workplace=f.workplace, monthly_income=f.monthly_income,
    )
    if event is None:  # profile edits (capacity, birth date) can change the household's standing
        signals.notify(StatusSource.EDIT, [signals.StatusWrite(person.id, person.employment_status,
                                                               person.employment_status, effective_on or _today())], actor)
    db.session.flush()
    db.session.expire(person, ["skills", "certificates"])
    audit.record("edit_person", "person", person.id, actor=actor)
    return person


def fields_of(person: Person) -> PersonFields:
    """The editable fields of a person, as the form and the export show them."""
    household = person.household
    site = household.site
    return PersonFields(
        household_code=household.code,
        county=site.county.name,
        township=site.township.name,
        site=site.name,
        name=person.name,
        id_number=reveal_id(person),
        birth_date=person.birth_date,
        sex=person.sex,
        relation=person.relation,
        phone=reveal_phone(person),
        education=person.education,
        labor_capacity=person.labor_capacity,
        employment_status=person.employment_status,
        workplace=person.workplace,
        monthly_income=person.monthly_income,
        work_preference=person.work_preference,
        expected_wage=person.expected_wage,
        wants_training=person.wants_training,
        skills=[s.raw for s in person.skills if s.source == REGISTER_SOURCE],
        certificates=[c.raw for c in person.certificates if c.source == REGISTER_SOURCE],
        is_monitored=person.is_monitored,
        has_care_duty=person.has_care_duty,
        broker_consent=person.broker_consent_on is not None,
        broker_consent_on=person.broker_consent_on,
    )
